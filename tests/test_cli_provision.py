"""`provision`: a pool per attendee and a handout, on a real sandbox and on AWS (Stubber)."""

from __future__ import annotations

import csv
import io
import stat
import uuid
from datetime import datetime

import pytest
from botocore.stub import ANY, Stubber
from support import AWS_ACCOUNT

from cognito_tutorial import cli, connect, workspace
from cognito_tutorial.errors import TutorialError
from cognito_tutorial.instructor import provisioning
from cognito_tutorial.sandbox.credentials import load_or_create


def read_handout(path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def room() -> str:
    return f"room-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def cognito_here(monkeypatch, sandbox_url, tmp_path, room_key):
    """A learner's client on the test sandbox, with this test's own workspace record folder."""
    monkeypatch.setenv("COGNITO_TUTORIAL_ENDPOINT", sandbox_url)
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path / "home"))
    return connect(quiet=True)


# --- on the sandbox ----------------------------------------------------------------------------


def test_provision_makes_a_pool_per_attendee_and_a_private_handout(
    sandbox_url, cognito, isolated_home, tmp_path, capsys
):
    name, handout = room(), tmp_path / "handout.csv"
    argv = ["provision", "--attendees", "3", "--room", name, "--endpoint", sandbox_url]
    assert cli.main([*argv, "--handout", str(handout)]) == 0
    out, err = capsys.readouterr()
    assert "Provisioning: 3/3" in err
    assert "loopback" in err  # the handout would say 127.0.0.1: learners could not reach it
    assert str(handout) in out and "only their own row" in out
    assert stat.S_IMODE(handout.stat().st_mode) == 0o600
    rows = read_handout(handout)
    assert [row["attendee"] for row in rows] == ["001", "002", "003"]
    assert len({row["pool_id"] for row in rows}) == 3
    assert len({row["password"] for row in rows}) == 3
    key = load_or_create(isolated_home)  # the room sandbox's: it runs from this home
    for row in rows:
        assert row["endpoint"] == sandbox_url and row["backend"] == "local"
        assert (row["access_key_id"], row["secret_access_key"]) == (
            key.access_key_id,
            key.secret_access_key,
        )
        pool = cognito.describe_user_pool(UserPoolId=row["pool_id"])["UserPool"]
        assert pool["Name"] == f"cognito-tutorial-{name}-{row['attendee']}"
        assert pool["UserPoolTags"] == {
            "project": "cognito-tutorial",
            "room": name,
            "attendee": row["attendee"],
        }
        signed_in = cognito.admin_initiate_auth(
            UserPoolId=row["pool_id"],
            ClientId=row["admin_client_id"],
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": row["username"], "PASSWORD": row["password"]},
        )
        assert "AccessToken" in signed_in["AuthenticationResult"]


def test_an_attendee_adopts_their_pool_and_the_notebooks_use_it(
    sandbox_url, cognito_here, tmp_path, capsys
):
    handout = tmp_path / "handout.csv"
    argv = ["provision", "--attendees", "1", "--room", room(), "--endpoint", sandbox_url]
    assert cli.main([*argv, "--handout", str(handout)]) == 0
    (row,) = read_handout(handout)
    capsys.readouterr()
    # The handout's first_cell is exactly what the attendee runs in a notebook.
    exec(row["first_cell"], {})
    assert row["pool_id"] in capsys.readouterr().out
    ws = workspace.setup(cognito_here, mfa="ON")
    assert "Created" not in capsys.readouterr().out
    assert ws.pool_id == row["pool_id"]
    assert ws.password == row["password"]
    assert ws.secret_client_secret
    started = cognito_here.admin_initiate_auth(
        UserPoolId=ws.pool_id,
        ClientId=ws.admin_client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": ws.username, "PASSWORD": ws.password},
    )
    assert started["ChallengeName"] == "MFA_SETUP"


def test_an_attendees_pool_is_the_one_workspace_setup_would_make(cognito_here, tmp_path):
    own = workspace.setup(cognito_here, mfa="OFF", quiet=True)
    provisioned = provisioning.create_attendee_workspace(cognito_here, room(), 1)

    def shape(ws):
        pool = cognito_here.describe_user_pool(UserPoolId=ws.pool_id)["UserPool"]
        clients = {}
        for role in workspace.CLIENTS:
            client = cognito_here.describe_user_pool_client(
                UserPoolId=ws.pool_id, ClientId=getattr(ws, f"{role}_client_id")
            )["UserPoolClient"]
            clients[client["ClientName"]] = sorted(client["ExplicitAuthFlows"])
        return pool["Policies"]["PasswordPolicy"], pool["MfaConfiguration"], clients, ws.username

    assert shape(provisioned) == shape(own)


