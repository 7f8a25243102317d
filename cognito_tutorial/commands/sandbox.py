"""`python -m cognito_tutorial sandbox`: run the local Cognito sandbox."""

from __future__ import annotations

import argparse
from pathlib import Path

EXAMPLE = "python -m cognito_tutorial sandbox --port 9229"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "sandbox",
        help="run the local Cognito sandbox (no AWS account needed)",
        description="Serve the Cognito Identity Provider API on loopback, backed by moto plus "
        "the tutorial's authentication layer. Prints its endpoint URL once it accepts "
        "requests; stops on Ctrl-C or SIGTERM.",
        epilog=f"example: {EXAMPLE}",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument(
        "--state", type=Path, help="state file (default: a per-user file; see docs/sandbox.md)"
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
    parser.add_argument(
        "--stop", action="store_true", help="stop this user's background sandbox and exit"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cognito_tutorial.sandbox import server

    if args.stop:
        stopped = server.stop()
        print("Stopped the background sandbox." if stopped else "No sandbox was running.")
        return 0
    server.serve(
        host=args.host,
        port=args.port,
        state_path=args.state,
        fresh=args.fresh,
        idle_timeout_s=args.idle_timeout,
        clock_file=args.clock_file,
    )
    return 0
