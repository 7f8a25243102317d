"""USER_SRP_AUTH: real SRP-6a over the 3072-bit group, interoperating with pycognito."""

from __future__ import annotations

import json

import pytest
from expect import cognito_error
from pycognito.aws_srp import AWSSRP
from support import PASSWORD

from cognito_tutorial.srp import SrpSignIn

pytestmark = pytest.mark.contract


def srp_sign_in(pool, username, password, *, api="public"):
    client = SrpSignIn(username, password, pool.pool_id, pool.client_id, pool.client_secret)
    if api == "public":
        started = pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_SRP_AUTH",
            AuthParameters=client.auth_parameters(),
        )
    else:
        started = pool.cognito.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            AuthFlow="USER_SRP_AUTH",
            AuthParameters=client.auth_parameters(),
        )
    assert started["ChallengeName"] == "PASSWORD_VERIFIER"
    assert "Session" not in started  # the SECRET_BLOCK names the challenge
    params = started["ChallengeParameters"]
    assert set(params) >= {"SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP", "USERNAME"}
    kwargs = {
        "ClientId": pool.client_id,
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeResponses": client.answer_password_verifier(params),
    }
    if api == "public":
        return pool.cognito.respond_to_auth_challenge(**kwargs)
    return pool.cognito.admin_respond_to_auth_challenge(UserPoolId=pool.pool_id, **kwargs)


@pytest.mark.parametrize("api", ["public", "admin"])
def test_srp_with_the_right_password_signs_in(make_pool, api):
    pool = make_pool()
    user = pool.create_user()
    assert "AuthenticationResult" in srp_sign_in(pool, user, PASSWORD, api=api)


def test_srp_with_a_wrong_password_is_refused(make_pool):
    pool = make_pool()
    user = pool.create_user()
    with cognito_error("NotAuthorizedException", "Incorrect username or password."):
        srp_sign_in(pool, user, "Wrong-Passw0rd!")


def test_srp_then_mfa_setup_when_mfa_is_on(make_pool):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    answered = srp_sign_in(pool, user, PASSWORD)
    assert answered["ChallengeName"] == "MFA_SETUP"
    assert json.loads(answered["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]


def test_srp_then_software_token_mfa_once_enrolled(make_pool, clock):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    pool.enrol_totp(user, clock)
    assert srp_sign_in(pool, user, PASSWORD)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_pycognito_awssrp_signs_in(make_pool):
    pool = make_pool()
    user = pool.create_user()
    srp = AWSSRP(
        username=user,
        password=PASSWORD,
        pool_id=pool.pool_id,
        client_id=pool.client_id,
        client=pool.cognito,
    )
    assert "AuthenticationResult" in srp.authenticate_user()


def test_srp_with_client_secret_needs_secret_hash(make_pool):
    pool = make_pool(secret=True)
    user = pool.create_user()
    assert "AuthenticationResult" in srp_sign_in(pool, user, PASSWORD)


def test_srp_unknown_user_with_existence_errors_prevented_fails_only_at_the_end(make_pool):
    pool = make_pool(prevent_existence=True)
    with cognito_error("NotAuthorizedException", "Incorrect username or password."):
        srp_sign_in(pool, "nobody", PASSWORD)


def test_srp_unknown_user_legacy(make_pool):
    pool = make_pool()
    with cognito_error("UserNotFoundException", "User does not exist."):
        srp_sign_in(pool, "nobody", PASSWORD)


def test_srp_flow_must_be_allowed(make_pool):
    pool = make_pool(flows=["ALLOW_USER_PASSWORD_AUTH"])
    user = pool.create_user()
    with cognito_error("InvalidParameterException", "USER_SRP_AUTH is not enabled for the client."):
        srp_sign_in(pool, user, PASSWORD)


def test_srp_a_must_not_be_zero_mod_n(make_pool):
    pool = make_pool()
    user = pool.create_user()
    with cognito_error("InvalidParameterException"):
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": user, "SRP_A": "0"},
        )


def test_password_verifier_answer_is_single_use(make_pool):
    pool = make_pool()
    user = pool.create_user()
    client = SrpSignIn(user, PASSWORD, pool.pool_id, pool.client_id)
    started = pool.cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=client.auth_parameters()
    )
    answers = client.answer_password_verifier(started["ChallengeParameters"])
    kwargs = dict(
        ClientId=pool.client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answers
    )
    assert "AuthenticationResult" in pool.cognito.respond_to_auth_challenge(**kwargs)
    with cognito_error(
        "NotAuthorizedException", "Invalid session for the user, session can only be used once."
    ):
        pool.cognito.respond_to_auth_challenge(**kwargs)


def test_timestamp_not_in_cognitos_format_fails_like_a_wrong_password(make_pool):
    from datetime import UTC, datetime

    pool = make_pool()
    user = pool.create_user()
    client = SrpSignIn(user, PASSWORD, pool.pool_id, pool.client_id)
    started = pool.cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=client.auth_parameters()
    )
    fifth = datetime(2026, 11, 5, 8, 3, 9, tzinfo=UTC)
    answers = client.answer_password_verifier(started["ChallengeParameters"], now=fifth)
    assert " 5 08:03:09" in answers["TIMESTAMP"]
    padded = dict(answers, TIMESTAMP=answers["TIMESTAMP"].replace(" 5 ", " 05 "))
    with cognito_error("NotAuthorizedException", "Incorrect username or password."):
        pool.cognito.respond_to_auth_challenge(
            ClientId=pool.client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=padded
        )
