"""`python -m cognito_tutorial COMMAND`: the sandbox and the instructors' tools.

The CLI uses the library as a user would and turns its errors into one-line messages with a
non-zero exit code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXAMPLES = {
    "sandbox": "python -m cognito_tutorial sandbox --port 9229",
}


def _sandbox(args: argparse.Namespace) -> int:
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
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cognito_tutorial",
        description="The cognito-tutorial toolkit: a local Cognito sandbox and instructor tools.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sandbox = commands.add_parser(
        "sandbox",
        help="run the local Cognito sandbox (no AWS account needed)",
        description="Serve the Cognito Identity Provider API on loopback, backed by moto plus "
        "the tutorial's authentication layer. Stops on Ctrl-C or SIGTERM.",
        epilog=f"example: {EXAMPLES['sandbox']}",
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    sandbox.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    sandbox.add_argument(
        "--state", type=Path, help="state file (default: a per-user file; see docs/sandbox.md)"
    )
    sandbox.add_argument(
        "--fresh", action="store_true", help="start empty and keep nothing on disk (tests)"
    )
    sandbox.add_argument(
        "--idle-timeout", type=float, default=None, metavar="SECONDS",
        help="stop after this long without requests",
    )
    sandbox.add_argument(
        "--stop", action="store_true", help="stop this user's background sandbox and exit"
    )
    sandbox.set_defaults(run=_sandbox)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # one line for the user, not a traceback
        from cognito_tutorial.errors import TutorialError

        if isinstance(error, TutorialError | RuntimeError | OSError):
            print(f"error: {error}", file=sys.stderr)
            return 1
        raise
