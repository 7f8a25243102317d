"""The sandbox's own command line: `python -m cognito_tutorial.sandbox` (what `process.spawn`
starts), and the serving options that `python -m cognito_tutorial sandbox` shares, adding a few
more (`--stop`, `--env`) for people.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import SandboxError


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    """The options of a sandbox process, shared with the tutorial's `sandbox` command."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument(
        "--state",
        type=Path,
        help="state file (default: a per-user file; one sandbox per state file)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="start empty and keep nothing on disk (tests)"
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this long without requests",
    )
    parser.add_argument(
        "--clock-file",
        type=Path,
        metavar="FILE",
        help="add the seconds written in FILE to the clock (headless runs skip TOTP waits)",
    )


def serve_from(args: argparse.Namespace, ready_fd: int | None = None) -> int:
    """Serve with parsed options; a refusal is one line on stderr and exit code 1."""
    from .server import serve

    ready = os.fdopen(ready_fd, "w") if ready_fd is not None else None
    try:
        serve(
            host=args.host,
            port=args.port,
            state_path=args.state,
            fresh=args.fresh,
            idle_timeout_s=args.idle_timeout,
            clock_file=args.clock_file,
            ready=ready,
        )
    except SandboxError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cognito_tutorial.sandbox",
        description="Serve the local Cognito sandbox until Ctrl-C or SIGTERM.",
    )
    add_serve_options(parser)
    parser.add_argument(
        "--ready-fd",
        type=int,
        metavar="FD",
        help="write one JSON line (url, pid) to this inherited descriptor once listening",
    )
    args = parser.parse_args(argv)
    return serve_from(args, args.ready_fd)
