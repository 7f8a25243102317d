"""Fixtures for the browser tests: a sandbox, a JupyterLab and a headless Chromium, all real.

The sandbox and JupyterLab run as subprocesses on free loopback ports; the kernel JupyterLab
starts inherits COGNITO_TUTORIAL_ENDPOINT, so the fixture notebooks' `connect()` uses that
sandbox. Every Jupyter directory is a throwaway one, so a learner's settings never leak in and
nothing is left behind. Chromium is Debian's (`/usr/bin/chromium`), driven by Playwright from
PyPI through `executable_path`; `playwright install` is never needed.

Time: the sandbox runs on a virtual clock (its ``--clock-file``), and every kernel's wall
clock follows the same file (an IPython start-up file), so `move_clock(181)` ages sessions
and moves authenticators, the sandbox's and the notebook's alike, without waiting: a session
runs out, or the demo authenticator shows its next code, at once. A cell's ``time.sleep``
moves the clock too, as in headless runs (``instructor/headless_clock.py``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = Path(__file__).parent / "notebooks"
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(reason: str) -> None:
    """Skip with a visible reason; in CI (CI=true) a missing browser is a failure instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run in CI)", pytrace=False)
    pytest.skip(reason)


def chromium_executable() -> str:
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    _missing("Chromium is not installed: `apt-get install chromium` to run the browser tests")
    raise AssertionError("unreachable")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen, name: str) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop on SIGTERM; killing it", file=sys.stderr)
        process.kill()
        process.wait(timeout=5)


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = chromium_executable()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("Playwright is not installed: `pip install -r requirements.txt`")
    return path


@pytest.fixture(scope="module")
def browser_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home for everything the browser tests' processes write."""
    return tmp_path_factory.mktemp("browser-home")


# Run by every kernel of the browser tests' JupyterLab (IPython start-up file): its wall clock
# (time.time, datetime, and so pyotp and the forms) follows the sandbox's clock file.
KERNEL_FOLLOWS_THE_CLOCK = """\
# Browser tests only: this kernel's wall clock follows the test sandbox's clock file, and a
# cell's time.sleep moves that clock instead of waiting (as in headless runs).


def _follow_the_clock_file(path):
    import threading
    import time
    from pathlib import Path

    import time_machine

    from cognito_tutorial.sandbox import read_offset, write_offset

    clock_file = Path(path)
    lock = threading.Lock()
    applied = read_offset(clock_file)
    coordinates = time_machine.travel(time.time() + applied, tick=True).start()
    real_sleep = time.sleep

    def follow():
        nonlocal applied
        with lock:
            offset = read_offset(clock_file)
            if offset != applied:
                coordinates.shift(offset - applied)
                applied = offset

    def sleep(seconds):
        if threading.current_thread() is not threading.main_thread():
            real_sleep(seconds)
            return
        with lock:
            write_offset(clock_file, read_offset(clock_file) + seconds)
        follow()

    def keep_following():
        pause = threading.Event()
        while not pause.wait(0.05):
            follow()

    time.sleep = sleep
    threading.Thread(target=keep_following, name="follow the clock file", daemon=True).start()


_follow_the_clock_file(CLOCK_FILE)
del _follow_the_clock_file
"""


@pytest.fixture(scope="module")
def clock_file(browser_home: Path) -> Path:
    """The virtual clock's file, shared by the sandbox and the kernels (see the docstring)."""
    return browser_home / "virtual-clock"


@pytest.fixture
def move_clock(clock_file: Path):
    """``move_clock(seconds)``: the sandbox and every kernel jump ``seconds`` ahead."""
    from cognito_tutorial.sandbox import read_offset, write_offset

    def move(seconds: float) -> None:
        write_offset(clock_file, read_offset(clock_file) + seconds)

    return move


@pytest.fixture(scope="module")
def sandbox_endpoint(chromium_path: str, browser_home: Path, clock_file: Path) -> Iterator[str]:
    """A fresh sandbox process, as `python -m cognito_tutorial sandbox --fresh --port 0`, on
    the virtual clock of ``clock_file``."""
    log_path = browser_home / "sandbox.log"
    log = log_path.open("w+")
    env = dict(
        os.environ, COGNITO_TUTORIAL_HOME=str(browser_home / "tutorial"), PYTHONUNBUFFERED="1"
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cognito_tutorial",
            "sandbox",
            "--fresh",
            "--port",
            "0",
            "--clock-file",
            str(clock_file),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        url = None
        while url is None:
            found = re.search(r"http://127\.0\.0\.1:\d+", log_path.read_text())
            url = found.group(0) if found else None
            if url is None and (process.poll() is not None or time.monotonic() > deadline):
                raise RuntimeError(f"the sandbox did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        _stop(process, "the sandbox")
        log.close()


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


@pytest.fixture(scope="module")
def jupyter_lab(sandbox_endpoint: str, browser_home: Path, clock_file: Path) -> Iterator[Lab]:
    """JupyterLab on a free port with a known token, its notebooks in a throwaway folder, its
    kernels' clocks following ``clock_file``."""
    root = browser_home / "notebooks"
    shutil.copytree(NOTEBOOKS, root)
    startup = browser_home / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-follow-the-clock-file.py").write_text(
        KERNEL_FOLLOWS_THE_CLOCK.replace("CLOCK_FILE", repr(str(clock_file)))
    )
    jupyter = {name: browser_home / "jupyter" / name for name in ("config", "data", "runtime")}
    for path in jupyter.values():
        path.mkdir(parents=True)
    labconfig = jupyter["config"] / "labconfig"
    labconfig.mkdir()
    # No "news?" toast over the page, no update check reaching the network.
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        COGNITO_TUTORIAL_ENDPOINT=sandbox_endpoint,
        COGNITO_TUTORIAL_HOME=str(browser_home / "tutorial"),
        JUPYTER_CONFIG_DIR=str(jupyter["config"]),
        JUPYTER_DATA_DIR=str(jupyter["data"]),
        JUPYTER_RUNTIME_DIR=str(jupyter["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(browser_home / "jupyter" / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(browser_home / "jupyter" / "lab-workspaces"),
        IPYTHONDIR=str(browser_home / "ipython"),
    )
    log_path = browser_home / "jupyterlab.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.open_browser=False",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",  # ServerApp.token is its deprecated alias
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",
            # Containers and CI runners are often root; Jupyter refuses that unless told.
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=root,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"JupyterLab did not start:\n{log_path.read_text()[-4000:]}"
                    ) from None
                time.sleep(0.2)
        yield Lab(url, token, root, log_path)
    finally:
        _stop(process, "JupyterLab")
        log.close()
        # Keep the server's log beside the screenshots: it explains a failed run.
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / "browser-jupyterlab.log")


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[object]:
    # Module scope, not session: Playwright's sync API keeps an event loop running on this
    # thread while it is open, which would break asyncio.run() in every later test.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 1400}, device_scale_factor=1)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
