"""`cleanup`: only pools with the tutorial's name and tag, on a real sandbox and on AWS (Stubber).

The sandbox tests use a sandbox process of their own: deleting every tutorial pool in the shared
test sandbox would pull pools from under other tests.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from datetime import datetime

import boto3
import pytest
from botocore.stub import Stubber
from support import AWS_ACCOUNT, FakeSession

from cognito_tutorial import cli, connect, workspace
from cognito_tutorial.instructor import provisioning


@pytest.fixture
def here(monkeypatch, sandbox_process, tmp_path, room_key):
    """A learner's client on this module's sandbox; every tutorial pool there removed first."""
    monkeypatch.setenv("COGNITO_TUTORIAL_ENDPOINT", sandbox_process)
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # as in CI: no terminal to answer
    cognito = connect(quiet=True)
    for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]:
        cognito.delete_user_pool(UserPoolId=pool["Id"])
    return cognito


def names(cognito) -> set[str]:
    return {pool["Name"] for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]}


def test_lists_without_deleting_when_nobody_can_answer(here, capsys):
    ws = workspace.setup(here, quiet=True)
    assert cli.main(["cleanup"]) == 0
    out = capsys.readouterr().out
    assert f"{ws.pool_id}  {ws.pool_name}" in out
    assert "Run again with --yes" in out
    assert ws.pool_name in names(here)


def test_deletes_only_pools_with_the_prefix_and_the_tag(here, tmp_path, capsys):
    workspace.setup(here, quiet=True)
    provisioning.create_attendee_workspace(here, "monday", 1)
    here.create_user_pool(PoolName="cognito-tutorial-lookalike")  # the prefix, no tag
    here.create_user_pool(PoolName="production", UserPoolTags={"project": "cognito-tutorial"})
    assert cli.main(["cleanup", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "2 tutorial pool(s)" in out and "Deleted 2 pool(s)." in out
    assert names(here) == {"cognito-tutorial-lookalike", "production"}


def test_running_it_twice_is_safe(here, capsys):
    workspace.setup(here, quiet=True)
    assert cli.main(["cleanup", "--yes"]) == 0
    assert cli.main(["cleanup", "--yes"]) == 0
    assert "Nothing to clean up" in capsys.readouterr().out


def test_a_room_is_cleaned_without_touching_another(here, capsys):
    for number in (1, 2):
        provisioning.create_attendee_workspace(here, "monday", number)
    provisioning.create_attendee_workspace(here, "tuesday", 1)
    assert cli.main(["cleanup", "--room", "monday", "--yes"]) == 0
    assert "room 'monday'" in capsys.readouterr().out
    assert names(here) == {"cognito-tutorial-tuesday-001"}


def test_finds_what_a_killed_kernel_left_behind(here, sandbox_process, tmp_path, capsys):
    script = (
        "import os, signal\n"
        "from cognito_tutorial import connect, workspace\n"
        "workspace.setup(connect(quiet=True), quiet=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "COGNITO_TUTORIAL_HOME": str(tmp_path / "kernel")}
    killed = subprocess.run([sys.executable, "-c", script], env=env, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    left = names(here)
    assert len(left) == 1
    assert cli.main(["cleanup", "--yes"]) == 0  # this home has no record of that pool
    assert names(here) == set()
    assert left.pop() in capsys.readouterr().out


@pytest.mark.parametrize(("answer", "deleted"), [("y\n", True), ("\n", False), ("no\n", False)])
def test_asks_at_a_terminal(here, monkeypatch, capsys, answer, deleted):
    ws = workspace.setup(here, quiet=True)
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    assert cli.main(["cleanup"]) == 0
    out = capsys.readouterr().out
    assert "Delete these 1 pool(s) with their app clients and users? [y/N]" in out
    assert (ws.pool_name not in names(here)) is deleted


def test_a_bad_room_name_is_a_one_line_error(here, capsys):
    assert cli.main(["cleanup", "--room", "Monday!"]) == 1
    assert capsys.readouterr().err.startswith("error: Room name 'Monday!' is not usable.")


class Terminal(io.StringIO):
    """stdin as if someone sat at a terminal and typed the given answer."""

    def isatty(self) -> bool:
        return True


# --- on AWS, with botocore's Stubber -----------------------------------------------------------

TAGS = {"project": "cognito-tutorial"}
CREATED = datetime(2025, 5, 12, 9, 30)


@pytest.fixture
def aws(aws_stubbed, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal: cleanup must not ask
    yield aws_stubbed
    aws_stubbed.assert_no_pending_responses()


def pool(pool_id: str, name: str) -> dict:
    return {"Id": pool_id, "Name": name, "CreationDate": CREATED}


def expect_listing(stub: Stubber) -> None:
    """An account with a tutorial pool, a production pool and a look-alike without the tag."""
    stub.add_response(
        "list_user_pools",
        {
            "UserPools": [
                pool("eu-west-1_Tut", "cognito-tutorial-a1b2c3"),
                pool("eu-west-1_Prod", "customers-production"),
                pool("eu-west-1_Look", "cognito-tutorial-someone-elses"),
            ]
        },
        {"MaxResults": 60},
    )
    # Only the prefixed pools are described; the production pool is never touched.
    stub.add_response(
        "describe_user_pool",
        {"UserPool": {**pool("eu-west-1_Tut", "cognito-tutorial-a1b2c3"), "UserPoolTags": TAGS}},
        {"UserPoolId": "eu-west-1_Tut"},
    )
    stub.add_response(
        "describe_user_pool",
        {"UserPool": {**pool("eu-west-1_Look", "cognito-tutorial-someone-elses")}},
        {"UserPoolId": "eu-west-1_Look"},
    )


def test_aws_lists_then_deletes_only_the_tagged_pool(aws, capsys):
    expect_listing(aws)
    aws.add_response("delete_user_pool", {}, {"UserPoolId": "eu-west-1_Tut"})
    argv = ["cleanup", "--backend", "aws", "--region", "eu-west-1", "--yes"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert out.index(f"AWS account {AWS_ACCOUNT} in region eu-west-1") < out.index(
        "Deleted 1 pool(s)."
    )
    assert (
        "eu-west-1_Tut  cognito-tutorial-a1b2c3  (a learner's own, created 2025-05-12 09:30)" in out
    )
    assert "Prod" not in out and "someone-elses" not in out


def test_aws_without_yes_and_without_a_terminal_only_lists(aws, capsys):
    expect_listing(aws)
    assert cli.main(["cleanup", "--backend", "aws", "--region", "eu-west-1"]) == 0
    out = capsys.readouterr().out
    assert "1 tutorial pool(s)" in out and "Run again with --yes" in out


def test_aws_already_gone_counts_as_deleted_and_failures_are_reported(aws, capsys):
    tagged = {**TAGS, "room": "monday"}
    aws.add_response(
        "list_user_pools",
        {
            "UserPools": [
                pool(f"eu-west-1_P{n}", f"cognito-tutorial-monday-00{n}") for n in (1, 2, 3)
            ]
        },
    )
    for n in (1, 2, 3):
        described = {
            **pool(f"eu-west-1_P{n}", f"cognito-tutorial-monday-00{n}"),
            "UserPoolTags": tagged,
        }
        aws.add_response("describe_user_pool", {"UserPool": described})
    aws.add_client_error("delete_user_pool", "ResourceNotFoundException", "gone")
    aws.add_client_error(
        "delete_user_pool", "InvalidParameterException", "The pool has a domain configured"
    )
    aws.add_response("delete_user_pool", {})
    argv = ["cleanup", "--backend", "aws", "--region", "eu-west-1", "--room", "monday", "--yes"]
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    assert "Deleted 1 pool(s). 1 were already gone." in out
    assert "could not delete cognito-tutorial-monday-002 (eu-west-1_P2)" in out
    assert "domain configured" in out and "run this again" in out


def test_aws_without_credentials_is_a_one_line_error(monkeypatch, capsys):
    from botocore.exceptions import NoCredentialsError

    class NoCredentials(FakeSession):
        def client(self, name):
            raise NoCredentialsError()

    monkeypatch.setattr(boto3, "Session", NoCredentials)
    assert cli.main(["cleanup", "--backend", "aws", "--region", "eu-west-1"]) == 1
    assert capsys.readouterr().err.startswith(
        "error: No AWS credentials found. Run `aws configure`"
    )
