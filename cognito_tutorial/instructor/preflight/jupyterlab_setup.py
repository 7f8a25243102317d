"""Pre-flight checks of Jupyter: the kernel the notebooks name, and the widgets in JupyterLab.

Both read what JupyterLab itself reads: the ``python3`` kernelspec, and the page configuration
JupyterLab builds at start-up (the lab extensions it finds and the ones disabled).
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

from cognito_tutorial.instructor.preflight import FAIL, OK, Check

WIDGETS_LAB_EXTENSION = "@jupyter-widgets/jupyterlab-manager"
KERNEL_NAME = "python3"  # the kernelspec every notebook names in its metadata


def check_kernel() -> Check:
    """The ``python3`` kernel exists and its interpreter can import this package and ipykernel.

    The notebooks name the ``python3`` kernel; a learner whose JupyterLab runs from another
    environment gets a kernel that cannot import ``cognito_tutorial``. Like jupyter_client, a
    kernelspec whose command is plain ``python`` runs the interpreter JupyterLab itself runs on;
    here that is taken to be this interpreter.
    """
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError:
        return Check("Kernel", FAIL, "jupyter_client is not installed. Run `make lab`.")
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        return Check(
            "Kernel",
            FAIL,
            f"no '{KERNEL_NAME}' kernel. Run `python -m ipykernel install --sys-prefix` "
            "with the tutorial's environment active.",
        )
    python = spec.argv[0]
    if python in ("python", "python3", f"python3.{sys.version_info[1]}"):
        python = sys.executable
    try:
        done = subprocess.run(
            [python, "-c", "import cognito_tutorial, ipykernel"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Check("Kernel", FAIL, f"the '{KERNEL_NAME}' kernel's {python} did not run: {error}")
    if done.returncode != 0:
        return Check(
            "Kernel",
            FAIL,
            f"the '{KERNEL_NAME}' kernel runs {python}, which cannot import cognito_tutorial. "
            "Start JupyterLab from the tutorial's environment (`make lab`).",
        )
    return Check("Kernel", OK, f"'{KERNEL_NAME}' runs {python} and imports cognito_tutorial")


def check_widgets() -> Check:
    """ipywidgets 8 and its JupyterLab extension (``jupyterlab_widgets``), found and enabled.

    Reads the page configuration JupyterLab itself builds at start-up (the lab extensions it
    finds and the ones disabled), which is what decides whether the widgets show in a browser.
    """
    try:
        widgets = metadata.version("ipywidgets")
        extension = metadata.version("jupyterlab_widgets")
        from jupyter_core.paths import jupyter_path
        from jupyterlab_server.config import get_page_config
    except (metadata.PackageNotFoundError, ImportError) as error:
        return Check(
            "Widgets",
            FAIL,
            f"{error}: the sign-in widgets need ipywidgets 8 and jupyterlab_widgets. "
            "Run `pip install -r requirements.txt`.",
        )
    if not widgets.startswith("8."):
        return Check(
            "Widgets", FAIL, f"ipywidgets {widgets}; the tutorial needs 8.x. Run `make lab`."
        )
    config = get_page_config(jupyter_path("labextensions"))
    found = {extension["name"] for extension in config.get("federated_extensions", [])}
    disabled = config.get("disabledExtensions") or {}
    if isinstance(disabled, list):
        disabled = {name: True for name in disabled}
    if WIDGETS_LAB_EXTENSION not in found:
        return Check(
            "Widgets",
            FAIL,
            f"jupyterlab_widgets {extension} is installed but JupyterLab does not find "
            f"{WIDGETS_LAB_EXTENSION}. Reinstall it: `pip install --force-reinstall "
            f"jupyterlab_widgets=={extension}`.",
        )
    if disabled.get(WIDGETS_LAB_EXTENSION):
        return Check(
            "Widgets",
            FAIL,
            f"{WIDGETS_LAB_EXTENSION} is disabled. Run "
            f"`jupyter labextension enable {WIDGETS_LAB_EXTENSION}` and reload JupyterLab.",
        )
    return Check(
        "Widgets",
        OK,
        f"ipywidgets {widgets}, jupyterlab_widgets {extension}: {WIDGETS_LAB_EXTENSION} enabled",
    )
