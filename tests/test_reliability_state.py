"""The state file under faults: a SIGKILL at any moment, or a save that fails half-way.

The promise (docs/sandbox.md): what a learner was told succeeded is on disk. The sandbox saves
before it answers, to a temporary file that is fsynced and renamed over the old one.
"""

from __future__ import annotations

import os
import pickle
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from expect import cognito_error
from support import client_for

from cognito_tutorial.errors import explain
from cognito_tutorial.sandbox import directory, state
from cognito_tutorial.sandbox.auth import AuthState
from cognito_tutorial.sandbox.server import serve_in_thread

URL = re.compile(r"http://127\.0\.0\.1:\d+")


class SandboxProcess:
    """`python -m cognito_tutorial sandbox --state FILE` in its own process; its runtime
    record goes to a `home` beside FILE's folder."""

    def __init__(self, state_file: Path) -> None:
        command = [sys.executable, "-m", "cognito_tutorial", "sandbox", "--port", "0"]
        home = state_file.parent.parent / "home"
        self.popen = subprocess.Popen(
            [*command, "--state", str(state_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, COGNITO_TUTORIAL_HOME=str(home)),
        )
        self.first_line = self.popen.stdout.readline()
        match = URL.search(self.first_line)
        assert match, self.first_line
        self.url = match.group(0)

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.communicate(timeout=10)


@pytest.fixture
def processes():
    started: list[SandboxProcess] = []

    def start(state_file: Path) -> SandboxProcess:
        started.append(SandboxProcess(state_file))
        return started[-1]

    yield start
    for process in started:
        process.kill()


def usernames(cognito, pool_id: str) -> set[str]:
    pages = cognito.get_paginator("list_users").paginate(UserPoolId=pool_id)
    return {user["Username"] for page in pages for user in page["Users"]}


def write_until_killed(url: str, pool_id: str, prefix: str, acknowledged: list, errors: list):
    """AdminCreateUser in a loop; a user is acknowledged once its 200 came back."""
    cognito = client_for(url)
    for index in range(10_000):  # bounded; the kill ends it long before
        username = f"{prefix}-{index}"
        try:
            cognito.admin_create_user(
                UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS"
            )
        except BotoCoreError:  # the connection died with the sandbox
            return
        except ClientError as error:  # an answer that is not a success: a real failure
            errors.append(error)
            return
        acknowledged.append(username)


def wait_for_a_save_in_flight(folder: Path, seconds: float) -> None:
    """Return while the sandbox is between creating a temporary file and renaming it."""
    time.sleep(0.1)  # let a few writes land first
    before = set(os.listdir(folder))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(name.endswith(".tmp") for name in set(os.listdir(folder)) - before):
            return


@pytest.mark.slow
def test_sigkill_during_writes_loses_nothing_acknowledged(processes, tmp_path):
    seed = random.randrange(1_000_000)
    moments = random.Random(seed)
    folder = tmp_path / "state"
    folder.mkdir()
    state_file = folder / "state.pickle"
    first = processes(state_file)
    pool_id = client_for(first.url).create_user_pool(PoolName="crash")["UserPool"]["Id"]
    acknowledged: list[str] = []
    errors: list[Exception] = []
    process = first
    for round_number in range(6):
        writers = [
            threading.Thread(
                target=write_until_killed,
                args=(process.url, pool_id, f"r{round_number}w{n}", acknowledged, errors),
            )
            for n in range(2)
        ]
        for writer in writers:
            writer.start()
        if round_number % 2:
            wait_for_a_save_in_flight(folder, seconds=2)
        else:
            time.sleep(moments.uniform(0.2, 0.6))
        process.kill()
        for writer in writers:
            writer.join(timeout=30)

        process = processes(state_file)
        assert "restored" in process.first_line, (seed, process.first_line)
        missing = set(acknowledged) - usernames(client_for(process.url), pool_id)
        assert not missing, f"seed {seed}: acknowledged but lost: {sorted(missing)}"
    assert not errors, (seed, errors)
    assert len(acknowledged) > 40  # the writes really ran between the kills
    # Nothing set aside as unreadable; temporary files of interrupted saves cleared at start.
    assert [entry.name for entry in folder.iterdir()] == ["state.pickle"]


@pytest.fixture
def empty_moto():
    """An empty in-process moto directory for this test (saved and loaded here), then the
    session sandbox's own back: state.load replaces the directory wholesale."""
    backends = directory._backends()
    before = dict(backends)
    backends.clear()
    yield
    backends.clear()
    backends.update(before)


def fail(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(
    ("module", "name"),
    [(pickle, "dumps"), (os, "fsync"), (os, "replace")],
    ids=["while-pickling", "while-writing", "while-renaming"],
)
def test_a_failed_save_leaves_the_previous_file_loadable(
    cognito, tmp_path, monkeypatch, empty_moto, module, name
):
    path = tmp_path / "state.pickle"
    saved = cognito.create_user_pool(PoolName="saved")["UserPool"]["Id"]
    state.save(path, AuthState())
    unsaved = cognito.create_user_pool(PoolName="unsaved")["UserPool"]["Id"]
    monkeypatch.setattr(module, name, fail)
    with pytest.raises(OSError, match="No space left"):
        state.save(path, AuthState())
    monkeypatch.undo()

    assert [entry.name for entry in tmp_path.iterdir()] == ["state.pickle"]  # no temp left
    assert state.load(path).note.startswith("restored state")
    assert directory.find_pool(saved)
    with pytest.raises(Exception, match="does not exist"):
        directory.find_pool(unsaved)


def test_a_failed_save_is_a_cognito_error_for_the_learner(tmp_path, monkeypatch, empty_moto):
    """Disk full: the learner gets InternalErrorException (was an HTML 500), then it recovers."""
    sandbox = serve_in_thread(state_path=tmp_path / "state.pickle")
    try:
        cognito = client_for(sandbox.url)
        monkeypatch.setattr(state, "save", fail)
        with cognito_error("InternalErrorException") as caught:
            cognito.create_user_pool(PoolName="not-on-disk")
        assert "could not save its state" in caught.value.response["Error"]["Message"]
        assert explain(caught.value).title == "The local sandbox could not save its state"
        monkeypatch.undo()
        cognito.create_user_pool(PoolName="on-disk")
        assert (tmp_path / "state.pickle").exists()
    finally:
        sandbox.stop()
