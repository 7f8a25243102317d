"""`python -m cognito_tutorial sandbox`: run the local Cognito sandbox."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

EXAMPLE = "python -m cognito_tutorial sandbox --port 9229"
ENV_EXAMPLE = 'eval "$(python -m cognito_tutorial sandbox --env)"'


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "sandbox",
        help="run the local Cognito sandbox (no AWS account needed)",
        description="Serve the Cognito Identity Provider API on loopback, backed by moto plus "
        "the tutorial's authentication layer. Prints its endpoint URL once it accepts "
        "requests; stops on Ctrl-C or SIGTERM. Requests Cognito wants signed must be signed "
        "with the sandbox's own access key, kept in the credentials file of its home folder "
        "(see --env).",
        epilog=f"examples:\n  {EXAMPLE}\n  {ENV_EXAMPLE}\n"
        "  aws cognito-idp list-user-pools --max-results 10   (after the line above)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    parser.add_argument(
        "--env",
        action="store_true",
        help="print the shell lines (export AWS_...) that point the AWS CLI or any AWS SDK at "
        "the running sandbox, with its access key, and exit",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cognito_tutorial.sandbox import server

    if args.stop:
        stopped = server.stop()
        print("Stopped the background sandbox." if stopped else "No sandbox was running.")
        return 0
    if args.env:
        return print_environment()
    server.serve(
        host=args.host,
        port=args.port,
        state_path=args.state,
        fresh=args.fresh,
        idle_timeout_s=args.idle_timeout,
        clock_file=args.clock_file,
    )
    return 0


def print_environment() -> int:
    """Print `export` lines for the running sandbox: its URL, its key and its region.

    The variables are those every AWS SDK and the AWS CLI read: the access key pair, the
    service-specific endpoint `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` (so other services
    still go to AWS), and the region the sandbox answers as.
    """
    from cognito_tutorial.backend import SANDBOX_REGION
    from cognito_tutorial.sandbox import credentials, server
    from cognito_tutorial.sandbox.paths import state_dir

    url = server.find()
    if url is None:
        print(
            "No sandbox is running for this user. Start one with `python -m cognito_tutorial "
            "sandbox` (or run a notebook's connect()), then run this again.",
            file=sys.stderr,
        )
        return 1
    key = credentials.load_or_create(state_dir())
    lines = {
        "AWS_ACCESS_KEY_ID": key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": url,
        "AWS_DEFAULT_REGION": SANDBOX_REGION,
    }
    print(f"# The local Cognito sandbox at {url}; use with: {ENV_EXAMPLE}")
    for name, value in lines.items():
        print(f"export {name}={shlex.quote(value)}")
    return 0
