"""GetTokensFromRefreshToken, with and without refresh token rotation (the only way current
Amplify JS refreshes), beside REFRESH_TOKEN_AUTH."""

from __future__ import annotations

import jwt
import pytest
from expect import cognito_error
from support import PASSWORD

from cognito_tutorial.secret_hash import secret_hash

pytestmark = pytest.mark.contract

ROTATION = {"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}}


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def signed_in(pool):
    user = pool.create_user()
    return user, pool.sign_in(user)["AuthenticationResult"]


def test_without_rotation_new_id_and_access_tokens_and_no_refresh_token(make_pool):
    pool = make_pool()
    user, tokens = signed_in(pool)
    result = pool.cognito.get_tokens_from_refresh_token(
        RefreshToken=tokens["RefreshToken"], ClientId=pool.client_id
    )["AuthenticationResult"]
    assert "RefreshToken" not in result
    assert result["AccessToken"] != tokens["AccessToken"]
    assert pool.cognito.get_user(AccessToken=result["AccessToken"])["Username"] == user
    # The same sign-in: its origin_jti and auth_time carry over; each token has its own jti.
    before, after = claims(tokens["AccessToken"]), claims(result["AccessToken"])
    assert after["origin_jti"] == before["origin_jti"]
    assert after["auth_time"] == before["auth_time"]
    assert after["jti"] != before["jti"]
    assert claims(result["IdToken"])["aud"] == pool.client_id
    # The refresh token keeps working, with either operation.
    pool.cognito.get_tokens_from_refresh_token(
        RefreshToken=tokens["RefreshToken"], ClientId=pool.client_id
    )
    pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )


def test_with_rotation_a_new_refresh_token_each_time(make_pool):
    pool = make_pool(client_settings=ROTATION)
    user, tokens = signed_in(pool)
    first = pool.cognito.get_tokens_from_refresh_token(
        RefreshToken=tokens["RefreshToken"], ClientId=pool.client_id
    )["AuthenticationResult"]
    assert first["RefreshToken"] != tokens["RefreshToken"]
    second = pool.cognito.get_tokens_from_refresh_token(
        RefreshToken=first["RefreshToken"], ClientId=pool.client_id
    )["AuthenticationResult"]
    assert second["RefreshToken"] not in (tokens["RefreshToken"], first["RefreshToken"])
    assert pool.cognito.get_user(AccessToken=second["AccessToken"])["Username"] == user


def test_with_rotation_refresh_token_auth_is_refused(make_pool):
    """Developer guide, Refresh tokens: "You can't authenticate with REFRESH_TOKEN_AUTH in app
    clients with refresh token rotation enabled"."""
    pool = make_pool(client_settings=ROTATION)
    _, tokens = signed_in(pool)
    with cognito_error("InvalidParameterException"):
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )


@pytest.mark.sandbox_only("moves the clock past the grace period at once")
def test_a_rotated_out_token_works_for_the_grace_period_then_is_reused(make_pool, clock):
    pool = make_pool(client_settings=ROTATION)
    _, tokens = signed_in(pool)
    pool.cognito.get_tokens_from_refresh_token(
        RefreshToken=tokens["RefreshToken"], ClientId=pool.client_id
    )
    clock.advance(5)  # a client's retry within RetryGracePeriodSeconds (10) still works
    pool.cognito.get_tokens_from_refresh_token(
        RefreshToken=tokens["RefreshToken"], ClientId=pool.client_id
    )
    clock.advance(11)
    with cognito_error("RefreshTokenReuseException"):
        pool.cognito.get_tokens_from_refresh_token(
            RefreshToken=tokens["RefreshToken"], ClientId=pool.client_id
        )


@pytest.mark.sandbox_only("moves the clock by days")
def test_a_rotated_refresh_token_keeps_the_first_ones_expiry(make_pool, clock):
    """AWS re:Post, Rotated Refresh Token Validity: rotation gives new tokens but "doesn't
    extend the original expiration window"."""
    pool = make_pool(
        client_settings={**ROTATION, "RefreshTokenValidity": 2, "TokenValidityUnits": {}}
    )
    _, tokens = signed_in(pool)
    clock.advance(24 * 60 * 60)
    rotated = pool.cognito.get_tokens_from_refresh_token(
        RefreshToken=tokens["RefreshToken"], ClientId=pool.client_id
    )["AuthenticationResult"]["RefreshToken"]
    clock.advance(24 * 60 * 60 + 1)  # two days after the sign-in, one after the rotation
    with cognito_error("NotAuthorizedException", "Refresh Token has expired"):
        pool.cognito.get_tokens_from_refresh_token(RefreshToken=rotated, ClientId=pool.client_id)


def test_a_client_with_a_secret_needs_it(make_pool):
    pool = make_pool(secret=True)
    user = pool.create_user()
    tokens = pool.cognito.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": user,
            "PASSWORD": PASSWORD,
            "SECRET_HASH": secret_hash(user, pool.client_id, pool.client_secret),
        },
    )["AuthenticationResult"]
    with cognito_error("NotAuthorizedException"):
        pool.cognito.get_tokens_from_refresh_token(
            RefreshToken=tokens["RefreshToken"], ClientId=pool.client_id
        )
    result = pool.cognito.get_tokens_from_refresh_token(
        RefreshToken=tokens["RefreshToken"],
        ClientId=pool.client_id,
        ClientSecret=pool.client_secret,
    )["AuthenticationResult"]
    assert "AccessToken" in result


def test_a_revoked_refresh_token_is_refused(make_pool):
    pool = make_pool()
    _, tokens = signed_in(pool)
    pool.cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.client_id)
    with cognito_error("NotAuthorizedException", "Refresh Token has been revoked"):
        pool.cognito.get_tokens_from_refresh_token(
            RefreshToken=tokens["RefreshToken"], ClientId=pool.client_id
        )


def test_another_clients_refresh_token_is_invalid(make_pool):
    pool = make_pool()
    _, tokens = signed_in(pool)
    other = pool.cognito.create_user_pool_client(
        UserPoolId=pool.pool_id, ClientName="other", ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    with cognito_error("NotAuthorizedException", "Invalid Refresh Token."):
        pool.cognito.get_tokens_from_refresh_token(
            RefreshToken=tokens["RefreshToken"], ClientId=other
        )
