"""Build the boto3 `cognito-idp` client: the local sandbox (default) or a real AWS account.

Only the construction of the client differs between the two; every notebook call is the same.
Choosing AWS is explicit: `connect("aws")` or `COGNITO_TUTORIAL_BACKEND=aws`.

The sandbox checks signatures as AWS does, with its own access key (`sandbox/credentials.py`):
clients for it sign with the key of this user's sandbox home, or with the key a room's handout
gives (`COGNITO_TUTORIAL_ACCESS_KEY_ID` and `COGNITO_TUTORIAL_SECRET_ACCESS_KEY`, beside
`COGNITO_TUTORIAL_ENDPOINT`). A learner's own AWS keys (`AWS_ACCESS_KEY_ID`) are never sent to it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sandbox import Credentials

LOCAL, AWS = "local", "aws"
SANDBOX_REGION = "us-east-1"
ENDPOINT_VARIABLE = "COGNITO_TUTORIAL_ENDPOINT"
ACCESS_KEY_VARIABLE = "COGNITO_TUTORIAL_ACCESS_KEY_ID"
SECRET_KEY_VARIABLE = "COGNITO_TUTORIAL_SECRET_ACCESS_KEY"


@dataclass(frozen=True)
class Target:
    """Where the client points: what a learner is shown before anything is created."""

    backend: str
    region: str
    endpoint_url: str | None
    account: str | None
    sandbox_state: str | None = None  # the state file of the user's own sandbox, if that

    def sandbox_description(self) -> str:
        """Which sandbox this is, for instructor commands that must not act on the wrong one."""
        if self.sandbox_state:
            return f"this user's sandbox at {self.endpoint_url} (state file {self.sandbox_state})"
        return f"the sandbox at {self.endpoint_url} (the endpoint given, not this user's own)"

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
    key: Credentials | None = None,
    quiet: bool = False,
) -> Any:
    """A ready boto3 cognito-idp client, and a line saying where it points.

    Local: reuses this user's running sandbox or starts one (it stops itself after two hours
    without requests; `python -m cognito_tutorial sandbox --stop` stops it at once), and signs
    with that sandbox's key. ``endpoint``, else `COGNITO_TUTORIAL_ENDPOINT`, points it at a
    given sandbox instead (a workshop's shared one), signing with the key in
    `COGNITO_TUTORIAL_ACCESS_KEY_ID` and `COGNITO_TUTORIAL_SECRET_ACCESS_KEY` if set (see
    `sandbox_credentials`).
    AWS: the standard credential chain and region; the account is looked up and shown first.

    :param backend: "local" or "aws"; default from COGNITO_TUTORIAL_BACKEND, else "local".
    :param region: AWS region (AWS only; the sandbox always answers as us-east-1).
    :param endpoint: the URL of a running sandbox to use (local only).
    :param key: the access key to sign with for that sandbox (default: `sandbox_credentials`).
    :param quiet: don't print where the client points.
    :returns: a botocore client for Cognito user pools; `describe_target(client)` says where.
        It notes when each sign-in Session arrives (`session_clock`), and in a notebook,
        Cognito's errors raised in a cell are shown explained from then on (`cell_errors`).
    """
    from botocore.config import Config

    chosen = choose_backend(backend)
    if chosen == LOCAL:
        import botocore.session

        url = endpoint or os.environ.get(ENDPOINT_VARIABLE)
        key = key or sandbox_credentials(url)
        state = None
        if not url:
            running = _own_sandbox()
            url, state = running.url, str(running.state_path)
        # The client boto3.client("cognito-idp", ...) returns, made by botocore directly: the
        # sandbox needs no credential chain, and a kernel is spared boto3's S3 transfer
        # machinery (a third of connect()'s time in a fresh kernel).
        client = botocore.session.Session().create_client(
            "cognito-idp",
            endpoint_url=url,
            region_name=SANDBOX_REGION,
            # Explicit keys: the credential chain would find a learner's real AWS keys.
            aws_access_key_id=key.access_key_id,
            aws_secret_access_key=key.secret_access_key,
            config=Config(retries={"max_attempts": 1}, connect_timeout=3, read_timeout=30),
        )
        target = Target(LOCAL, SANDBOX_REGION, url, None, state)
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
    from . import cell_errors, session_clock

    session_clock.watch(client)  # the code forms count each Session down from its arrival
    cell_errors.install()  # in a notebook, errors raised in cells are shown explained
    if not quiet:
        print(f"Connected to the {target}.")
    return client


def describe_target(client: Any) -> Target:
    """Where a client made by `connect` points."""
    return client.meta.tutorial_target


def access_key_id(client: Any) -> str:
    """The access key ID a client signs with: an ID, not a secret (the secret key never leaves
    the client; only signatures made with it do)."""
    # botocore has no public accessor for a client's credentials.
    return client._request_signer._credentials.get_frozen_credentials().access_key


def sandbox_credentials(endpoint: str | None = None) -> Credentials:
    """The access key to sign with for a local sandbox.

    :param endpoint: None for this user's own sandbox: the key in its home
        (`<COGNITO_TUTORIAL_HOME>/credentials`, made on first use). A URL for a given sandbox
        (a room's): the key in COGNITO_TUTORIAL_ACCESS_KEY_ID and
        COGNITO_TUTORIAL_SECRET_ACCESS_KEY (from the room's handout) if set, else the home's
        (a room sandbox run from the same home, or a headless run's).
    :raises TutorialError: only one of the two variables is set, or the home's file is unusable.
    """
    from . import sandbox
    from .errors import TutorialError

    key_id = os.environ.get(ACCESS_KEY_VARIABLE, "").strip()
    secret = os.environ.get(SECRET_KEY_VARIABLE, "").strip()
    if endpoint and (key_id or secret):
        if not (key_id and secret):
            missing = SECRET_KEY_VARIABLE if key_id else ACCESS_KEY_VARIABLE
            raise TutorialError(
                f"{missing} is not set, but its partner is. Set both from the room's handout "
                "(access_key_id and secret_access_key), or neither for your own sandbox."
            )
        return sandbox.Credentials(key_id, secret)
    try:
        return sandbox.load_credentials(sandbox.paths.state_dir())
    except sandbox.CredentialsError as error:
        raise TutorialError(str(error)) from error


def _own_sandbox() -> Any:
    from . import sandbox

    try:
        return sandbox.ensure_running()
    except sandbox.SandboxError as error:
        from .errors import TutorialError

        raise TutorialError(str(error)) from error
