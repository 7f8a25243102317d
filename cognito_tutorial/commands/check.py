"""`python -m cognito_tutorial check`: is this machine (or AWS account) ready for the tutorial?"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import textwrap
from typing import TextIO

from cognito_tutorial.commands.target import add_target_options, connect_to
from cognito_tutorial.instructor.preflight import FAIL, SKIP, Check

EXAMPLE = "python -m cognito_tutorial check --backend aws --region eu-west-1"

COLOURS = {"ok": "32", "fail": "31", "warn": "33", "info": "36", "skip": "2"}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "check",
        help="pre-flight check: Python, packages, kernel, widgets, sandbox sign-in, clock, AWS",
        description="Check that everything the tutorial needs works here: Python and package "
        "versions, the notebook kernel, the widgets extension in JupyterLab, and then either "
        "the local sandbox (it starts, and a full TOTP MFA sign-in passes) or, with "
        "--backend aws, your AWS credentials, account, region, clock and Cognito permissions "
        "(read-only calls; nothing is created in AWS). Exits 1 if any check fails.",
        epilog=f"examples:\n  python -m cognito_tutorial check\n  {EXAMPLE}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_options(
        parser,
        endpoint_help="check a sandbox already running there, e.g. a room's shared one "
        "(default: COGNITO_TUTORIAL_ENDPOINT, else this user's own sandbox, started if needed)",
    )
    parser.add_argument("--no-color", action="store_true", help="plain text, no colours")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cognito_tutorial.backend import AWS, LOCAL, choose_backend
    from cognito_tutorial.errors import TutorialError
    from cognito_tutorial.instructor.preflight.aws_account import check_aws
    from cognito_tutorial.instructor.preflight.environment import (
        check_environment,
        check_local_clock,
    )
    from cognito_tutorial.instructor.preflight.sandbox_drill import check_sandbox
    from cognito_tutorial.sandbox import SandboxError

    backend = choose_backend(args.backend)
    checks = check_environment()
    if backend == LOCAL:
        try:
            cognito = connect_to(LOCAL, endpoint=args.endpoint, quiet=True)
        except (TutorialError, SandboxError) as error:
            checks.append(Check("Sandbox", FAIL, str(error)))
        else:
            checks += check_sandbox(cognito)
        checks.append(check_local_clock())
        checks.append(Check("AWS", SKIP, "not checked; add --backend aws to check an AWS account"))
    else:
        import boto3
        from botocore.exceptions import BotoCoreError

        checks.append(Check("Sandbox", SKIP, "not checked (--backend aws)"))
        try:
            session = boto3.Session(region_name=args.region)
        except BotoCoreError as error:  # e.g. AWS_PROFILE names a profile that does not exist
            checks.append(Check("AWS credentials", FAIL, f"{error}."))
        else:
            checks += [_with_region_flag(check) for check in check_aws(session)]
    colour = not args.no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    print_table(checks, sys.stdout, colour=colour)
    bad = [check.name for check in checks if check.status == FAIL]
    if bad:
        print(f"\n{len(bad)} check(s) failed: {', '.join(bad)}. Fix them, then run this again.")
        return 1
    print(f"\nReady{' for AWS' if backend == AWS else ''}: no check failed.")
    return 0


def _with_region_flag(check: Check) -> Check:
    """A missing AWS region can also be given on this command line: say so."""
    if check.name == "AWS region" and check.status == FAIL:
        return dataclasses.replace(check, detail=f"{check.detail} Or pass --region eu-west-1.")
    return check


def print_table(checks: list[Check], out: TextIO, *, colour: bool = False) -> None:
    """Check | result | detail, with details wrapped to the terminal's width."""
    name_width = max(len(check.name) for check in checks)
    indent = name_width + 2 + 6 + 2
    width = max(shutil.get_terminal_size((100, 24)).columns, indent + 30)
    for check in checks:
        status = f"{check.status.upper():<6}"
        if colour:
            status = f"\033[{COLOURS[check.status]}m{status}\033[0m"
        lines = textwrap.wrap(
            check.detail, width - indent, break_on_hyphens=False, break_long_words=False
        ) or [""]
        print(f"{check.name:<{name_width}}  {status}  {lines[0]}", file=out)
        for line in lines[1:]:
            print(" " * indent + line, file=out)
