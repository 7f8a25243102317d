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
def test_ensure_totp_enrols_the_demo_user_once(cognito_here, mfa):
    ws = workspace.setup(cognito_here, mfa=mfa, quiet=True)
    secret = workspace.ensure_totp(cognito_here, ws)
    assert secret and workspace.load(cognito_here).totp_secret == secret
    user = cognito_here.admin_get_user(UserPoolId=ws.pool_id, Username=ws.username)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert workspace.ensure_totp(cognito_here, ws) == secret  # no second enrolment


def test_new_password_meets_the_default_policy():
    import re

    for _ in range(50):
        password = workspace.new_password()
        assert len(password) >= 8
        assert all(re.search(p, password) for p in ("[A-Z]", "[a-z]", "[0-9]", "[^A-Za-z0-9]"))
