"""Running the contract tests against a real user pool: the opt-in, the client, the clock.

Nothing here runs unless `pytest --backend aws` is given, which refuses to start without the
explicit opt-in (COGNITO_TUTORIAL_AWS_CONTRACT=yes), a region and working credentials: the
tests create user pools in the account (named cognito-tutorial-contract-*, tagged
project=cognito-tutorial, deleted after each test).
"""

from __future__ import annotations

import os
import time

import pytest

OPT_IN_VARIABLE = "COGNITO_TUTORIAL_AWS_CONTRACT"
CONTRACT_POOL_PREFIX = "cognito-tutorial-contract-"
# A span the real clock can simply wait for (a TOTP step and a little); longer ones skip.
LONGEST_REAL_WAIT_SECONDS = 35


def aws_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def require_opt_in() -> None:
    """Stop the run, saying why, unless the instructor opted in and AWS can be reached."""
    if os.environ.get(OPT_IN_VARIABLE) != "yes":
        pytest.exit(
            f"--backend aws creates user pools in your AWS account: set {OPT_IN_VARIABLE}=yes "
            "to run the contract tests there (make test-aws does the rest).",
            returncode=4,
        )
    if not aws_region():
        pytest.exit("--backend aws needs a region: set AWS_REGION (or AWS_DEFAULT_REGION).", 4)
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        account = boto3.client("sts", region_name=aws_region()).get_caller_identity()["Account"]
    except (BotoCoreError, ClientError) as error:
        pytest.exit(f"--backend aws needs working AWS credentials: {error}", returncode=4)
    print(f"Contract tests against AWS account {account} in {aws_region()}.")


def aws_client():
    import boto3

    return boto3.client("cognito-idp", region_name=aws_region())


class RealClock:
    """The `clock` fixture on AWS: the real time. Waiting a few seconds (the next TOTP step, a
    short lockout) is what the test is about, so `advance` waits until that time has come; a
    longer span (session expiry, a 24-hour code) skips the test, which only the sandbox's
    virtual clock can run quickly."""

    def __init__(self) -> None:
        self._now = time.time()

    def now(self) -> float:
        return max(self._now, time.time())

    def advance(self, seconds: float) -> None:
        if seconds > LONGEST_REAL_WAIT_SECONDS:
            pytest.skip(
                f"needs {seconds:.0f} s to pass: only the sandbox's virtual clock does that at once"
            )
        target = self.now() + seconds
        while time.time() < target:  # a condition on the clock, not a fixed pause
            time.sleep(min(1.0, target - time.time()))
        self._now = target
