"""What the tutorial pins (requirements.txt) and what this environment has installed.

Pins are read with ``packaging``, as pip reads them; names are compared in their canonical form
(PEP 503: ``jupyterlab_widgets`` is ``jupyterlab-widgets``).
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

_COMMENT = re.compile(r"(^|\s)#.*")


def default_requirements() -> Path:
    """requirements.txt of the checkout this package runs from (absent in a plain install)."""
    return Path(__file__).resolve().parents[3] / "requirements.txt"


def read_pins(path: Path) -> dict[str, str]:
    """The ``name==version`` pins of a requirements file, keyed by canonical name.

    Comments, blank lines and pip options (``-r``, ``--index-url``) are skipped, and so are
    requirements without an exact pin.
    """
    pins = {}
    for line in path.read_text().splitlines():
        line = _COMMENT.sub("", line).strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        for specifier in requirement.specifier:
            if specifier.operator == "==":
                pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def installed_versions() -> dict[str, str]:
    """Every distribution installed in this environment: canonical name -> version."""
    return {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions()
        if dist.metadata["Name"]
    }
