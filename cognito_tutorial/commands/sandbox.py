"""`python -m cognito_tutorial sandbox`: run, or stop, the local Cognito sandbox."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

EXAMPLE = "python -m cognito_tutorial sandbox --port 9229"
ENV_EXAMPLE = 'eval "$(python -m cognito_tutorial sandbox --env)"'


def register(commands: argparse._SubParsersAction) -> None:
    from cognito_tutorial.sandbox import add_serve_options

    parser = commands.add_parser(
        "sandbox",
        help="run the local Cognito sandbox (no AWS account needed)",
        description="Serve the Cognito Identity Provider API on loopback, backed by moto plus "
        "the tutorial's authentication layer. Prints its endpoint URL once it accepts "
        "requests; stops on Ctrl-C or SIGTERM. One state file has one sandbox: a second one "
        "on the same file refuses to start and names the first. Requests Cognito wants signed "
        "must be signed with the sandbox's own access key, kept in the credentials file of its "
        "home folder (see --env).",
        epilog=f"examples:\n  {EXAMPLE}\n  {ENV_EXAMPLE}\n"
        "  aws cognito-idp list-user-pools --max-results 10   (after the line above)\n"
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
    parser.add_argument(
        "--env",
        action="store_true",
        help="print the shell lines (export AWS_...) that point the AWS CLI or any AWS SDK at "
        "the running sandbox, with its access key, and exit",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cognito_tutorial import sandbox

    if args.stop:
        state = args.state or sandbox.paths.default_state_path()
        stopped = sandbox.stop(state)
        print(f"Stopped {stopped}." if stopped else f"No sandbox is running on {state}.")
        return 0
    if args.env:
        return print_environment(args.state)
    return sandbox.serve_from(args)


def print_environment(state: Path | None = None) -> int:
    """Print `export` lines for the running sandbox: its URL, its key and its region.

    The variables are those every AWS SDK and the AWS CLI read: the access key pair, the
    service-specific endpoint `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` (so other services
    still go to AWS), and the region the sandbox answers as.
    """
    from cognito_tutorial import sandbox
    from cognito_tutorial.backend import SANDBOX_REGION

    running = sandbox.find(state)
    if running is None:
        print(
            f"No sandbox is running on {state or sandbox.paths.default_state_path()}. Start one "
            "with `python -m cognito_tutorial sandbox` (or run a notebook's connect()), then run "
            "this again.",
            file=sys.stderr,
        )
        return 1
    url = running.url
    key = sandbox.load_credentials(sandbox.paths.state_dir())
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
