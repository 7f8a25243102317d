"""Pre-flight checks of this machine: Python, the packages, the kernel, widgets and clock."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from packaging.utils import canonicalize_name

from cognito_tutorial.instructor.preflight import FAIL, INFO, OK, WARN, Check
from cognito_tutorial.instructor.preflight.jupyterlab_setup import check_kernel, check_widgets
from cognito_tutorial.instructor.preflight.requirements import (
    default_requirements,
    installed_versions,
    read_pins,
)

PYTHON_MIN = (3, 11)
KEY_PACKAGES = (
    "boto3",
    "botocore",
    "moto",
    "pyotp",
    "ipykernel",
    "ipywidgets",
    "jupyterlab",
    "jupyterlab_widgets",
    "papermill",
)


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Check:
    """Python 3.11 or newer (the version the pins in requirements.txt were made with)."""
    shown = ".".join(str(part) for part in version)
    if tuple(version[:2]) < PYTHON_MIN:
        return Check(
            "Python",
            FAIL,
            f"{shown} at {sys.executable}; the tutorial needs 3.11 or newer. "
            "Install Python 3.11 and run `make lab` again.",
        )
    return Check("Python", OK, f"{shown} at {sys.executable}")


def check_packages(requirements: Path | None = None) -> Check:
    """The key packages are installed; every pin in requirements.txt matches what is installed.

    :param requirements: the pinned requirements file; default: the checkout's own.
    """
    requirements = requirements or default_requirements()
    installed = installed_versions()
    missing = [name for name in KEY_PACKAGES if canonicalize_name(name) not in installed]
    if missing:
        return Check(
            "Packages",
            FAIL,
            f"missing: {', '.join(missing)}. Run `make lab` (or `pip install -r requirements.txt` "
            "and `pip install -e .`) in the tutorial's folder.",
        )
    versions = ", ".join(f"{name} {installed[canonicalize_name(name)]}" for name in KEY_PACKAGES)
    if not requirements.exists():
        return Check("Packages", OK, f"{versions} (no requirements.txt here to compare with)")
    pins = read_pins(requirements)
    differ = [
        f"{name} {installed.get(name, 'missing')} (pinned {pinned})"
        for name, pinned in sorted(pins.items())
        if installed.get(name) != pinned
    ]
    if differ:
        shown = "; ".join(differ[:5]) + (f"; and {len(differ) - 5} more" if len(differ) > 5 else "")
        return Check(
            "Packages",
            WARN,
            f"{len(differ)} of {len(pins)} differ from requirements.txt: {shown}. "
            "Run `pip install -r requirements.txt` to get what the tutorial was tested with.",
        )
    return Check("Packages", OK, f"{versions}; all {len(pins)} pins in requirements.txt match")


def check_local_clock(now: float | None = None) -> Check:
    """Report this machine's clock as it is; offline there is nothing to compare it with.

    The sandbox runs on this machine's clock, so codes made here always agree with it. What can
    still be wrong is the phone's clock, which nothing here can see.
    """
    now = time.time() if now is None else now
    shown = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return Check(
        "Clock",
        INFO,
        f"this machine reads {shown}; not compared with a time source (none is used offline). "
        "The sandbox uses this same clock; check the learner's phone sets its time automatically.",
    )


def check_environment() -> list[Check]:
    """The checks that need no backend: Python, packages, kernel, widgets."""
    return [check_python(), check_packages(), check_kernel(), check_widgets()]
