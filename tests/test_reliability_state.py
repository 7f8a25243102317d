"""The state file under faults: a SIGKILL at any moment, or a save that fails half-way.

The promise (docs/sandbox.md): what a learner was told succeeded is on disk. The sandbox saves
before it answers, to a temporary file that is fsynced and renamed over the old one.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from expect import cognito_error
from support import PoolUnderTest, client_for

from cognito_tutorial import sandbox
from cognito_tutorial.errors import explain
from cognito_tutorial.sandbox import directory, state
from cognito_tutorial.sandbox.auth import AuthState
from cognito_tutorial.sandbox.clock import ManualClock
from cognito_tutorial.sandbox.credentials import load_or_create
from cognito_tutorial.sandbox.server import serve_in_thread


@pytest.fixture
def processes(tmp_path: Path):
    """Start sandbox processes on a state file (homes and logs under tmp_path); what each
    said about its state file at start is in `.load_note`. All are killed afterwards."""
    started: list[sandbox.Spawned] = []

    def start(state_file: Path) -> sandbox.Spawned:
        home = tmp_path / "home"
        process = sandbox.spawn(
            state_path=state_file,
            log_path=home / "sandbox.log",
            env=dict(os.environ, COGNITO_TUTORIAL_HOME=str(home)),
        )
        started.append(process)
        with urllib.request.urlopen(f"{process.url}/_sandbox/health", timeout=10) as reply:
            process.load_note = json.loads(reply.read())["state"]
        key = load_or_create(home)  # the key the process found there
        process.client = lambda: client_for(process.url, key)
        return process

    yield start
    for process in started:
        process.kill()


def usernames(cognito, pool_id: str) -> set[str]:
    pages = cognito.get_paginator("list_users").paginate(UserPoolId=pool_id)
    return {user["Username"] for page in pages for user in page["Users"]}


def write_until_killed(cognito, pool_id: str, prefix: str, acknowledged: list, errors: list):
    """AdminCreateUser in a loop; a user is acknowledged once its 200 came back."""
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
    pool_id = first.client().create_user_pool(PoolName="crash")["UserPool"]["Id"]
    acknowledged: list[str] = []
    errors: list[Exception] = []
    process = first
    for round_number in range(6):
        writers = [
            threading.Thread(
                target=write_until_killed,
                args=(process.client(), pool_id, f"r{round_number}w{n}", acknowledged, errors),
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
        assert "restored" in process.load_note, (seed, process.load_note)
        missing = set(acknowledged) - usernames(process.client(), pool_id)
        assert not missing, f"seed {seed}: acknowledged but lost: {sorted(missing)}"
    assert not errors, (seed, errors)
    assert len(acknowledged) > 40  # the writes really ran between the kills
    # Nothing set aside as unreadable; temporary files of interrupted saves cleared at start.
    beside = {"state.pickle.lock", "state.pickle.starting.lock", "state.pickle.running.json"}
    assert [entry.name for entry in folder.iterdir() if entry.name not in beside] == [
        "state.pickle"
    ]


def fail(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(
    ("module", "name"),
    [(state, "serialise"), (os, "fsync"), (os, "replace")],
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


def test_what_a_refusal_changes_is_on_disk_too(tmp_path):
    """Wrong passwords count towards the lockout even though each was refused: a restart
    between them must not reset the count (the sandbox saves after a refused sign-in too)."""
    state_file = tmp_path / "state.pickle"
    now = time.time()
    first = serve_in_thread(state_path=state_file, clock=ManualClock(now))
    try:
        cognito = client_for(first.url)
        pool = PoolUnderTest(cognito, *_pool_and_client(cognito), None)
        user = pool.create_user()
        for _ in range(5):
            with pytest.raises(ClientError):
                pool.sign_in(user, "Wrong-passw0rd!")
    finally:
        first.stop()
    again = serve_in_thread(state_path=state_file, clock=ManualClock(now))
    try:
        pool.cognito = client_for(again.url)
        with cognito_error("NotAuthorizedException", "Password attempts exceeded"):
            pool.sign_in(user)  # the right password, but the sixth attempt within the lockout
    finally:
        again.stop()


def _pool_and_client(cognito) -> tuple[str, str]:
    pool_id = cognito.create_user_pool(PoolName="lockout")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id
