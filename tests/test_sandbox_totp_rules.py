"""TOTP rules the API reference states: who may have a secret, when a new authenticator
replaces the old one, who may turn TOTP on or off, and deleting a user's authenticator."""

from __future__ import annotations

import pyotp
import pytest
from expect import cognito_error

pytestmark = pytest.mark.contract

NOT_ON_DELIVERY = "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"


def sign_in_with_code(pool, user, app, clock):
    challenge = pool.sign_in(user)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    return pool.cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": app.at(clock.now())},
    )


def test_a_pool_without_totp_gives_no_secret(make_pool):
    """TOTP developer guide: AssociateSoftwareToken in a pool whose software token MFA is not
    enabled."""
    pool = make_pool(mfa="OFF")
    access_token = pool.sign_in(pool.create_user())["AuthenticationResult"]["AccessToken"]
    with cognito_error(
        "SoftwareTokenMFANotFoundException",
        "Software Token MFA has not been enabled by the userPool",
    ):
        pool.cognito.associate_software_token(AccessToken=access_token)


def test_totp_cannot_be_turned_on_before_an_authenticator_is_verified(make_pool):
    pool = make_pool(mfa="OPTIONAL")
    user = pool.create_user()
    access_token = pool.sign_in(user)["AuthenticationResult"]["AccessToken"]
    with cognito_error("InvalidParameterException", NOT_ON_DELIVERY):
        pool.cognito.set_user_mfa_preference(
            AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True}
        )
    pool.cognito.associate_software_token(AccessToken=access_token)  # not verified yet
    with cognito_error("InvalidParameterException", NOT_ON_DELIVERY):
        pool.cognito.admin_set_user_mfa_preference(
            UserPoolId=pool.pool_id,
            Username=user,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )


@pytest.mark.parametrize("mfa", ["OPTIONAL", "ON"])
def test_the_old_authenticator_works_until_a_new_one_is_verified(make_pool, clock, mfa):
    """AssociateSoftwareToken (API reference): "Amazon Cognito disassociates an existing
    software token when you verify the new token in a VerifySoftwareToken API request"."""
    pool = make_pool(mfa=mfa)
    user = pool.create_user()
    if mfa == "ON":
        old_app = pool.enrol_totp(user, clock)
    else:
        old_app = enrol_with_access_token(pool, user, clock)
    clock.advance(30)
    tokens = sign_in_with_code(pool, user, old_app, clock)["AuthenticationResult"]
    new_secret = pool.cognito.associate_software_token(AccessToken=tokens["AccessToken"])
    new_app = pyotp.TOTP(new_secret["SecretCode"])
    clock.advance(30)
    assert "AuthenticationResult" in sign_in_with_code(pool, user, old_app, clock)  # still
    clock.advance(30)
    pool.cognito.verify_software_token(
        AccessToken=tokens["AccessToken"], UserCode=new_app.at(clock.now())
    )
    clock.advance(30)
    challenge = pool.sign_in(user)
    with cognito_error("CodeMismatchException"):
        pool.cognito.admin_respond_to_auth_challenge(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"],
            ChallengeResponses={
                "USERNAME": user,
                "SOFTWARE_TOKEN_MFA_CODE": old_app.at(clock.now()),
            },
        )
    assert "AuthenticationResult" in sign_in_with_code(pool, user, new_app, clock)


def enrol_with_access_token(pool, user, clock) -> pyotp.TOTP:
    access_token = pool.sign_in(user)["AuthenticationResult"]["AccessToken"]
    secret = pool.cognito.associate_software_token(AccessToken=access_token)["SecretCode"]
    app = pyotp.TOTP(secret)
    pool.cognito.verify_software_token(AccessToken=access_token, UserCode=app.at(clock.now()))
    pool.cognito.set_user_mfa_preference(
        AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    return app


def test_with_mfa_on_totp_cannot_be_turned_off(make_pool, clock):
    """SoftwareTokenMfaSettingsType: "You can't turn off TOTP MFA for any of your users when
    MFA is required in your user pool"; the request succeeds and changes nothing."""
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    pool.enrol_totp(user, clock)
    pool.cognito.admin_set_user_mfa_preference(
        UserPoolId=pool.pool_id, Username=user, SoftwareTokenMfaSettings={"Enabled": False}
    )
    assert pool.sign_in(user)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    described = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=user)
    assert described["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]


def test_with_mfa_optional_totp_can_be_turned_off_and_on_again(make_pool, clock):
    pool = make_pool(mfa="OPTIONAL")
    user = pool.create_user()
    app = enrol_with_access_token(pool, user, clock)
    pool.cognito.admin_set_user_mfa_preference(
        UserPoolId=pool.pool_id, Username=user, SoftwareTokenMfaSettings={"Enabled": False}
    )
    assert "AuthenticationResult" in pool.sign_in(user)
    pool.cognito.admin_set_user_mfa_preference(  # the verified authenticator is still there
        UserPoolId=pool.pool_id, Username=user, SoftwareTokenMfaSettings={"Enabled": True}
    )
    clock.advance(30)
    assert "AuthenticationResult" in sign_in_with_code(pool, user, app, clock)


@pytest.mark.parametrize(("mfa", "next_step"), [("ON", "MFA_SETUP"), ("OPTIONAL", None)])
def test_admin_delete_software_token(make_pool, clock, mfa, next_step):
    """AdminDeleteSoftwareToken (API reference): the user can no longer sign in with TOTP;
    with MFA required and no other factor, the next sign-in is an MFA_SETUP challenge."""
    pool = make_pool(mfa=mfa)
    user = pool.create_user()
    if mfa == "ON":
        pool.enrol_totp(user, clock)
    else:
        enrol_with_access_token(pool, user, clock)
    pool.cognito.admin_delete_software_token(UserPoolId=pool.pool_id, Username=user)
    answer = pool.sign_in(user)
    assert answer.get("ChallengeName") == next_step
    described = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=user)
    assert described["UserMFASettingList"] == []
    assert described.get("PreferredMfaSetting", "") == ""
