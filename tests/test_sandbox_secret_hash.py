"""App clients with a secret: SECRET_HASH is required and checked wherever it is taken."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pyotp
import pytest
from expect import cognito_error
from support import PASSWORD

pytestmark = pytest.mark.contract


def secret_hash(username: str, client_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def initiate(pool, user, **extra):
    return pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD, **extra},
    )


def test_missing_secret_hash_on_initiate_auth(make_pool):
    pool = make_pool(secret=True)
    user = pool.create_user()
    with cognito_error(
        "NotAuthorizedException",
        f"Client {pool.client_id} is configured with secret but SECRET_HASH was not received",
    ):
        initiate(pool, user)


def test_wrong_secret_hash_on_initiate_auth(make_pool):
    pool = make_pool(secret=True)
    user = pool.create_user()
    with cognito_error(
        "NotAuthorizedException", f"Unable to verify secret hash for client {pool.client_id}"
    ):
        initiate(pool, user, SECRET_HASH=secret_hash(user, pool.client_id, "not-the-secret"))


def test_right_secret_hash_signs_in_on_both_apis(make_pool):
    pool = make_pool(secret=True)
    user = pool.create_user()
    good = secret_hash(user, pool.client_id, pool.client_secret)
    assert "AuthenticationResult" in initiate(pool, user, SECRET_HASH=good)
    admin = pool.cognito.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD, "SECRET_HASH": good},
    )
    assert "AuthenticationResult" in admin


@pytest.mark.parametrize("sent", ["missing", "wrong"])
def test_secret_hash_checked_on_respond_to_auth_challenge(make_pool, clock, sent):
    pool = make_pool(mfa="ON", secret=True)
    user = pool.create_user()
    good = secret_hash(user, pool.client_id, pool.client_secret)
    setup = initiate(pool, user, SECRET_HASH=good)
    associated = pool.cognito.associate_software_token(Session=setup["Session"])
    app = pyotp.TOTP(associated["SecretCode"])
    verified = pool.cognito.verify_software_token(
        Session=associated["Session"], UserCode=app.at(clock.now())
    )
    responses = {"USERNAME": user}
    if sent == "wrong":
        responses["SECRET_HASH"] = secret_hash(user, pool.client_id, "nope")
    with cognito_error("NotAuthorizedException"):
        pool.cognito.respond_to_auth_challenge(
            ClientId=pool.client_id,
            ChallengeName="MFA_SETUP",
            Session=verified["Session"],
            ChallengeResponses=responses,
        )
    responses["SECRET_HASH"] = good  # the session was not spent by the refused answer
    done = pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses=responses,
    )
    assert "AuthenticationResult" in done


def test_secret_hash_checked_on_refresh(make_pool):
    pool = make_pool(secret=True)
    user = pool.create_user()
    good = secret_hash(user, pool.client_id, pool.client_secret)
    refresh = initiate(pool, user, SECRET_HASH=good)["AuthenticationResult"]["RefreshToken"]
    with cognito_error("NotAuthorizedException"):
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh},
        )
    refreshed = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh, "SECRET_HASH": good},
    )
    assert "AccessToken" in refreshed["AuthenticationResult"]


def test_client_without_secret_ignores_secret_hash(make_pool):
    pool = make_pool()
    user = pool.create_user()
    assert "AuthenticationResult" in initiate(pool, user)
