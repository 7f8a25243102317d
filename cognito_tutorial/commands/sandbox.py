"""`python -m cognito_tutorial sandbox`: run, or stop, the local Cognito sandbox."""

from __future__ import annotations

import argparse

EXAMPLE = "python -m cognito_tutorial sandbox --port 9229"


def register(commands: argparse._SubParsersAction) -> None:
    from cognito_tutorial.sandbox.__main__ import add_serve_options

    parser = commands.add_parser(
        "sandbox",
        help="run the local Cognito sandbox (no AWS account needed)",
        description="Serve the Cognito Identity Provider API on loopback, backed by moto plus "
        "the tutorial's authentication layer. Prints its endpoint URL once it accepts "
        "requests; stops on Ctrl-C or SIGTERM. One state file has one sandbox: a second one "
        "on the same file refuses to start and names the first.",
        epilog=f"examples:\n  {EXAMPLE}\n"
        "  python -m cognito_tutorial sandbox --stop\n"
        "  python -m cognito_tutorial sandbox --host 0.0.0.0 --port 19229 --state room.pickle",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_serve_options(parser)
    parser.add_argument(
        "--stop",
        action="store_true",
        help="stop the sandbox serving the state file (default: this user's own) and exit",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cognito_tutorial import sandbox
    from cognito_tutorial.sandbox.__main__ import serve_from

    if args.stop:
        state = args.state or sandbox.paths.default_state_path()
        stopped = sandbox.stop(state)
        print(f"Stopped {stopped}." if stopped else f"No sandbox is running on {state}.")
        return 0
    return serve_from(args)
