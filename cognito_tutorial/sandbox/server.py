"""Start, find and stop the local sandbox.

`serve()` runs it in the foreground (`python -m cognito_tutorial sandbox`). `ensure_running()`
is what the notebooks use: it reuses the sandbox this user already runs, or starts one in the
background that stops itself after `AUTO_IDLE_TIMEOUT_S` without requests, so every notebook and
kernel shares one sandbox and nothing runs on for days. `serve_in_thread()` is for tests.

Only the standard library is imported at module level: finding a running sandbox must not load
moto.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .paths import default_state_path, runtime_file

LOOPBACK = "127.0.0.1"
AUTO_IDLE_TIMEOUT_S = 2 * 60 * 60
START_TIMEOUT_S = 20.0


class SandboxError(RuntimeError):
    """The sandbox could not be started, found or stopped; the message says what to do."""


def _quiet_handler() -> Any:
    """Werkzeug's request handler without a log line per request (errors are still logged)."""
    from werkzeug.serving import WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    return QuietHandler


# --- foreground ------------------------------------------------------------------------------


def serve(
    *,
    host: str = LOOPBACK,
    port: int = 0,
    state_path: Path | None = None,
    fresh: bool = False,
    idle_timeout_s: float | None = None,
    clock_file: Path | None = None,
    out: Any = sys.stdout,
) -> None:
    """Serve until Ctrl-C, SIGTERM or the idle timeout; print the endpoint once it listens.

    :param clock_file: run on wall-clock time plus the seconds in this file (headless runs'
        virtual clock; see `clock.OffsetClock`).
    """
    from werkzeug.serving import make_server

    from . import directory
    from .app import SandboxApp
    from .clock import ClockFileError, OffsetClock

    if host not in (LOOPBACK, "localhost", "::1"):
        print(
            f"warning: serving on {host}: anyone who can reach this address can use the sandbox "
            "and read its users' tokens. Use it only on a network you trust (a workshop room).",
            file=sys.stderr,
        )
    try:
        clock = OffsetClock(clock_file) if clock_file else None
    except ClockFileError as error:  # refused at start, in one line
        raise SandboxError(str(error)) from None
    path = None if fresh else (state_path or default_state_path())
    app = SandboxApp(state_path=path, clock=clock)
    server = make_server(host, port, app, threaded=True, request_handler=_quiet_handler())
    url = f"http://{LOOPBACK if host in ('0.0.0.0', '') else host}:{server.server_port}"
    record = runtime_file() if not fresh else None
    if record:
        record.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        record.write_text(json.dumps({"url": url, "pid": os.getpid(), "state": str(path)}))

    def shut_down(*_: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)  # Ctrl-C: the same clean stop
    if idle_timeout_s:
        threading.Thread(
            target=_stop_when_idle, args=(app, server, idle_timeout_s), daemon=True
        ).start()
    print(f"Cognito sandbox listening on {url} ({app.load_note})", file=out, flush=True)
    # While the learner reads the first cells: a first request need not load these itself.
    threading.Thread(target=directory.prepare, name="prepare", daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if record and _read_record(record).get("pid") == os.getpid():
            record.unlink(missing_ok=True)
        print("Cognito sandbox stopped.", file=out, flush=True)


def _stop_when_idle(app: Any, server: Any, idle_timeout_s: float) -> None:
    while True:
        time.sleep(min(idle_timeout_s, 30))
        if time.monotonic() - app.last_request_at > idle_timeout_s:
            server.shutdown()
            return


# --- in a thread (tests) -------------------------------------------------------------------


@dataclass
class ThreadedSandbox:
    url: str
    app: Any
    _server: Any
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_in_thread(*, clock: Any = None, state_path: Path | None = None) -> ThreadedSandbox:
    """A sandbox on a free loopback port in this process, with an injectable clock."""
    from werkzeug.serving import make_server

    from .app import SandboxApp

    app = SandboxApp(clock=clock, state_path=state_path)
    server = make_server(LOOPBACK, 0, app, threaded=True, request_handler=_quiet_handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return ThreadedSandbox(f"http://{LOOPBACK}:{server.server_port}", app, server, thread)


# --- background process (notebooks) --------------------------------------------------------


def _read_record(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def is_answering(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=timeout) as reply:
            return json.loads(reply.read()).get("sandbox") == "cognito-tutorial"
    except (OSError, ValueError):
        return False


def find() -> str | None:
    """The URL of this user's running sandbox, or None."""
    record = _read_record(runtime_file())
    url = record.get("url")
    return url if url and is_answering(url) else None


def start(*, state_path: Path | None = None, idle_timeout_s: float = AUTO_IDLE_TIMEOUT_S) -> str:
    """Start a background sandbox for this user and return its URL once it answers."""
    home = runtime_file().parent
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    log = home / "sandbox.log"
    command = [sys.executable, "-m", "cognito_tutorial", "sandbox"]
    command += ["--port", str(_previous_port())]
    command += ["--idle-timeout", str(int(idle_timeout_s))]
    if state_path:
        command += ["--state", str(state_path)]
    with log.open("ab") as log_handle:
        process = subprocess.Popen(
            command,
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # survives the kernel that started it
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SandboxError(
                f"The local sandbox exited at start (code {process.returncode}). "
                f"Its log is {log}; run `python -m cognito_tutorial sandbox` to see the error."
            )
        record = _read_record(runtime_file())
        if record.get("pid") == process.pid and is_answering(record["url"]):
            return record["url"]
        time.sleep(0.05)
    process.terminate()
    raise SandboxError(
        f"The local sandbox did not answer within {START_TIMEOUT_S:.0f} s; see {log}."
    )


def _previous_port() -> int:
    """The port of this user's last sandbox if it died (its record is left) and the port is
    free, so that clients made before it died work again; else 0, any free port."""
    try:
        port = urlparse(str(_read_record(runtime_file()).get("url", ""))).port
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


def ensure_running() -> str:
    """This user's sandbox URL, starting the sandbox if none answers."""
    return find() or start()


def stop() -> bool:
    """Stop this user's background sandbox; True if one was running."""
    record = _read_record(runtime_file())
    pid = record.get("pid")
    if not pid or not record.get("url") or not is_answering(record["url"]):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and is_answering(record["url"], timeout=0.2):
        time.sleep(0.05)
    return True
