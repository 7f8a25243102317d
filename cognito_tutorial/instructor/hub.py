"""A real JupyterHub on 127.0.0.1 for a rehearsal: its configuration, its processes, their end.

The hub is PyPI's ``jupyterhub`` behind npm's ``configurable-http-proxy``, the two parts The
Littlest JupyterHub runs, with JupyterHub's own ``SimpleLocalProcessSpawner``: each learner's
JupyterLab server is a local process with a home folder of its own (no system users and no
isolation between them: fit for a rehearsal, not for a room). Learners log in with a shared
password, as in a workshop.

Every process the hub starts, and everything those start (kernels, learners' sandboxes), carries
:data:`RUN_TAG_VARIABLE` in its environment. :func:`sweep` ends whatever still carries it, so
nothing outlives a rehearsal, even when the hub dies first: single-user servers and sandboxes run
in sessions of their own, out of reach of a process-group signal.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

from cognito_tutorial.errors import TutorialError

PROXY_PREFIX = Path(__file__).resolve().parents[2] / ".tools" / "chp"
PROXY_INSTALL = "make http-proxy"
RUN_TAG_VARIABLE = "COGNITO_TUTORIAL_REHEARSAL"
LOOPBACK = "127.0.0.1"
HUB_START_TIMEOUT_S = 60.0
HUB_STOP_TIMEOUT_S = 60.0
SERVER_START_TIMEOUT_S = 120
SERVER_HTTP_TIMEOUT_S = 60
"""Twice JupyterHub's defaults: under a room's arrival, servers took up to 25 s to answer here.
A server that failed (its port taken meanwhile) is then given up after a minute, not five."""


@dataclass(frozen=True)
class HubPorts:
    """The three ports a hub listens on: the learners' address and two internal ones."""

    public: int

    @property
    def proxy_api(self) -> int:
        return self.public + 1

    @property
    def hub(self) -> int:
        return self.public + 2

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.public}"

    def described(self) -> list[tuple[int, str]]:
        return [
            (self.public, "the hub's address, where learners log in"),
            (self.proxy_api, "the proxy's API"),
            (self.hub, "the hub's own port, behind the proxy"),
        ]


def check_ports_free(ports: HubPorts) -> None:
    """Refuse to start when another program listens on one of the hub's ports.

    :raises TutorialError: naming the port and what it is for.
    """
    if not 1024 <= ports.public <= 65533:
        raise TutorialError(f"--port must be between 1024 and 65533, not {ports.public}.")
    for port, role in ports.described():
        with socket.socket() as probe:
            # As the servers bind: a port in TIME_WAIT after the last run counts as free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((LOOPBACK, port))
            except OSError:
                raise TutorialError(
                    f"Port {port} ({role}) is taken on {LOOPBACK}: the rehearsal needs ports "
                    f"{ports.public}-{ports.hub}. Stop what uses it, or choose other ports with "
                    "--port."
                ) from None


def find_proxy() -> str:
    """The configurable-http-proxy command: the project's own copy, else one on PATH.

    :raises TutorialError: with the command that installs it.
    """
    local = PROXY_PREFIX / "node_modules" / ".bin" / "configurable-http-proxy"
    if os.access(local, os.X_OK):
        return str(local)
    on_path = shutil.which("configurable-http-proxy")
    if on_path:
        return on_path
    raise TutorialError(
        "The rehearsal needs configurable-http-proxy (JupyterHub's proxy, from npm), which is "
        f"not installed. Run `{PROXY_INSTALL}` (needs Node.js 20 and npm)."
    )


