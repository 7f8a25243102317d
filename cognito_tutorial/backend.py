"""Build the boto3 `cognito-idp` client: the local sandbox (default) or a real AWS account.

Only the construction of the client differs between the two; every notebook call is the same.
Choosing AWS is explicit: `connect("aws")` or `COGNITO_TUTORIAL_BACKEND=aws`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

LOCAL, AWS = "local", "aws"
SANDBOX_REGION = "us-east-1"


@dataclass(frozen=True)
class Target:
    """Where the client points: what a learner is shown before anything is created."""

    backend: str
    region: str
    endpoint_url: str | None
    account: str | None

    def __str__(self) -> str:
        if self.backend == LOCAL:
            return f"local sandbox at {self.endpoint_url} (no AWS account is used)"
        return f"AWS account {self.account} in region {self.region}"


def choose_backend(backend: str | None = None) -> str:
    """The backend asked for: the argument, else COGNITO_TUTORIAL_BACKEND, else local."""
    chosen = (backend or os.environ.get("COGNITO_TUTORIAL_BACKEND") or LOCAL).strip().lower()
    if chosen not in (LOCAL, AWS):
        from .errors import TutorialError

        raise TutorialError(
            f"Unknown backend {chosen!r}. Use 'local' (the sandbox on this machine, the default) "
            "or 'aws' (your AWS account, with your usual AWS credentials)."
        )
    return chosen


def connect(
    backend: str | None = None,
    region: str | None = None,
    *,
    endpoint: str | None = None,
    quiet: bool = False,
) -> Any:
    """A ready boto3 cognito-idp client, and a line saying where it points.

    Local: reuses this user's running sandbox or starts one (it stops itself after two hours
    without requests; `python -m cognito_tutorial sandbox --stop` stops it at once).
    ``endpoint``, else `COGNITO_TUTORIAL_ENDPOINT`, points it at a given sandbox instead (a
    workshop's shared one).
    AWS: the standard credential chain and region; the account is looked up and shown first.

    :param backend: "local" or "aws"; default from COGNITO_TUTORIAL_BACKEND, else "local".
    :param region: AWS region (AWS only; the sandbox always answers as us-east-1).
    :param endpoint: the URL of a running sandbox to use (local only).
    :param quiet: don't print where the client points.
    :returns: a botocore client for Cognito user pools; `describe_target(client)` says where.
    """
    from botocore.config import Config

    chosen = choose_backend(backend)
    if chosen == LOCAL:
        import botocore.session

        url = endpoint or os.environ.get("COGNITO_TUTORIAL_ENDPOINT") or _local_sandbox_url()
        # The client boto3.client("cognito-idp", ...) returns, made by botocore directly: the
        # sandbox needs no credential chain, and a kernel is spared boto3's S3 transfer
        # machinery (a third of connect()'s time in a fresh kernel).
        client = botocore.session.Session().create_client(
            "cognito-idp",
            endpoint_url=url,
            region_name=SANDBOX_REGION,
            # The sandbox accepts any keys; fixed ones keep a learner's real keys out of it.
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
            config=Config(retries={"max_attempts": 1}, connect_timeout=3, read_timeout=30),
        )
        target = Target(LOCAL, SANDBOX_REGION, url, None)
    else:
        import boto3

        session = boto3.Session(region_name=region)
        if not session.region_name:
            from .errors import TutorialError

            raise TutorialError(
                "No AWS region is set. Pass region='eu-west-1' (for example) to connect(), or set "
                "AWS_REGION / AWS_DEFAULT_REGION, or run `aws configure`."
            )
        account = session.client("sts").get_caller_identity()["Account"]
        client = session.client("cognito-idp")
        target = Target(AWS, session.region_name, None, account)
    client.meta.tutorial_target = target  # read back by describe_target()
    if not quiet:
        print(f"Connected to the {target}.")
    return client


def describe_target(client: Any) -> Target:
    """Where a client made by `connect` points."""
    return client.meta.tutorial_target


def _local_sandbox_url() -> str:
    from .sandbox import server

    try:
        return server.ensure_running()
    except server.SandboxError as error:
        from .errors import TutorialError

        raise TutorialError(str(error)) from error
