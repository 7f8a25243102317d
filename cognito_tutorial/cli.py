"""`python -m cognito_tutorial COMMAND`: the sandbox and the instructors' tools.

The CLI uses the library as a user would and turns its errors into one-line messages with a
non-zero exit code. Each command lives in `cognito_tutorial/commands/<name>.py`.
"""

from __future__ import annotations

import argparse
import sys

from cognito_tutorial.commands import check, cleanup, provision, rehearse, run, sandbox

COMMANDS = [sandbox, run, check, provision, cleanup, rehearse]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cognito_tutorial",
        description="The cognito-tutorial toolkit: a local Cognito sandbox and instructor tools.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # one line for the user, not a traceback
        from cognito_tutorial.errors import TutorialError
        from cognito_tutorial.sandbox import SandboxError

        if isinstance(error, TutorialError | SandboxError | OSError):
            print(f"error: {error}", file=sys.stderr)
            return 1
        raise
