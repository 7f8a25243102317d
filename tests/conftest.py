"""Shared fixtures: a real sandbox on loopback, a boto3 client for it, and pool factories.

The sandbox runs in a thread of the test process (real HTTP over 127.0.0.1) so tests can move
its clock; tests that need the separate process start `python -m cognito_tutorial sandbox`.

The behaviour tests (marked `contract`) also run against a real user pool: `make test-aws`, or
`pytest --backend aws -m contract` with COGNITO_TUTORIAL_AWS_CONTRACT=yes, AWS credentials and a
region (docs/sandbox.md, "Checking the sandbox against AWS"). Then `cognito` is a client for
AWS, `make_pool` makes tagged cognito-tutorial-contract-* pools and deletes them, `clock` is the
real clock, and a test that needs the sandbox itself is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import boto3
import pytest
from aws_contract import CONTRACT_POOL_PREFIX, RealClock, aws_client, require_opt_in
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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("sandbox", "aws"),
        default="sandbox",
        help="run the contract tests against the local sandbox (default) or a real AWS account",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--backend") == "aws":
        require_opt_in()  # exits with the reason unless the opt-in, credentials and region are set


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On AWS only the contract tests run; each sandbox-only test is skipped with its reason."""
    if config.getoption("--backend") != "aws":
        return
    for item in items:
        if item.get_closest_marker("contract") is None:
            item.add_marker(pytest.mark.skip(reason="not a contract test: sandbox only"))
        elif (only := item.get_closest_marker("sandbox_only")) is not None:
            item.add_marker(pytest.mark.skip(reason=f"sandbox only: {only.args[0]}"))


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """ "sandbox" or "aws": where the contract tests run."""
    return request.config.getoption("--backend")


@pytest.fixture(scope="session")
def sandbox(backend: str) -> ThreadedSandbox:
    if backend == "aws":
        pytest.skip("uses the local sandbox itself (its state, its clock or its key)")
    running = serve_in_thread(clock=ManualClock())
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _sandbox_clock_starts_now(request: pytest.FixtureRequest, backend: str) -> None:
    """Every test that uses the sandbox starts with its clock at the real time, whatever an
    earlier test advanced it to (TOTP codes made from the real time must match)."""
    if backend == "sandbox" and {"sandbox", "cognito", "clock"} & set(request.fixturenames):
        request.getfixturevalue("sandbox").app.auth.clock = ManualClock()


@pytest.fixture
def clock(request: pytest.FixtureRequest, backend: str) -> ManualClock | RealClock:
    """The sandbox's clock, at now for this test; `clock.advance(181)` ages sessions. On AWS
    the real clock: `advance` waits for short spans and skips the test for long ones."""
    if backend == "aws":
        return RealClock()
    return request.getfixturevalue("sandbox").app.auth.clock


@pytest.fixture(scope="session")
def sandbox_url(sandbox: ThreadedSandbox) -> str:
    return sandbox.url


@pytest.fixture(scope="session")
def cognito(request: pytest.FixtureRequest, backend: str):
    if backend == "aws":
        return aws_client()
    return client_for(request.getfixturevalue("sandbox_url"))


@pytest.fixture
def make_pool(cognito, backend):
    """Factory: `make_pool(mfa="ON", flows=[...], secret=False, prevent_existence=False)`.

    Pools are deleted after the test. On AWS they are named cognito-tutorial-contract-* and
    tagged project=cognito-tutorial (the tutorial's clean-up rule finds any a crash left); on
    the sandbox they are plain test-* pools, which the tutorial's commands leave alone."""
    made: list[str] = []
    naming = (
        {"prefix": CONTRACT_POOL_PREFIX, "tags": {"project": "cognito-tutorial"}}
        if backend == "aws"
        else {"prefix": "test-", "tags": {}}
    )

    def make(
        mfa: str = "OFF",
        flows: list[str] | None = ALL_FLOWS,
        secret: bool = False,
        prevent_existence: bool = False,
        session_minutes: int | None = None,
        pool_settings: dict | None = None,
        client_settings: dict | None = None,
    ) -> PoolUnderTest:
        pool_id = cognito.create_user_pool(
            PoolName=f"{naming['prefix']}{uuid.uuid4().hex[:8]}",
            UserPoolTags=naming["tags"],
            **(pool_settings or {}),
        )["UserPool"]["Id"]
        made.append(pool_id)
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
        options.update(client_settings or {})
        app_client = cognito.create_user_pool_client(**options)["UserPoolClient"]
        return PoolUnderTest(
            cognito, pool_id, app_client["ClientId"], app_client.get("ClientSecret")
        )

    yield make
    for pool_id in made:
        with contextlib.suppress(cognito.exceptions.ResourceNotFoundException):
            cognito.delete_user_pool(UserPoolId=pool_id)


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
