"""A killed background sandbox: what the next notebook call says, and how one call recovers.

`connect()` starts a per-user background sandbox (sandbox.ensure_running). When that process is
killed, the notebook's client points at a dead port; `connect()` again starts a new sandbox on
the same port when it is free, so the old client works again, with the state from disk.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError
from support import PoolUnderTest

from cognito_tutorial import connect, sandbox
from cognito_tutorial.errors import explain
from cognito_tutorial.sandbox.clock import SystemClock


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh COGNITO_TUTORIAL_HOME; whatever sandbox it records is stopped afterwards."""
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path))
    yield tmp_path
    sandbox.stop()


def kill_background_sandbox() -> str:
    """SIGKILL this user's sandbox (no clean-up runs); its URL once it no longer answers."""
    running = sandbox.find()
    os.kill(running.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while sandbox.is_answering(running.url, timeout=0.2):
        assert time.monotonic() < deadline, "the killed sandbox still answers"
        time.sleep(0.05)
    return running.url


def mfa_pool(cognito) -> PoolUnderTest:
    pool_id = cognito.create_user_pool(PoolName="reliability")["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    return PoolUnderTest(cognito, pool_id, client_id, None)


@pytest.mark.slow
def test_killed_sandbox_is_explained_and_one_connect_brings_it_back(home):
    cognito = connect(quiet=True)
    pool = mfa_pool(cognito)
    user = pool.create_user()
    authenticator = pool.enrol_totp(user, SystemClock())
    url = kill_background_sandbox()

    with pytest.raises(EndpointConnectionError) as caught:
        pool.sign_in(user)
    explanation = explain(caught.value)
    assert explanation.title == "The local Cognito sandbox is not answering"
    assert "cognito = connect()" in explanation.todo
    assert url in explanation.message  # the original error stays visible

    again = connect(quiet=True)
    assert again.meta.endpoint_url == url  # same port: the old client works again
    challenge = pool.sign_in(user)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"  # the enrolment was on disk
    answer = cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        # The enrolment used this step's code; the sandbox accepts the next one.
        ChallengeResponses={
            "USERNAME": user,
            "SOFTWARE_TOKEN_MFA_CODE": authenticator.at(time.time() + 30),
        },
    )
    assert "AuthenticationResult" in answer


@pytest.mark.slow
def test_restart_takes_a_new_port_when_the_old_one_is_taken(home):
    first = connect(quiet=True)
    first.create_user_pool(PoolName="kept")
    url = kill_background_sandbox()
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        again = connect(quiet=True)
        assert again.meta.endpoint_url != url
        pools = again.list_user_pools(MaxResults=10)["UserPools"]
        assert [pool["Name"] for pool in pools] == ["kept"]


@pytest.mark.slow
@pytest.mark.parametrize("record", ["{damaged", '{"url": "http://127.0.0.1:99999", "pid": 0}'])
def test_a_damaged_runtime_record_does_not_stop_a_start(home, record):
    sandbox.paths.runtime_record(sandbox.paths.default_state_path()).write_text(record)
    assert "UserPools" in connect(quiet=True).list_user_pools(MaxResults=1)
