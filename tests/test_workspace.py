"""workspace.setup(): idempotent, recorded per backend, repaired when stale, cleaned up exactly."""

from __future__ import annotations

import pytest

from cognito_tutorial import connect, workspace
from cognito_tutorial.errors import TutorialError


@pytest.fixture
def cognito_here(monkeypatch, sandbox_url, tmp_path, room_key):
    """A client on the test sandbox, with this test's own workspace record folder."""
    monkeypatch.setenv("COGNITO_TUTORIAL_ENDPOINT", sandbox_url)
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path))
    return connect(quiet=True)


def test_setup_creates_pool_clients_and_user(cognito_here):
    ws = workspace.setup(cognito_here, mfa="ON", quiet=True)
    pool = cognito_here.describe_user_pool(UserPoolId=ws.pool_id)["UserPool"]
    assert pool["Name"].startswith("cognito-tutorial-")
    assert pool["MfaConfiguration"] == "ON"
    secret_client = cognito_here.describe_user_pool_client(
        UserPoolId=ws.pool_id, ClientId=ws.secret_client_id
    )["UserPoolClient"]
    assert secret_client["ClientSecret"] == ws.secret_client_secret
    user = cognito_here.admin_get_user(UserPoolId=ws.pool_id, Username=ws.username)
    assert user["UserStatus"] == "CONFIRMED"


def test_setup_twice_creates_nothing_twice(cognito_here, capsys):
    first = workspace.setup(cognito_here)
    capsys.readouterr()
    second = workspace.setup(cognito_here, mfa="OPTIONAL")
    assert second == first
    assert "Created" not in capsys.readouterr().out
    names = {first.pool_name}
    pools = cognito_here.get_paginator("list_user_pools").paginate(MaxResults=60)
    tutorial_pools = [p for page in pools for p in page["UserPools"] if p["Name"] in names]
    assert len(tutorial_pools) == 1
    clients = cognito_here.list_user_pool_clients(UserPoolId=first.pool_id, MaxResults=60)
    assert len(clients["UserPoolClients"]) == 3
    mfa = cognito_here.describe_user_pool(UserPoolId=first.pool_id)["UserPool"]
    assert mfa["MfaConfiguration"] == "OPTIONAL"


def test_a_stale_record_is_repaired_with_a_message(cognito_here, capsys):
    first = workspace.setup(cognito_here, quiet=True)
    cognito_here.delete_user_pool(UserPoolId=first.pool_id)
    second = workspace.setup(cognito_here)
    assert second.pool_id != first.pool_id
    assert f"{first.pool_id} no longer exists" in capsys.readouterr().out


def test_a_missing_client_or_user_is_recreated(cognito_here):
    first = workspace.setup(cognito_here, quiet=True)
    cognito_here.delete_user_pool_client(UserPoolId=first.pool_id, ClientId=first.admin_client_id)
    cognito_here.admin_delete_user(UserPoolId=first.pool_id, Username=first.username)
    second = workspace.setup(cognito_here, quiet=True)
    assert second.pool_id == first.pool_id
    assert second.admin_client_id != first.admin_client_id
    cognito_here.admin_get_user(UserPoolId=second.pool_id, Username=second.username)


def test_cleanup_removes_exactly_the_recorded_pool_and_is_safe_twice(cognito_here):
    other = cognito_here.create_user_pool(PoolName="not-the-tutorials")["UserPool"]["Id"]
    ws = workspace.setup(cognito_here, quiet=True)
    assert workspace.cleanup(cognito_here, quiet=True) == [ws.pool_id]
    assert workspace.cleanup(cognito_here, quiet=True) == []
    assert cognito_here.describe_user_pool(UserPoolId=other)["UserPool"]["Id"] == other
    with pytest.raises(cognito_here.exceptions.ResourceNotFoundException):
        cognito_here.describe_user_pool(UserPoolId=ws.pool_id)
    assert workspace.load(cognito_here) is None


def test_record_file_is_private(cognito_here):
    workspace.setup(cognito_here, quiet=True)
    path = workspace.record_path(cognito_here)
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_bad_mfa_mode_is_a_clear_error(cognito_here):
    with pytest.raises(TutorialError, match="mfa must be one of"):
        workspace.setup(cognito_here, mfa="YES")


@pytest.mark.parametrize("mfa", ["ON", "OPTIONAL"])
def test_ensure_totp_enrols_the_demo_user_once(cognito_here, mfa, capsys):
    ws = workspace.setup(cognito_here, mfa=mfa, quiet=True)
    secret = workspace.ensure_totp(cognito_here, ws)
    assert secret and workspace.load(cognito_here).totp_secret == secret
    user = cognito_here.admin_get_user(UserPoolId=ws.pool_id, Username=ws.username)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    said = capsys.readouterr().out
    assert "had no authenticator app, so one was linked now" in said
    # The enrolment card, hidden by default: no secret in a saved output.
    assert "TOTP enrolment for 'learner'" in said and "hidden" in said
    assert secret not in said
    assert workspace.ensure_totp(cognito_here, ws) == secret  # no second enrolment
    assert "already has an authenticator app" in capsys.readouterr().out


def test_ensure_totp_shows_the_qr_code_to_a_learner_at_the_keyboard(cognito_here, capsys):
    ws = workspace.setup(cognito_here, mfa="ON", quiet=True)
    secret = workspace.ensure_totp(cognito_here, ws, reveal=True)
    said = capsys.readouterr().out
    from cognito_tutorial.totp import group_secret

    assert group_secret(secret) in said  # the secret, grouped for typing


