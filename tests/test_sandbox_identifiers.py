"""Identifiers shaped like the service's: pool and app client ids, client secrets, Sessions."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from support import PASSWORD

from cognito_tutorial.sandbox import directory
from cognito_tutorial.sandbox.credentials import load_or_create
from cognito_tutorial.sandbox.paths import state_dir
from cognito_tutorial.secret_hash import secret_hash

pytestmark = pytest.mark.contract


def test_a_pool_id_is_the_region_and_nine_letters_and_digits(make_pool):
    pool = make_pool()
    region = pool.cognito.meta.region_name
    assert re.fullmatch(rf"{region}_[A-Za-z0-9]{{9}}", pool.pool_id), pool.pool_id


def test_an_app_client_id_is_26_lower_case_letters_and_digits(make_pool):
    pool = make_pool(secret=True)
    assert re.fullmatch(r"[a-z0-9]{26}", pool.client_id), pool.client_id
    # The API model's ClientSecretType: 24-64 characters of [\w+]; RevokeToken takes it whole.
    assert re.fullmatch(r"[\w+]{24,64}", pool.client_secret), pool.client_secret


def test_revoke_token_takes_the_client_secret_it_was_given(make_pool):
    pool = make_pool(secret=True)
    user = pool.create_user()
    tokens = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": user,
            "PASSWORD": PASSWORD,
            "SECRET_HASH": secret_hash(user, pool.client_id, pool.client_secret),
        },
    )["AuthenticationResult"]
    pool.cognito.revoke_token(
        Token=tokens["RefreshToken"], ClientId=pool.client_id, ClientSecret=pool.client_secret
    )


def test_a_session_never_starts_with_a_dash(make_pool):
    """A Session is an option's value on a command line (aws ... --session VALUE): one that
    began with '-' (about one in 64, before) was read as another option."""
    pool = make_pool(mfa="ON")
    sessions = [pool.sign_in(pool.create_user())["Session"] for _ in range(20)]
    for session in sessions:
        assert session.startswith("AYAB"), session[:8]  # as Cognito's Sessions begin


@pytest.mark.sandbox_only("drives the AWS CLI installed beside the tests at the sandbox")
@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed here")
def test_the_aws_cli_takes_a_session_as_an_option_value(make_pool, sandbox_url, tmp_path):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    session = pool.sign_in(user)["Session"]
    key = load_or_create(state_dir())
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    answer = subprocess.run(
        [
            "aws",
            "cognito-idp",
            "associate-software-token",
            "--session",
            session,
            "--endpoint-url",
            sandbox_url,
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    assert '"SecretCode"' in answer.stdout


@pytest.mark.sandbox_only("a state file from an older sandbox")
def test_a_pool_with_an_older_sandbox_id_still_works(cognito, monkeypatch):
    """Pools saved by a sandbox that used moto's ids (us-east-1_<32 hex>) keep working."""
    monkeypatch.setattr(directory._moto_models, "generate_id", directory._moto_generate_id)
    old = cognito.create_user_pool(PoolName="test-old-ids")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=old, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    monkeypatch.undo()
    try:
        assert re.fullmatch(r"us-east-1_[0-9a-f]{32}", old)
        cognito.admin_create_user(UserPoolId=old, Username="u", MessageAction="SUPPRESS")
        cognito.admin_set_user_password(
            UserPoolId=old, Username="u", Password=PASSWORD, Permanent=True
        )
        result = cognito.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "u", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        assert cognito.get_user(AccessToken=result["AccessToken"])["Username"] == "u"
    finally:
        cognito.delete_user_pool(UserPoolId=old)
