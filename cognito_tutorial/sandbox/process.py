"""Start, find and stop sandbox processes (standard library only: finding one loads no moto).

One sandbox serves one state file, whoever starts it. The sandbox process holds a lock on its
state file for its whole life (`locks`), and finding-or-starting holds a second lock, so kernels
that call `connect()` at the same instant get the same sandbox. `spawn` is the one way to start
a sandbox process: it waits for the sandbox's ready line on a pipe (JSON), not for its banner.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from . import locks, paths
from .errors import SandboxError

LOOPBACK = "127.0.0.1"
AUTO_IDLE_TIMEOUT_S = 2 * 60 * 60
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Running:
    """A sandbox serving a state file, as its runtime record and health check agree."""

    url: str
    pid: int
    state_path: Path

    def __str__(self) -> str:
        return f"the sandbox at {self.url} (process {self.pid}, state file {self.state_path})"


@dataclass
class Spawned:
    """A sandbox process this process started; `stop()` ends it (it is not waited for)."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def stop(self) -> None:
        """SIGTERM (the sandbox saves nothing more and removes its record), then SIGKILL."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL: no clean-up runs, as when a laptop's kernel or terminal is killed."""
        self.process.kill()
        self.process.wait(timeout=STOP_TIMEOUT_S)


def spawn(
    *,
    state_path: Path | None = None,
    fresh: bool = False,
    host: str = LOOPBACK,
    port: int = 0,
    idle_timeout_s: float | None = None,
    clock_file: Path | None = None,
    log_path: Path | None = None,
    env: dict[str, str] | None = None,
    detach: bool = False,
    timeout_s: float = START_TIMEOUT_S,
) -> Spawned:
    """Start `python -m cognito_tutorial.sandbox` and return once it accepts requests.

    :param fresh: keep nothing on disk (else `state_path`, default: this user's state file).
    :param log_path: where its output goes (appended); default the home's sandbox.log.
    :param detach: outlive this process (a learner's background sandbox outlives its kernel).
    :raises SandboxError: it exited or did not get ready; the message quotes its last output.
    """
    log_path = log_path or paths.log_file()
    log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    command = [sys.executable, "-m", "cognito_tutorial.sandbox", "--host", host]
    command += ["--port", str(port)]
    if fresh:
        command.append("--fresh")
    elif state_path is not None:
        command += ["--state", str(state_path)]
    if idle_timeout_s:
        command += ["--idle-timeout", str(idle_timeout_s)]
    if clock_file is not None:
        command += ["--clock-file", str(clock_file)]
    read_end, write_end = os.pipe()
    command += ["--ready-fd", str(write_end)]
    log_start = log_path.stat().st_size if log_path.exists() else 0
    try:
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                pass_fds=(write_end,),
                env=dict(env or os.environ, PYTHONUNBUFFERED="1"),
                start_new_session=detach,
            )
    finally:
        os.close(write_end)
    try:
        ready = _read_ready_line(read_end, timeout_s)
    finally:
        os.close(read_end)
    if ready is None:
        try:
            process.wait(timeout=STOP_TIMEOUT_S)  # it closed the pipe: it is exiting
        except subprocess.TimeoutExpired:
            Spawned("", process, log_path).stop()  # it hangs
        raise SandboxError(_failed_start_message(process, log_path, log_start, timeout_s))
    return Spawned(json.loads(ready)["url"], process, log_path)


def _read_ready_line(descriptor: int, timeout_s: float) -> str | None:
    """The sandbox's one JSON line, or None if it closed the pipe (exited) or timed out."""
    received = b""
    deadline = time.monotonic() + timeout_s
    while b"\n" not in received:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([descriptor], [], [], remaining)[0]:
            return None
        chunk = os.read(descriptor, 4096)
        if not chunk:
            return None
        received += chunk
    return received.decode().partition("\n")[0]


def _failed_start_message(
    process: subprocess.Popen, log_path: Path, log_start: int, timeout_s: float
) -> str:
    with log_path.open("rb") as log:
        log.seek(log_start)
        said = [line for line in log.read().decode(errors="replace").splitlines() if line.strip()]
    what = (
        f"The local sandbox did not get ready within {timeout_s:.0f} s."
        if process.returncode in (None, -signal.SIGTERM, -signal.SIGKILL)
        else f"The local sandbox stopped at start (exit code {process.returncode})."
    )
    last = f" It said: {said[-1].strip()}" if said else ""
    return f"{what}{last} (log: {log_path})"