def test_ensure_totp_can_be_quiet(cognito_here, capsys):
    ws = workspace.setup(cognito_here, mfa="ON", quiet=True)
    workspace.ensure_totp(cognito_here, ws, quiet=True)
    assert capsys.readouterr().out == ""


def test_new_password_meets_the_default_policy():
    import re

    for _ in range(50):
        password = workspace.new_password()
        assert len(password) >= 8
        assert all(re.search(p, password) for p in ("[A-Z]", "[a-z]", "[0-9]", "[^A-Za-z0-9]"))


FOREIGN_POOLS = {
    "prefix-without-tag": {"PoolName": "cognito-tutorial-lookalike"},
    "tag-without-prefix": {
        "PoolName": "someone-elses",
        "UserPoolTags": {workspace.TAG_KEY: workspace.TAG_VALUE},
    },
}


@pytest.fixture(params=FOREIGN_POOLS.values(), ids=FOREIGN_POOLS.keys())
def record_naming_a_foreign_pool(request, cognito_here):
    """The tutorial's record, edited to name a pool the tutorial did not make (MFA OFF, one
    user named like the demo user); returns that pool's id."""
    workspace.setup(cognito_here, mfa="OFF", quiet=True)
    foreign = cognito_here.create_user_pool(**request.param)["UserPool"]["Id"]
    cognito_here.admin_create_user(
        UserPoolId=foreign, Username=workspace.DEMO_USERNAME, MessageAction="SUPPRESS"
    )
    path = workspace.record_path(cognito_here)
    path.write_text(path.read_text().replace(workspace.load(cognito_here).pool_id, foreign))
    return foreign


def test_setup_leaves_a_foreign_pool_alone_and_makes_its_own(
    cognito_here, record_naming_a_foreign_pool, capsys
):
    foreign = record_naming_a_foreign_pool
    ws = workspace.setup(cognito_here, mfa="ON", quiet=True)
    assert ws.pool_id != foreign
    assert workspace.load(cognito_here).pool_id == ws.pool_id
    untouched = cognito_here.describe_user_pool(UserPoolId=foreign)["UserPool"]
    assert untouched["MfaConfiguration"] == "OFF"
    assert (
        cognito_here.list_user_pool_clients(UserPoolId=foreign, MaxResults=10)["UserPoolClients"]
        == []
    )
    cognito_here.admin_get_user(UserPoolId=foreign, Username=workspace.DEMO_USERNAME)
    err = capsys.readouterr().err
    assert f"names pool {untouched['Name']} ({foreign}), which this tutorial did not" in err
    assert "leaving it alone and creating a new one." in err


def test_cleanup_does_not_delete_a_foreign_pool(cognito_here, record_naming_a_foreign_pool, capsys):
    foreign = record_naming_a_foreign_pool
    assert workspace.cleanup(cognito_here, quiet=True) == []
    cognito_here.describe_user_pool(UserPoolId=foreign)
    assert workspace.load(cognito_here) is None  # the record that named it is gone
    assert "which this tutorial did not create" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text", ["{not json", "[]", '{"backend": "local"}', '{"backend": "local", "region": 5}']
)
def test_an_unreadable_record_is_ignored_with_one_line(cognito_here, capsys, text):
    path = workspace.record_path(cognito_here)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    assert workspace.load(cognito_here) is None
    assert capsys.readouterr().err.count("\n") == 1
    ws = workspace.setup(cognito_here, mfa="OFF", quiet=True)
    assert workspace.load(cognito_here) == ws


def test_pool_settings_give_update_user_pool_the_pool_as_it_is(cognito_here):
    ws = workspace.setup(cognito_here, mfa="ON", quiet=True)
    before = cognito_here.describe_user_pool(UserPoolId=ws.pool_id)["UserPool"]
    settings = workspace.pool_settings(cognito_here, before)
    assert "UnusedAccountValidityDays" not in settings.get("AdminCreateUserConfig", {})
    settings["DeviceConfiguration"] = {"ChallengeRequiredOnNewDevice": True}
    cognito_here.update_user_pool(**settings)
    after = cognito_here.describe_user_pool(UserPoolId=ws.pool_id)["UserPool"]
    assert after["DeviceConfiguration"] == {"ChallengeRequiredOnNewDevice": True}
    for kept in ("MfaConfiguration", "Policies", "UserPoolTags", "Name"):
        assert after[kept] == before[kept], kept


def test_setup_turns_device_tracking_off_for_the_other_lessons(cognito_here):
    ws = workspace.setup(cognito_here, mfa="ON", quiet=True)
    pool = cognito_here.describe_user_pool(UserPoolId=ws.pool_id)["UserPool"]
    settings = workspace.pool_settings(cognito_here, pool)
    settings["DeviceConfiguration"] = {"DeviceOnlyRememberedOnUserPrompt": True}
    cognito_here.update_user_pool(**settings)
    workspace.setup(cognito_here, mfa="OFF", quiet=True)
    pool = cognito_here.describe_user_pool(UserPoolId=ws.pool_id)["UserPool"]
    assert "DeviceConfiguration" not in pool
    assert pool["MfaConfiguration"] == "OFF"
    assert pool["UserPoolTags"] == {workspace.TAG_KEY: workspace.TAG_VALUE}