def proxy_version(proxy: str) -> str:
    """What ``configurable-http-proxy --version`` says (for the report)."""
    try:
        said = subprocess.run(
            [proxy, "--version"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return said.stdout.strip()


def check_jupyterhub_installed() -> None:
    """:raises TutorialError: when the hub's Python package is missing."""
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        raise TutorialError(
            "The rehearsal needs JupyterHub, which is not installed in this environment. Run "
            "`make .venv/.installed-test` (it installs requirements-test.txt)."
        ) from None


def write_config(
    folder: Path,
    ports: HubPorts,
    *,
    proxy: str,
    password: str,
    homes: Path,
    environment: dict[str, str],
) -> Path:
    """Write ``jupyterhub_config.py`` for a rehearsal hub in ``folder``; returns its path.

    :param password: the shared password every learner logs in with.
    :param homes: the folder of learners' homes, one per user name, made when a server starts.
    :param environment: extra variables for every learner's server (and so their kernels).
    """
    server_args = [
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:  # containers and CI runners are often root; Jupyter refuses unless told
        server_args.append("--allow-root")
    settings = {
        "JupyterHub.bind_url": ports.url,
        "JupyterHub.hub_bind_url": f"http://{LOOPBACK}:{ports.hub}",
        "JupyterHub.db_url": f"sqlite:///{folder / 'jupyterhub.sqlite'}",
        "JupyterHub.cookie_secret_file": str(folder / "jupyterhub_cookie_secret"),
        "JupyterHub.pid_file": str(folder / "jupyterhub.pid"),
        "JupyterHub.authenticator_class": "shared-password",
        "SharedPasswordAuthenticator.user_password": password,
        "Authenticator.allow_all": True,
        "JupyterHub.spawner_class": "simple",
        "SimpleLocalProcessSpawner.home_dir_template": str(homes / "{username}"),
        "Spawner.cmd": [sys.executable, "-m", "jupyterhub.singleuser"],
        "Spawner.args": server_args,
        "Spawner.default_url": "/lab",
        "Spawner.environment": environment,
        "Spawner.start_timeout": SERVER_START_TIMEOUT_S,
        "Spawner.http_timeout": SERVER_HTTP_TIMEOUT_S,
        "ConfigurableHTTPProxy.command": [proxy],
        "ConfigurableHTTPProxy.api_url": f"http://{LOOPBACK}:{ports.proxy_api}",
        "ConfigurableHTTPProxy.pid_file": str(folder / "proxy.pid"),
    }
    lines = ["# A cognito-tutorial rehearsal hub (cognito_tutorial/instructor/hub.py).", ""]
    lines += [f"c.{name} = {value!r}" for name, value in settings.items()]
    path = folder / "jupyterhub_config.py"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)  # it holds the shared password
    return path


LOG_RECORD = re.compile(r"^\[([DIWEC]) \d{4}-")  # JupyterHub's and Jupyter Server's records
PROXY_RECORD = re.compile(r"\[ConfigProxy\] (?:\x1b\[\d+m)?(\w+)")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def log_warnings(log_path: Path) -> list[str]:
    """The warnings and errors in a hub's log, each with its continuation lines.

    The hub's, the proxy's and every learner's server's and kernels' output all go there: their
    warning and error records, and any bare traceback (a kernel that failed to start prints one).
    """
    kept: list[str] = []
    keeping = False
    for line in log_path.read_text(errors="replace").splitlines():
        if record := LOG_RECORD.match(line):
            keeping = record.group(1) in "WEC"
        elif record := PROXY_RECORD.search(line):
            keeping = record.group(1) in ("warn", "error")
        elif line.startswith("Traceback (most recent call last)"):
            keeping = True
        elif line.startswith("["):  # another program's record, e.g. a kernel's TCP notice
            keeping = False
        if keeping:
            kept.append(ANSI.sub("", line))
    return kept


class Hub:
    """A JupyterHub process started from a config made by :func:`write_config`.

    It runs in a process group of its own, so a Ctrl-C at the terminal reaches only the
    rehearsal, which then stops the hub in order (servers first, then the proxy).
    """

    def __init__(self, config: Path, ports: HubPorts, *, run_tag: str, log_path: Path) -> None:
        self.config = config
        self.ports = ports
        self.run_tag = run_tag
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, timeout_s: float = HUB_START_TIMEOUT_S) -> None:
        """Start the hub and return once its API answers through the proxy.

        :raises TutorialError: it exited or did not answer in time; quotes its log's end.
        """
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(self.config)],
                cwd=self.config.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(os.environ, **{RUN_TAG_VARIABLE: self.run_tag}),
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                said = self.log_path.read_text(errors="replace").strip().splitlines()[-5:]
                raise TutorialError(
                    "JupyterHub did not start.",
                    " | ".join(said),
                    f"Its log: {self.log_path}",
                    way_on="fix_setup",
                )
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.ports.url}/hub/api/", timeout=2) as reply:
                return reply.status == 200
        except OSError:
            return False

    def learner_server(self, name: str) -> psutil.Process | None:
        """The learner's JupyterLab server process, a child of the hub, if it runs."""
        if self.process is None:
            return None
        try:
            children = psutil.Process(self.process.pid).children()
        except psutil.Error:
            return None
        for child in children:
            try:
                if child.environ().get("JUPYTERHUB_USER") == name:
                    return child
            except psutil.Error:
                continue
        return None

    def process_info(self) -> psutil.Process | None:
        """The hub's own process (for its memory), while it runs."""
        if self.process is None or self.process.poll() is not None:
            return None
        try:
            return psutil.Process(self.process.pid)
        except psutil.Error:
            return None

    def stop(self, timeout_s: float = HUB_STOP_TIMEOUT_S) -> None:
        """SIGTERM: the hub stops every learner's server and its proxy, then exits; SIGKILL to
        its process group if it has not within ``timeout_s``. :func:`sweep` does the rest."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def is_running(process: psutil.Process) -> bool:
    """Alive and not a zombie: a process that exited but whose parent (here, often an init
    that does not reap) has not collected it holds nothing but its process id."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def wait_until_gone(pids: list[int], timeout_s: float) -> list[psutil.Process]:
    """Wait until these processes have exited (zombies count as exited); the ones left."""
    left = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            left.append(psutil.Process(pid))
    deadline = time.monotonic() + timeout_s
    while True:
        left = [process for process in left if is_running(process)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def tagged_processes(run_tag: str) -> list[psutil.Process]:
    """Every running process of this machine whose environment carries ``run_tag``."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(RUN_TAG_VARIABLE) == run_tag and is_running(process):
                found.append(process)
        except (psutil.Error, OSError):
            continue  # gone, or another user's
    return found


def sweep(run_tag: str, timeout_s: float = 10.0) -> list[str]:
    """End every process still carrying ``run_tag``: SIGTERM, then SIGKILL after ``timeout_s``.

    :returns: a description of each process it had to end (empty when the hub had already
        stopped everything it started).
    """
    left = tagged_processes(run_tag)
    described = []
    for process in left:
        with contextlib.suppress(psutil.Error):
            described.append(f"process {process.pid}: {' '.join(process.cmdline())}")
            process.terminate()
    alive = wait_until_gone([process.pid for process in left], timeout_s)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    wait_until_gone([process.pid for process in alive], 5.0)
    return described
