"""Shared fixtures: a real sandbox on loopback, a boto3 client for it, and pool factories.

The sandbox runs in a thread of the test process (real HTTP over 127.0.0.1) so tests can move
its clock; tests that need the separate process start `python -m cognito_tutorial sandbox`.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pyotp
import pytest
from botocore.config import Config

from cognito_tutorial.sandbox.clock import ManualClock
from cognito_tutorial.sandbox.server import ThreadedSandbox, serve_in_thread

REGION = "us-east-1"
PASSWORD = "Corr3ct-Horse!"


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keep every test away from the learner's own sandbox state and runtime record."""
    home = tmp_path_factory.mktemp("cognito-tutorial-home")
    os.environ["COGNITO_TUTORIAL_HOME"] = str(home)
    os.environ.pop("COGNITO_TUTORIAL_ENDPOINT", None)
    os.environ.pop("COGNITO_TUTORIAL_BACKEND", None)
    return home


@pytest.fixture(scope="session")
def sandbox() -> ThreadedSandbox:
    running = serve_in_thread(clock=ManualClock())
    yield running
    running.stop()


@pytest.fixture
def clock(sandbox: ThreadedSandbox) -> ManualClock:
    """The sandbox's clock, set to now for this test; `clock.advance(181)` ages sessions."""
    fresh = ManualClock()
    sandbox.app.auth.clock = fresh
    return fresh


@pytest.fixture(scope="session")
def sandbox_url(sandbox: ThreadedSandbox) -> str:
    return sandbox.url


def client_for(url: str):
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="session")
def cognito(sandbox_url: str):
    return client_for(sandbox_url)


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


@pytest.fixture
def make_pool(cognito):
    """Factory: `make_pool(mfa="ON", flows=[...], secret=False, prevent_existence=False)`."""

    def make(
        mfa: str = "OFF",
        flows: list[str] | None = ALL_FLOWS,
        secret: bool = False,
        prevent_existence: bool = False,
        session_minutes: int | None = None,
    ) -> PoolUnderTest:
        pool_id = cognito.create_user_pool(PoolName=f"test-{uuid.uuid4().hex[:8]}")["UserPool"][
            "Id"
        ]
        if mfa != "OFF":
            cognito.set_user_pool_mfa_config(
                UserPoolId=pool_id,
                SoftwareTokenMfaConfiguration={"Enabled": True},
                MfaConfiguration=mfa,
            )
        options = {"UserPoolId": pool_id, "ClientName": "test", "GenerateSecret": secret}
        if flows is not None:
            options["ExplicitAuthFlows"] = flows
        if prevent_existence:
            options["PreventUserExistenceErrors"] = "ENABLED"
        if session_minutes:
            options["AuthSessionValidity"] = session_minutes
        app_client = cognito.create_user_pool_client(**options)["UserPoolClient"]
        return PoolUnderTest(
            cognito, pool_id, app_client["ClientId"], app_client.get("ClientSecret")
        )

    return make


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")