def test_adopting_a_pool_that_is_not_the_tutorials_is_refused(cognito_here, make_pool):
    stranger = make_pool()
    with pytest.raises(TutorialError, match="not a cognito-tutorial pool"):
        provisioning.use_provisioned_pool(cognito_here, stranger.pool_id, "whatever")
    with pytest.raises(TutorialError, match="no user pool us-east-1_nothere"):
        provisioning.use_provisioned_pool(cognito_here, "us-east-1_nothere", "whatever")


def test_an_existing_handout_is_never_overwritten(sandbox_url, cognito, tmp_path, capsys):
    name, handout = room(), tmp_path / "handout.csv"
    handout.write_text("the only copy of Monday's passwords\n")
    argv = ["provision", "--attendees", "2", "--room", name, "--endpoint", sandbox_url]
    assert cli.main([*argv, "--handout", str(handout)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert handout.read_text() == "the only copy of Monday's passwords\n"
    names = [p["Name"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"]]
    assert not [n for n in names if name in n]


def test_a_room_that_already_has_pools_is_refused(sandbox_url, tmp_path, capsys):
    name = room()
    argv = ["provision", "--attendees", "1", "--room", name, "--endpoint", sandbox_url]
    assert cli.main([*argv, "--handout", str(tmp_path / "a.csv")]) == 0
    assert cli.main([*argv, "--handout", str(tmp_path / "b.csv")]) == 1
    err = capsys.readouterr().err
    assert f"cleanup --room {name} --yes" in err
    assert not (tmp_path / "b.csv").exists()


def test_the_default_handout_goes_to_the_state_folder(sandbox_url, monkeypatch, tmp_path, room_key):
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path))
    name = room()
    assert (
        cli.main(["provision", "--attendees", "1", "--room", name, "--endpoint", sandbox_url]) == 0
    )
    assert (tmp_path / f"handout-{name}.csv").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--attendees", "2"], "A room needs one shared sandbox"),
        (["--attendees", "2", "--room", "Room 1!", "--endpoint", "http://x"], "not usable"),
        (["--attendees", "0", "--endpoint", "SANDBOX"], "between 1 and 500"),
        (["--attendees", "2", "--endpoint", "http://127.0.0.1:9"], "No tutorial sandbox answers"),
    ],
)
def test_mistakes_are_one_line_errors(argv, message, sandbox_url, tmp_path, capsys):
    argv = [sandbox_url if arg == "SANDBOX" else arg for arg in argv]
    assert cli.main(["provision", *argv, "--handout", str(tmp_path / "h.csv")]) == 1
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ") and message in last
    assert "Traceback" not in err


# --- on AWS, with botocore's Stubber -----------------------------------------------------------


@pytest.fixture
def aws(aws_stubbed):
    return aws_stubbed


def expect_attendee(stub: Stubber, name: str, number: int) -> None:
    pool_id = f"eu-west-1_Pool{number}"
    tags = {"project": "cognito-tutorial", "room": name, "attendee": f"{number:03d}"}
    stub.add_response(
        "create_user_pool",
        {"UserPool": {"Id": pool_id, "Name": f"cognito-tutorial-{name}-{number:03d}"}},
        {
            "PoolName": f"cognito-tutorial-{name}-{number:03d}",
            "UserPoolTags": tags,
            "Policies": ANY,
        },
    )
    for role, options in workspace.CLIENTS.items():
        client = {"ClientId": f"{role}{number}", "ClientName": options["ClientName"]}
        if role == "secret":
            client["ClientSecret"] = "s3cret" * 6
        stub.add_response(
            "create_user_pool_client",
            {"UserPoolClient": client},
            {"UserPoolId": pool_id, **options},
        )
    stub.add_response(
        "admin_create_user",
        {"User": {"Username": "learner"}},
        {
            "UserPoolId": pool_id,
            "Username": "learner",
            "MessageAction": "SUPPRESS",
            "UserAttributes": ANY,
        },
    )
    stub.add_response(
        "admin_set_user_password",
        {},
        {"UserPoolId": pool_id, "Username": "learner", "Password": ANY, "Permanent": True},
    )


