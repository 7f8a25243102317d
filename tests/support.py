"""Shared test helpers (not fixtures): a signing boto3 client for a sandbox, pools under test."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass

import boto3
import pyotp
from botocore.config import Config

from cognito_tutorial.sandbox.clock import ManualClock
from cognito_tutorial.sandbox.credentials import Credentials, load_or_create
from cognito_tutorial.sandbox.paths import state_dir

REGION = "us-east-1"
PASSWORD = "Corr3ct-Horse!"


def client_for(url: str, key: Credentials | None = None, *, parameter_validation: bool = True):
    """A client for the sandbox at `url`, signing with `key` (default: the key of the
    COGNITO_TUTORIAL_HOME in effect, which every sandbox started from it uses).

    `parameter_validation=False` sends what botocore would refuse itself (out-of-range numbers,
    short codes), as an SDK that does not check does."""
    key = key or load_or_create(state_dir())
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
        config=Config(retries={"max_attempts": 1}, parameter_validation=parameter_validation),
    )


@dataclass
class PoolUnderTest:
    """A pool with one app client, created for one test."""

    cognito: object
    pool_id: str
    client_id: str
    client_secret: str | None

    def create_user(self, username: str | None = None, password: str = PASSWORD) -> str:
        """A confirmed user with a permanent password."""
        username = username or f"user-{uuid.uuid4().hex[:8]}"
        self.cognito.admin_create_user(
            UserPoolId=self.pool_id, Username=username, MessageAction="SUPPRESS"
        )
        self.cognito.admin_set_user_password(
            UserPoolId=self.pool_id, Username=username, Password=password, Permanent=True
        )
        return username

    def sign_in(self, username: str, password: str = PASSWORD) -> dict:
        return self.cognito.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )

    def enrol_totp(self, username: str, clock: ManualClock) -> pyotp.TOTP:
        """Sign in, answer MFA_SETUP with a verified authenticator; returns the authenticator.

        The pool must have MFA ON. The enrolment code's time step is then used up."""
        setup = self.sign_in(username)
        assert setup["ChallengeName"] == "MFA_SETUP"
        associated = self.cognito.associate_software_token(Session=setup["Session"])
        app = pyotp.TOTP(associated["SecretCode"])
        verified = self.cognito.verify_software_token(
            Session=associated["Session"], UserCode=app.at(clock.now())
        )
        done = self.cognito.admin_respond_to_auth_challenge(
            UserPoolId=self.pool_id,
            ClientId=self.client_id,
            ChallengeName="MFA_SETUP",
            Session=verified["Session"],
            ChallengeResponses={"USERNAME": username},
        )
        assert "AuthenticationResult" in done
        return app


ALL_FLOWS = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


AWS_ACCOUNT = "123456789012"


class FakeSession:
    """Stands in for boto3.Session inside connect(): hands out stubbed clients."""

    clients: dict = {}

    def __init__(self, region_name=None, **_):
        self.region_name = region_name

    def client(self, name):
        return self.clients[name]


class KernelUnderTest:
    """A real IPython kernel (ipykernel, started by jupyter_client), sent cells as JupyterLab
    sends them: with the cell's id in the request's metadata."""

    def __init__(self, env: dict[str, str] | None = None):
        from jupyter_client.manager import start_new_kernel

        options = {"env": env} if env is not None else {}
        self.manager, self.client = start_new_kernel(kernel_name="python3", **options)
        self._replies: dict[str, dict] = {}
        self._iopub: dict[str, list[dict]] = {}

    def send(
        self,
        code: str,
        cell_id: str | None = None,
        *,
        stop_on_error: bool = True,
        subshell_id: str | None = None,
    ) -> str:
        """Queue ``code`` to run, as the cell ``cell_id`` (on subshell ``subshell_id``, as
        JupyterLab sends widget messages); returns the request's id."""
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": stop_on_error,
        }
        message = self.client.session.msg(
            "execute_request", content, metadata={"cellId": cell_id} if cell_id else {}
        )
        if subshell_id is not None:
            message["header"]["subshell_id"] = subshell_id
        self.client.shell_channel.send(message)
        return message["header"]["msg_id"]

    def subshell(self) -> str:
        """A new subshell of the kernel: a thread of its own for requests sent to it."""
        request = self.client.session.msg("create_subshell_request", {})
        self.client.control_channel.send(request)
        while True:
            reply = self.client.get_control_msg(timeout=30)
            if reply["parent_header"].get("msg_id") == request["header"]["msg_id"]:
                return reply["content"]["subshell_id"]

    def reply(self, msg_id: str, timeout_s: float = 60) -> dict:
        """The execute_reply to request ``msg_id`` (replies to others are skipped)."""
        import time

        deadline = time.monotonic() + timeout_s
        while True:
            if msg_id in self._replies:
                return self._replies.pop(msg_id)
            message = self.client.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            self._replies[message["parent_header"].get("msg_id")] = message

    def outputs(self, msg_id: str, timeout_s: float = 30) -> list[dict]:
        """Every output of request ``msg_id``, until the kernel says it is idle after it."""
        import time

        deadline = time.monotonic() + timeout_s
        found = self._iopub.setdefault(msg_id, [])
        while not (found and found[-1].get("idle")):
            message = self.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            parent = message["parent_header"].get("msg_id")
            kind = message["msg_type"]
            if kind == "status":
                if message["content"]["execution_state"] == "idle":
                    self._iopub.setdefault(parent, []).append({"idle": True})
                continue
            if kind in ("stream", "display_data", "execute_result", "error"):
                self._iopub.setdefault(parent, []).append(
                    {"output_type": kind, **message["content"]}
                )
        return [output for output in found if not output.get("idle")]

    def run(self, code: str, cell_id: str | None = None) -> tuple[dict, list[dict]]:
        msg_id = self.send(code, cell_id)
        return self.reply(msg_id), self.outputs(msg_id)

    def interrupt(self) -> None:
        self.manager.interrupt_kernel()

    def stop(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)
