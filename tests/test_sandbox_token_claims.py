"""Every documented claim of the ID and access tokens (developer guide, Understanding the ID
token and Understanding the access token), and the validities the app client sets."""

from __future__ import annotations

import uuid

import jwt
import pytest
from support import PASSWORD

pytestmark = pytest.mark.contract

ROLE = "arn:aws:iam::123456789012:role/cognito-tutorial-readers"


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture
def described_user(make_pool):
    """A user with e-mail, phone, a custom attribute, two groups (one with a role)."""
    pool = make_pool(
        pool_settings={"Schema": [{"Name": "team", "AttributeDataType": "String", "Mutable": True}]}
    )
    user = f"ada-{uuid.uuid4().hex[:6]}"
    pool.cognito.admin_create_user(
        UserPoolId=pool.pool_id,
        Username=user,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": "ada@example.com"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "phone_number", "Value": "+12065550100"},
            {"Name": "phone_number_verified", "Value": "false"},
            {"Name": "custom:team", "Value": "analytical-engines"},
        ],
    )
    pool.cognito.admin_set_user_password(
        UserPoolId=pool.pool_id, Username=user, Password=PASSWORD, Permanent=True
    )
    pool.cognito.create_group(UserPoolId=pool.pool_id, GroupName="writers", Precedence=5)
    pool.cognito.create_group(
        UserPoolId=pool.pool_id, GroupName="readers", Precedence=1, RoleArn=ROLE
    )
    for group in ("writers", "readers"):
        pool.cognito.admin_add_user_to_group(
            UserPoolId=pool.pool_id, Username=user, GroupName=group
        )
    return pool, user


def test_the_id_token_describes_the_user(described_user):
    pool, user = described_user
    result = pool.sign_in(user)["AuthenticationResult"]
    id_claims = claims(result["IdToken"])
    assert id_claims["email"] == "ada@example.com"
    assert id_claims["email_verified"] is True  # a JSON boolean, not "true"
    assert id_claims["phone_number"] == "+12065550100"
    assert id_claims["phone_number_verified"] is False
    assert id_claims["custom:team"] == "analytical-engines"
    assert id_claims["cognito:username"] == user
    assert id_claims["cognito:groups"] == ["readers", "writers"]  # by precedence
    assert id_claims["cognito:roles"] == [ROLE]
    assert id_claims["cognito:preferred_role"] == ROLE
    assert id_claims["token_use"] == "id"
    assert id_claims["aud"] == pool.client_id
    for name in ("sub", "iss", "origin_jti", "event_id", "auth_time", "exp", "iat", "jti"):
        assert name in id_claims, name


def test_the_access_token_says_who_for_which_client_and_scope(described_user):
    pool, user = described_user
    result = pool.sign_in(user)["AuthenticationResult"]
    access = claims(result["AccessToken"])
    id_claims = claims(result["IdToken"])
    assert access["token_use"] == "access"
    assert access["client_id"] == pool.client_id
    assert access["username"] == user
    assert access["scope"] == "aws.cognito.signin.user.admin"
    assert access["cognito:groups"] == ["readers", "writers"]
    assert access["sub"] == id_claims["sub"]
    # One sign-in: one origin_jti and event, a jti of its own for each token.
    assert access["origin_jti"] == id_claims["origin_jti"]
    assert access["event_id"] == id_claims["event_id"]
    assert access["jti"] != id_claims["jti"]
    assert "email" not in access  # attributes are the ID token's
    assert "aud" not in access


def test_read_attributes_limit_what_the_id_token_shows(described_user):
    pool, user = described_user
    limited = pool.cognito.create_user_pool_client(
        UserPoolId=pool.pool_id,
        ClientName="email-only",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"],
        ReadAttributes=["email", "email_verified"],
    )["UserPoolClient"]["ClientId"]
    result = pool.cognito.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=limited,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    id_claims = claims(result["IdToken"])
    assert id_claims["email"] == "ada@example.com"
    assert "phone_number" not in id_claims
    assert "custom:team" not in id_claims


def test_each_sign_in_is_a_new_event(make_pool):
    pool = make_pool()
    user = pool.create_user()
    first = claims(pool.sign_in(user)["AuthenticationResult"]["AccessToken"])
    second = claims(pool.sign_in(user)["AuthenticationResult"]["AccessToken"])
    assert first["origin_jti"] != second["origin_jti"]
    assert first["event_id"] != second["event_id"]


def test_token_lifetimes_follow_the_app_client(make_pool):
    pool = make_pool(
        client_settings={
            "AccessTokenValidity": 10,
            "IdTokenValidity": 2,
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "hours"},
        }
    )
    result = pool.sign_in(pool.create_user())["AuthenticationResult"]
    access, id_claims = claims(result["AccessToken"]), claims(result["IdToken"])
    assert result["ExpiresIn"] == 600
    assert access["exp"] - access["iat"] == 600
    assert id_claims["exp"] - id_claims["iat"] == 2 * 60 * 60


def test_a_pool_that_signs_in_with_email_names_the_user_by_sub(make_pool):
    pool = make_pool(pool_settings={"UsernameAttributes": ["email"]})
    pool.cognito.admin_create_user(
        UserPoolId=pool.pool_id,
        Username="grace@example.com",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )
    pool.cognito.admin_set_user_password(
        UserPoolId=pool.pool_id, Username="grace@example.com", Password=PASSWORD, Permanent=True
    )
    result = pool.sign_in("grace@example.com")["AuthenticationResult"]
    id_claims = claims(result["IdToken"])
    assert id_claims["email"] == "grace@example.com"
    assert id_claims["cognito:username"] == id_claims["sub"]
    assert claims(result["AccessToken"])["username"] == id_claims["sub"]