def test_provision_on_aws_shows_the_account_then_creates_tagged_pools(aws, tmp_path, capsys):
    name, handout = room(), tmp_path / "handout.csv"
    aws.add_response("list_user_pools", {"UserPools": []}, {"MaxResults": 60})
    expect_attendee(aws, name, 1)
    expect_attendee(aws, name, 2)
    argv = ["provision", "--backend", "aws", "--region", "eu-west-1", "--attendees", "2"]
    assert cli.main([*argv, "--room", name, "--handout", str(handout), "--yes"]) == 0
    aws.assert_no_pending_responses()
    out = capsys.readouterr().out
    shown = out.index(f"AWS account {AWS_ACCOUNT} in region eu-west-1")
    assert shown < out.index("Provisioned 2 attendee(s)")
    rows = read_handout(handout)
    assert [
        (r["backend"], r["region"], r["endpoint"], r["access_key_id"], r["secret_access_key"])
        for r in rows
    ] == [("aws", "eu-west-1", "", "", "")] * 2
    assert [r["pool_id"] for r in rows] == ["eu-west-1_Pool1", "eu-west-1_Pool2"]
    assert (
        "use_provisioned_pool(connect('aws', 'eu-west-1'), 'eu-west-1_Pool1'"
        in rows[0]["first_cell"]
    )
    assert stat.S_IMODE(handout.stat().st_mode) == 0o600


def test_provision_on_aws_asks_first_and_never_hangs_without_a_terminal(
    aws, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # CI: stdin is not a terminal
    argv = ["provision", "--backend", "aws", "--region", "eu-west-1", "--attendees", "30"]
    assert cli.main([*argv, "--handout", str(tmp_path / "h.csv")]) == 1
    out = capsys.readouterr().out
    assert f"Create 30 user pool(s) for room 'workshop' in AWS account {AWS_ACCOUNT}" in out
    assert "--yes" in out
    assert not (tmp_path / "h.csv").exists()  # and no Cognito call was made (none was stubbed)


def test_provision_on_aws_asks_at_a_terminal(aws, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    argv = ["provision", "--backend", "aws", "--region", "eu-west-1", "--attendees", "3"]
    assert cli.main([*argv, "--handout", str(tmp_path / "h.csv")]) == 1
    assert "Nothing done." in capsys.readouterr().out


def test_provision_stopped_by_aws_keeps_the_handout_of_what_was_made(aws, tmp_path, capsys):
    name, handout = room(), tmp_path / "handout.csv"
    aws.add_response("list_user_pools", {"UserPools": []})
    expect_attendee(aws, name, 1)
    aws.add_client_error("create_user_pool", "LimitExceededException", "User pool limit reached")
    argv = ["provision", "--backend", "aws", "--region", "eu-west-1", "--attendees", "2"]
    assert cli.main([*argv, "--room", name, "--handout", str(handout), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "Stopped after 1 of 2 attendees" in err and "LimitExceededException" in err
    assert f"cleanup --room {name} --yes" in err
    assert [row["attendee"] for row in read_handout(handout)] == ["001"]


def test_a_room_already_on_aws_is_found_by_its_tag(aws, tmp_path, capsys):
    name = room()
    pool = {"Id": "eu-west-1_Old", "Name": f"cognito-tutorial-{name}-001"}
    aws.add_response(
        "list_user_pools", {"UserPools": [{**pool, "CreationDate": datetime(2025, 5, 1)}]}
    )
    tags = {"project": "cognito-tutorial", "room": name}
    aws.add_response("describe_user_pool", {"UserPool": {**pool, "UserPoolTags": tags}})
    argv = ["provision", "--backend", "aws", "--region", "eu-west-1", "--attendees", "2"]
    assert cli.main([*argv, "--room", name, "--handout", str(tmp_path / "h.csv"), "--yes"]) == 1
    assert "already has 1 pool(s)" in capsys.readouterr().err


class Terminal(io.StringIO):
    """stdin as if someone sat at a terminal and typed the given answer."""

    def isatty(self) -> bool:
        return True


def test_progress_redraws_one_line_at_a_terminal_and_prints_tenths_elsewhere():
    from cognito_tutorial.commands.terminal import progress_printer

    terminal = Terminal()
    show = progress_printer("Provisioning", terminal)
    for done in range(1, 5):
        show(done, 4)
    assert terminal.getvalue().count("\r") == 4 and terminal.getvalue().endswith("] 4/4\n")
    assert "[" + "#" * 30 + "]" in terminal.getvalue()
    log = io.StringIO()
    show = progress_printer("Provisioning", log)
    for done in range(1, 101):
        show(done, 100)
    lines = log.getvalue().splitlines()
    assert lines[0] == "Provisioning: 10/100" and lines[-1] == "Provisioning: 100/100"
    assert len(lines) == 10
