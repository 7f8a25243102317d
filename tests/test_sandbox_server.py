"""The sandbox as a process: its command line, signals, loopback, state across restarts."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest
from support import PoolUnderTest, client_for

from cognito_tutorial import sandbox

URL_LINE = re.compile(r"http://127\.0\.0\.\d+:(\d+)")


class Process:
    """`python -m cognito_tutorial sandbox ...` with its URL read from its first line."""

    def __init__(self, *args: str) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "cognito_tutorial", "sandbox", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.popen.stdout.readline()
        match = URL_LINE.search(line)
        assert match, (line, self.popen.stderr.read() if self.popen.poll() is not None else "")
        self.first_line = line
        self.url = match.group(0)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
        self.popen.send_signal(sig)
        out, err = self.popen.communicate(timeout=10)
        return self.popen.returncode, out, err


@pytest.fixture
def processes():
    started: list[Process] = []

    def start(*args: str) -> Process:
        process = Process(*args)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait()


def test_prints_its_url_answers_and_stops_on_sigterm(processes):
    process = processes("--fresh")
    assert process.url.startswith("http://127.0.0.1:")
    assert "UserPools" in client_for(process.url).list_user_pools(MaxResults=1)
    code, out, _ = process.stop(signal.SIGTERM)
    assert code == 0
    assert "stopped" in out


def test_stops_on_ctrl_c(processes):
    process = processes("--fresh")
    code, out, err = process.stop(signal.SIGINT)
    assert code == 0, err
    assert "Traceback" not in err


def test_warns_when_bound_beyond_127_0_0_1(processes):
    process = processes("--fresh", "--host", "127.0.0.2")
    _, _, err = process.stop()
    assert "anyone who can reach this address" in err


def test_binds_to_loopback_by_default(processes):
    process = processes("--fresh")
    assert "127.0.0.1" in process.first_line


def enrolled_pool(url: str) -> tuple[PoolUnderTest, str, pyotp.TOTP]:
    cognito = client_for(url)
    pool_id = cognito.create_user_pool(PoolName="persisted")["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    pool = PoolUnderTest(cognito, pool_id, client_id, None)
    user = pool.create_user("persisted-user")
    setup = pool.sign_in(user)
    associated = cognito.associate_software_token(Session=setup["Session"])
    app = pyotp.TOTP(associated["SecretCode"])
    verified = cognito.verify_software_token(Session=associated["Session"], UserCode=app.now())
    cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool_id,
        ClientId=client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": user},
    )
    return pool, user, app


def test_state_survives_a_restart(processes, tmp_path):
    state_file = tmp_path / "state.pickle"
    first = processes("--state", str(state_file))
    pool, user, app = enrolled_pool(first.url)
    first.stop()
    assert state_file.exists()
    assert oct(state_file.stat().st_mode & 0o777) == "0o600"

    second = processes("--state", str(state_file))
    assert "restored" in second.first_line
    restored = PoolUnderTest(client_for(second.url), pool.pool_id, pool.client_id, None)
    challenge = restored.sign_in(user)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    # The next code (the enrolment code's step is used up): the same authenticator app works.
    answer = restored.cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": app.at(time.time() + 30)},
    )
    assert "AuthenticationResult" in answer


def test_fresh_keeps_nothing(processes, tmp_path, isolated_home):
    before = set(Path(isolated_home).iterdir())
    process = processes("--fresh")
    client_for(process.url).create_user_pool(PoolName="gone")
    process.stop()
    again = processes("--fresh")
    assert client_for(again.url).list_user_pools(MaxResults=10)["UserPools"] == []
    assert set(Path(isolated_home).iterdir()) == before


def test_unreadable_state_is_set_aside_not_loaded(processes, tmp_path):
    state_file = tmp_path / "state.pickle"
    state_file.write_bytes(b"not a pickle")
    process = processes("--state", str(state_file))
    assert client_for(process.url).list_user_pools(MaxResults=10)["UserPools"] == []
    _, _, err = process.stop()
    assert "could not read the sandbox state" in err
    assert list(tmp_path.glob("state.pickle.unreadable-*"))


def test_ensure_running_find_stop_api(tmp_path, monkeypatch):
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path))
    assert sandbox.find() is None
    running = sandbox.ensure_running()
    try:
        assert running.state_path == tmp_path / "sandbox-state.pickle"
        assert sandbox.find() == running
        assert sandbox.ensure_running() == running  # reused, not a second sandbox
    finally:
        assert sandbox.stop() == running
    assert sandbox.find() is None
    assert sandbox.stop() is None


def test_idle_timeout_stops_the_sandbox(processes):
    process = processes("--fresh", "--idle-timeout", "1")
    assert process.popen.wait(timeout=40) == 0


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_sandbox_process_leaves_no_runtime_record_behind(processes, tmp_path, monkeypatch):
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path))
    process = processes("--state", str(tmp_path / "s.pickle"))
    assert (tmp_path / "s.pickle.running.json").exists()
    process.stop()
    assert not (tmp_path / "s.pickle.running.json").exists()
