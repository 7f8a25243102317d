"""Serve the sandbox: in this process's foreground (`serve`) or in a thread (`serve_in_thread`).

`serve` is what `python -m cognito_tutorial.sandbox` runs; background sandboxes are started
through `process.spawn`, and found and stopped through `process` too. Serving a state file
means holding its lock (`paths.serving_lock`) for as long as the sandbox runs: a second sandbox
on the same file refuses to start, naming the first.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from . import locks, paths
from .errors import SandboxError
from .process import LOOPBACK, find, write_ready_line


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
    ready: TextIO | None = None,
    out: Any = sys.stdout,
) -> None:
    """Serve until Ctrl-C, SIGTERM or the idle timeout; print the endpoint once it listens.

    :param state_path: the state file (default: this user's); ignored with `fresh`.
    :param clock_file: run on wall-clock time plus the seconds in this file (headless runs'
        virtual clock; see `clock.OffsetClock`).
    :param ready: where to write the one JSON ready line `process.spawn` waits for.
    :raises SandboxError: another sandbox serves this state file.
    """
    from werkzeug.serving import make_server

    from . import directory
    from .app import SandboxApp
    from .clock import ClockFileError, OffsetClock

    if host not in (LOOPBACK, "localhost", "::1"):
        print(
            f"warning: serving on {host}: anyone who can reach this address can reach the "
            "sandbox; its API still needs the credentials in its home's `credentials` file. "
            "Use it only on a network you trust (a workshop room).",
            file=sys.stderr,
        )
    try:
        clock = OffsetClock(clock_file) if clock_file else None
    except ClockFileError as error:  # refused at start, in one line
        raise SandboxError(str(error)) from None
    path = None if fresh else (state_path or paths.default_state_path())
    with contextlib.ExitStack() as stack:
        if path is not None:
            stack.enter_context(serving(path))
        app = SandboxApp(state_path=path, clock=clock)
        server = make_server(host, port, app, threaded=True, request_handler=_quiet_handler())
        url = f"http://{LOOPBACK if host in ('0.0.0.0', '') else host}:{server.server_port}"
        if path is not None:
            stack.enter_context(_runtime_record(path, url))

        def shut_down(*_: Any) -> None:
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, shut_down)
        signal.signal(signal.SIGINT, shut_down)  # Ctrl-C: the same clean stop
        if idle_timeout_s:
            threading.Thread(
                target=_stop_when_idle, args=(app, server, idle_timeout_s), daemon=True
            ).start()
        print(f"Cognito sandbox listening on {url} ({app.load_note})", file=out, flush=True)
        if ready is not None:
            write_ready_line(ready, url)
        # While the learner reads the first cells: a first request need not load these itself.
        threading.Thread(target=directory.prepare, name="prepare", daemon=True).start()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            print("Cognito sandbox stopped.", file=out, flush=True)


@contextlib.contextmanager
def serving(state_path: Path) -> Iterator[None]:
    """Hold `state_path`'s serving lock while the block runs, or refuse naming its holder."""
    descriptor = locks.try_hold(paths.serving_lock(state_path))
    if descriptor is None:
        running = find(state_path)
        holder = str(running) if running else "another sandbox, still starting,"
        raise SandboxError(
            f"{holder[0].upper()}{holder[1:]} already serves {state_path}; one state file has "
            "one sandbox. Use that one, or stop it first (`python -m cognito_tutorial sandbox "
            f"--stop --state {state_path}`)."
        )
    try:
        yield
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def _runtime_record(state_path: Path, url: str) -> Iterator[None]:
    """Say where this sandbox listens, beside its state file, while it serves."""
    record = paths.runtime_record(state_path)
    tmp = record.with_name(f".{record.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"url": url, "pid": os.getpid(), "state": str(state_path)}))
    os.replace(tmp, record)
    try:
        yield
    finally:
        record.unlink(missing_ok=True)  # only this sandbox can hold the lock, so it is ours


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
    _held: contextlib.ExitStack

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._held.close()


def serve_in_thread(*, clock: Any = None, state_path: Path | None = None) -> ThreadedSandbox:
    """A sandbox on a free loopback port in this process, with an injectable clock.

    With `state_path` it holds that file's serving lock, as a sandbox process does."""
    from werkzeug.serving import make_server

    from .app import SandboxApp

    held = contextlib.ExitStack()
    if state_path is not None:
        held.enter_context(serving(state_path))
    app = SandboxApp(clock=clock, state_path=state_path)
    server = make_server(LOOPBACK, 0, app, threaded=True, request_handler=_quiet_handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return ThreadedSandbox(f"http://{LOOPBACK}:{server.server_port}", app, server, thread, held)
