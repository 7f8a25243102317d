"""Shared fixtures: a real sandbox on loopback, a boto3 client for it, and pool factories.

The sandbox runs in a thread of the test process (real HTTP over 127.0.0.1) so tests can move
its clock; tests that need the separate process start `python -m cognito_tutorial sandbox`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from support import ALL_FLOWS, AWS_ACCOUNT, FakeSession, PoolUnderTest, client_for

from cognito_tutorial.sandbox import spawn
from cognito_tutorial.sandbox.clock import ManualClock
from cognito_tutorial.sandbox.credentials import Credentials, load_or_create
from cognito_tutorial.sandbox.server import ThreadedSandbox, serve_in_thread


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keep every test away from the learner's own sandbox state and runtime record."""
    home = tmp_path_factory.mktemp("cognito-tutorial-home")
    os.environ["COGNITO_TUTORIAL_HOME"] = str(home)
    os.environ.pop("COGNITO_TUTORIAL_ENDPOINT", None)
    os.environ.pop("COGNITO_TUTORIAL_BACKEND", None)
    os.environ.pop("COGNITO_TUTORIAL_ACCESS_KEY_ID", None)
    os.environ.pop("COGNITO_TUTORIAL_SECRET_ACCESS_KEY", None)
    return home


@pytest.fixture
def room_key(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> Credentials:
    """The test sandboxes' key in COGNITO_TUTORIAL_ACCESS_KEY_ID and _SECRET_ACCESS_KEY, as a
    room's handout gives it: for tests that point connect() at them from another home."""
    key = load_or_create(isolated_home)
    monkeypatch.setenv("COGNITO_TUTORIAL_ACCESS_KEY_ID", key.access_key_id)
    monkeypatch.setenv("COGNITO_TUTORIAL_SECRET_ACCESS_KEY", key.secret_access_key)
    return key


@pytest.fixture(scope="session")
def sandbox() -> ThreadedSandbox:
    running = serve_in_thread(clock=ManualClock())
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _sandbox_clock_starts_now(request: pytest.FixtureRequest) -> None:
    """Every test that uses the sandbox starts with its clock at the real time, whatever an
    earlier test advanced it to (TOTP codes made from the real time must match)."""
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").app.auth.clock = ManualClock()


@pytest.fixture
def clock(sandbox: ThreadedSandbox) -> ManualClock:
    """The sandbox's clock, at now for this test; `clock.advance(181)` ages sessions."""
    return sandbox.app.auth.clock


@pytest.fixture(scope="session")
def sandbox_url(sandbox: ThreadedSandbox) -> str:
    return sandbox.url


@pytest.fixture(scope="session")
def cognito(sandbox_url: str):
    return client_for(sandbox_url)


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


@pytest.fixture(scope="module")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A sandbox process keeping nothing on disk, on the real clock, shared by one test
    module; its URL."""
    running = spawn(fresh=True, log_path=tmp_path_factory.mktemp("sandbox") / "sandbox.log")
    yield running.url
    running.stop()


@pytest.fixture
def aws_stubbed(monkeypatch):
    """Real boto3 clients for eu-west-1 with Stubbers (no network); connect("aws") gets them.

    Returns the cognito-idp Stubber; STS answers for the account AWS_ACCOUNT."""
    made = {
        name: boto3.client(
            name, region_name="eu-west-1", aws_access_key_id="AKIA", aws_secret_access_key="s"
        )
        for name in ("sts", "cognito-idp")
    }
    stubs = {name: Stubber(client) for name, client in made.items()}
    stubs["sts"].add_response(
        "get_caller_identity",
        {
            "Account": AWS_ACCOUNT,
            "Arn": f"arn:aws:iam::{AWS_ACCOUNT}:user/instructor",
            "UserId": "AIDA",
        },
    )
    for stub in stubs.values():
        stub.activate()
    FakeSession.clients = made
    monkeypatch.setattr(boto3, "Session", FakeSession)
    return stubs["cognito-idp"]


@pytest.fixture
def empty_moto():
    """An empty in-process moto directory for this test (saved and loaded here), then the
    session sandbox's own back: state.load replaces the directory wholesale."""
    from cognito_tutorial.sandbox import directory

    backends = directory._backends()
    before = dict(backends)
    backends.clear()
    yield
    backends.clear()
    backends.update(before)