def write_ready_line(ready: Any, url: str) -> None:
    """The sandbox's side of `spawn`: one JSON line on the pipe it was given, then close it."""
    ready.write(json.dumps({"url": url, "pid": os.getpid()}) + "\n")
    ready.close()


# --- the sandbox serving a state file ----------------------------------------------------


def find(state_path: Path | None = None) -> Running | None:
    """The sandbox serving `state_path` (default: this user's state file), if one answers."""
    state_path = state_path or paths.default_state_path()
    record = _read_record(paths.runtime_record(state_path))
    try:
        running = Running(str(record["url"]), int(record["pid"]), state_path)
    except (KeyError, TypeError, ValueError):
        return None
    if not locks.is_held(paths.serving_lock(state_path)):
        return None  # a record left by a sandbox that died
    return running if is_answering(running.url, pid=running.pid) else None


def ensure_running(state_path: Path | None = None) -> Running:
    """The sandbox serving `state_path`, started in the background if none is.

    Kernels that call this at the same instant wait for each other: one starts the sandbox,
    the others find it. The sandbox stops itself after `AUTO_IDLE_TIMEOUT_S` without requests.
    """
    state_path = state_path or paths.default_state_path()
    try:
        with locks.holding(paths.starting_lock(state_path), START_TIMEOUT_S * 2):
            found = find(state_path) or _wait_for_holder(state_path)
            if found:
                return found
            _retire_legacy_sandbox(state_path)
            spawned = spawn(
                state_path=state_path,
                port=_previous_port(state_path),
                idle_timeout_s=AUTO_IDLE_TIMEOUT_S,
                detach=True,
            )
            return Running(spawned.url, spawned.process.pid, state_path)
    except TimeoutError:
        raise SandboxError(
            f"Another process has been starting the sandbox for {state_path} for over a "
            "minute. Stop it (`python -m cognito_tutorial sandbox --stop`) and try again."
        ) from None


def _wait_for_holder(state_path: Path) -> Running | None:
    """A sandbox started by hand holds the state file but may still be loading it."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while locks.is_held(paths.serving_lock(state_path)):
        found = find(state_path)
        if found:
            return found
        if time.monotonic() > deadline:
            record = _read_record(paths.runtime_record(state_path))
            raise SandboxError(
                f"A sandbox (process {record.get('pid', '?')}) holds {state_path} but does not "
                "answer. Stop it with `python -m cognito_tutorial sandbox --stop`, or end that "
                "process, then try again."
            )
        time.sleep(0.05)
    return None


def stop(state_path: Path | None = None) -> Running | None:
    """Stop the sandbox serving `state_path` (default: this user's); what was stopped, or None."""
    state_path = state_path or paths.default_state_path()
    running = find(state_path)
    if running is None:
        return None
    os.kill(running.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while locks.is_held(paths.serving_lock(state_path)):
        if time.monotonic() > deadline:
            raise SandboxError(f"{running} did not stop within {STOP_TIMEOUT_S:.0f} s.")
        time.sleep(0.05)
    return running


def is_answering(url: str, *, pid: int | None = None, timeout: float = 1.0) -> bool:
    """Whether a sandbox answers at `url` (and, given `pid`, that it is that process)."""
    try:
        with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=timeout) as reply:
            health = json.loads(reply.read())
    except (OSError, ValueError):
        return False
    return health.get("sandbox") == "cognito-tutorial" and pid in (None, health.get("pid"))


def _read_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _previous_port(state_path: Path) -> int:
    """The port of the last sandbox on this state file if it died (its record is left) and the
    port is free, so that clients made before it died work again; else 0, any free port."""
    try:
        port = urlparse(str(_read_record(paths.runtime_record(state_path)).get("url", ""))).port
    except ValueError:  # a damaged record
        port = None
    if not port:
        return 0
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return 0
    return port


def _retire_legacy_sandbox(state_path: Path) -> None:
    """Versions before per-state records kept one `sandbox.json` per home and no lock: stop a
    sandbox such a version left running on this state file, so two never write it at once."""
    legacy = paths.legacy_runtime_record()
    record = _read_record(legacy)
    if record.get("state") == str(state_path) and is_answering(str(record.get("url"))):
        os.kill(int(record["pid"]), signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while is_answering(str(record["url"]), timeout=0.2) and time.monotonic() < deadline:
            time.sleep(0.05)
    legacy.unlink(missing_ok=True)
