"""Tokens: RS256 JWTs with Cognito's claims, signed by a key the pool's JWKS serves; refresh,
revocation and sign-out."""

from __future__ import annotations

import json
import time
import urllib.request

import jwt
import pytest
from expect import cognito_error

pytestmark = pytest.mark.contract


@pytest.fixture
def signed_in(make_pool):
    pool = make_pool()
    user = pool.create_user()
    return pool, user, pool.sign_in(user)["AuthenticationResult"]


def jwks(pool) -> dict:
    """The pool's JWKS, where Cognito serves it: the endpoint's /{pool id}/.well-known/."""
    url = f"{pool.cognito.meta.endpoint_url}/{pool.pool_id}/.well-known/jwks.json"
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def verified_claims(pool, token, **options):
    header = jwt.get_unverified_header(token)
    keys = {key["kid"]: key for key in jwks(pool)["keys"]}
    assert header["alg"] == "RS256"
    assert header["kid"] in keys
    public_key = jwt.PyJWK(keys[header["kid"]]).key
    return jwt.decode(
        token,
        public_key,
        algorithms=["RS256"],
        issuer=f"https://cognito-idp.{pool.cognito.meta.region_name}.amazonaws.com/{pool.pool_id}",
        **options,
    )


def test_id_token_claims(signed_in):
    pool, user, result = signed_in
    claims = verified_claims(pool, result["IdToken"], audience=pool.client_id)
    assert claims["token_use"] == "id"
    assert claims["cognito:username"] == user
    assert claims["auth_time"] <= time.time() < claims["exp"]


def test_access_token_claims(signed_in):
    pool, user, result = signed_in
    claims = verified_claims(pool, result["AccessToken"], options={"verify_aud": False})
    assert claims["token_use"] == "access"
    assert claims["client_id"] == pool.client_id
    assert claims["username"] == user
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 3600


def test_refresh_token_auth_gives_new_tokens_but_no_new_refresh_token(signed_in):
    pool, user, result = signed_in
    refreshed = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
    )["AuthenticationResult"]
    assert {"AccessToken", "IdToken"} <= set(refreshed)
    assert "RefreshToken" not in refreshed
    assert pool.cognito.get_user(AccessToken=refreshed["AccessToken"])["Username"] == user


def test_revoke_token_refuses_the_refresh_token_and_its_access_tokens(signed_in):
    pool, _, result = signed_in
    pool.cognito.revoke_token(Token=result["RefreshToken"], ClientId=pool.client_id)
    with cognito_error("NotAuthorizedException", "Refresh Token has been revoked"):
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
        )
    with cognito_error("NotAuthorizedException", "Access Token has been revoked"):
        pool.cognito.get_user(AccessToken=result["AccessToken"])


def test_global_sign_out_ends_every_token(signed_in):
    pool, _, result = signed_in
    pool.cognito.global_sign_out(AccessToken=result["AccessToken"])
    with cognito_error("NotAuthorizedException", "Access Token has been revoked"):
        pool.cognito.get_user(AccessToken=result["AccessToken"])
    with cognito_error("NotAuthorizedException", "Refresh Token has been revoked"):
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
        )


def test_unknown_refresh_token(signed_in):
    pool, _, _ = signed_in
    with cognito_error("NotAuthorizedException", "Invalid Refresh Token."):
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": "not-a-token"},
        )


def test_revoked_access_token_cannot_enrol_an_authenticator(signed_in):
    pool, _, result = signed_in
    pool.cognito.global_sign_out(AccessToken=result["AccessToken"])
    with cognito_error("NotAuthorizedException", "Access Token has been revoked"):
        pool.cognito.associate_software_token(AccessToken=result["AccessToken"])


def test_an_expired_access_token_is_refused(signed_in, clock):
    pool, _, result = signed_in
    clock.advance(3601)
    with cognito_error("NotAuthorizedException", "Access Token has expired"):
        pool.cognito.get_user(AccessToken=result["AccessToken"])
