"""One sandbox per state file, whoever starts it: kernels racing to start one, a second
sandbox on the same file, and a room's sandbox beside a learner's own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cognito_tutorial import cli, sandbox
from cognito_tutorial.sandbox import paths

pytestmark = pytest.mark.slow

# Each racer waits for the same instant, then calls connect() and creates a pool of its own.
RACER = """
import json, sys, time
start_at = float(sys.argv[1])
while time.time() < start_at:
    time.sleep(0.001)
from cognito_tutorial import connect, sandbox
cognito = connect(quiet=True)
cognito.create_user_pool(PoolName=sys.argv[2])
print(json.dumps({"url": cognito.meta.endpoint_url, "pid": sandbox.find().pid}))
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh COGNITO_TUTORIAL_HOME for this test and its subprocesses; its sandbox is
    stopped afterwards."""
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path))
    yield tmp_path
    sandbox.stop()


def pool_names(cognito) -> set[str]:
    return {pool["Name"] for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]}


def test_kernels_connecting_at_the_same_instant_share_one_sandbox_and_lose_nothing(home):
    start_at = time.time() + 3  # after the interpreters have started and imported
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(start_at), f"racer-{number}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(3)
    ]
    results = []
    for racer in racers:
        out, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err
        results.append(json.loads(out))
    assert len({result["url"] for result in results}) == 1
    assert len({result["pid"] for result in results}) == 1
    assert (home / "sandbox.log").read_text().count("listening on") == 1

    # Restarted from its state file, the sandbox still has what each kernel was told it made.
    sandbox.stop()
    from cognito_tutorial import connect

    assert pool_names(connect(quiet=True)) == {"racer-0", "racer-1", "racer-2"}


def test_a_second_sandbox_on_the_same_state_file_refuses_naming_the_first(home):
    running = sandbox.ensure_running()
    refused = subprocess.run(
        [sys.executable, "-m", "cognito_tutorial", "sandbox", "--state", str(running.state_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    message = refused.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert running.url in message and str(running.pid) in message
    assert "already serves" in message
    # The refusal left the first sandbox, and its record, alone.
    assert sandbox.find() == running


def test_spawn_reports_why_a_sandbox_did_not_start(home):
    running = sandbox.ensure_running()
    with pytest.raises(sandbox.SandboxError, match="already serves") as refused:
        sandbox.spawn(state_path=running.state_path)
    assert "exit code 1" in str(refused.value)


def test_a_room_sandbox_beside_the_learners_own(home, capsys):
    own = sandbox.ensure_running()
    room_state = home / "room" / "room.pickle"
    room = sandbox.spawn(state_path=room_state, log_path=home / "room.log")
    try:
        assert room.url != own.url
        assert sandbox.find() == own  # the room did not replace the learner's record
        assert sandbox.find(room_state).url == room.url

        # Instructor commands say which sandbox they act on, and never switch by themselves.
        assert cli.main(["cleanup"]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert f"state file {own.state_path}" in out and room.url not in out
        assert cli.main(["cleanup", "--endpoint", room.url]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert room.url in out and "not this user's own" in out

        # --stop stops the learner's sandbox only, and says which it stopped.
        assert cli.main(["sandbox", "--stop"]) == 0
        assert str(own.state_path) in capsys.readouterr().out
        assert sandbox.find() is None
        assert sandbox.find(room_state).url == room.url
        assert cli.main(["sandbox", "--stop"]) == 0
        assert f"No sandbox is running on {own.state_path}" in capsys.readouterr().out
    finally:
        room.stop()
    # The room stopping removed its own record, never the learner's.
    assert not paths.runtime_record(room_state).exists()
    again = sandbox.ensure_running()
    assert again.state_path == own.state_path


def test_a_killed_sandbox_releases_its_state_file(home):
    first = sandbox.ensure_running()
    os.kill(first.pid, 9)
    deadline = time.monotonic() + 10
    while sandbox.find() is not None:
        assert time.monotonic() < deadline, "the killed sandbox is still found"
        time.sleep(0.05)
    second = sandbox.ensure_running()
    assert second.pid != first.pid
    assert second.state_path == first.state_path


def test_a_legacy_runtime_record_is_retired(home):
    paths.legacy_runtime_record().write_text(
        json.dumps({"url": "http://127.0.0.1:9", "pid": 0, "state": str(home / "x")})
    )
    sandbox.ensure_running()
    assert not paths.legacy_runtime_record().exists()
