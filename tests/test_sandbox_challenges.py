"""NEW_PASSWORD_REQUIRED, MFA_SETUP, enrolment, SOFTWARE_TOKEN_MFA, sessions and TOTP rules."""

from __future__ import annotations

import json
import re

import pyotp
import pytest
from expect import cognito_error
from support import PASSWORD

pytestmark = pytest.mark.contract

NEW_PASSWORD = "N3w-Passw0rd!"


def answer(pool, challenge, session, **responses):
    return pool.cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        ChallengeName=challenge,
        Session=session,
        ChallengeResponses=responses,
    )


def mfa_code(pool, session, username, code):
    return answer(
        pool, "SOFTWARE_TOKEN_MFA", session, USERNAME=username, SOFTWARE_TOKEN_MFA_CODE=code
    )


def invited_user(pool, username="invited"):
    pool.cognito.admin_create_user(
        UserPoolId=pool.pool_id,
        Username=username,
        TemporaryPassword="Temp-Passw0rd!",
        UserAttributes=[{"Name": "email", "Value": "invited@example.com"}],
        MessageAction="SUPPRESS",
    )
    return username


def test_temporary_password_leads_to_new_password_then_mfa_setup(make_pool):
    pool = make_pool(mfa="ON")
    user = invited_user(pool)
    first = pool.sign_in(user, "Temp-Passw0rd!")
    assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    params = first["ChallengeParameters"]
    assert params["USER_ID_FOR_SRP"] == user
    assert json.loads(params["requiredAttributes"]) == []
    assert json.loads(params["userAttributes"])["email"] == "invited@example.com"
    second = answer(
        pool, "NEW_PASSWORD_REQUIRED", first["Session"], USERNAME=user, NEW_PASSWORD=NEW_PASSWORD
    )
    assert second["ChallengeName"] == "MFA_SETUP"
    assert "AuthenticationResult" not in second
    status = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=user)["UserStatus"]
    assert status == "CONFIRMED"


def test_new_password_must_meet_the_policy_and_the_challenge_stands(make_pool):
    pool = make_pool()
    user = invited_user(pool)
    first = pool.sign_in(user, "Temp-Passw0rd!")
    with cognito_error(
        "InvalidPasswordException",
        "Password did not conform with password policy: Password not long enough",
    ):
        answer(pool, "NEW_PASSWORD_REQUIRED", first["Session"], USERNAME=user, NEW_PASSWORD="Ab1!")
    done = answer(
        pool, "NEW_PASSWORD_REQUIRED", first["Session"], USERNAME=user, NEW_PASSWORD=NEW_PASSWORD
    )
    assert "AuthenticationResult" in done  # MFA OFF: tokens straight away


def test_mfa_on_without_a_factor_gets_mfa_setup_from_both_apis(make_pool):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    admin = pool.sign_in(user)
    public = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
    )
    for response in (admin, public):
        assert response["ChallengeName"] == "MFA_SETUP"
        can_setup = response["ChallengeParameters"]["MFAS_CAN_SETUP"]
        assert isinstance(can_setup, str)
        assert json.loads(can_setup) == ["SOFTWARE_TOKEN_MFA"]


def test_mfa_optional_without_a_factor_gets_tokens(make_pool):
    pool = make_pool(mfa="OPTIONAL")
    user = pool.create_user()
    assert "AuthenticationResult" in pool.sign_in(user)


def test_associate_gives_a_fresh_160_bit_base32_secret_per_user(make_pool):
    pool = make_pool(mfa="ON")
    secrets = []
    for name in ("ann", "bob"):
        user = pool.create_user(name)
        associated = pool.cognito.associate_software_token(Session=pool.sign_in(user)["Session"])
        secret = associated["SecretCode"]
        assert re.fullmatch(r"[A-Z2-7]{32,}", secret)
        assert len(secret) * 5 >= 160
        assert pyotp.TOTP(secret).now().isdigit()  # pyotp accepts it
        assert associated["Session"]
        secrets.append(secret)
    assert secrets[0] != secrets[1]


def test_verify_wrong_code_then_right_code_then_mfa_setup_completes(make_pool, clock):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    associated = pool.cognito.associate_software_token(Session=pool.sign_in(user)["Session"])
    app = pyotp.TOTP(associated["SecretCode"])
    wrong = str((int(app.at(clock.now())) + 1) % 1_000_000).zfill(6)
    with cognito_error(
        "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA"
    ):
        pool.cognito.verify_software_token(Session=associated["Session"], UserCode=wrong)
    verified = pool.cognito.verify_software_token(
        Session=associated["Session"], UserCode=app.at(clock.now()), FriendlyDeviceName="Phone"
    )
    assert verified["Status"] == "SUCCESS"
    done = answer(pool, "MFA_SETUP", verified["Session"], USERNAME=user)
    assert set(done["AuthenticationResult"]) >= {"AccessToken", "IdToken", "RefreshToken"}
    got = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=user)
    assert got["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert got["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def test_mfa_setup_before_verifying_is_refused(make_pool):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    setup = pool.sign_in(user)
    with cognito_error("NotAuthorizedException"):
        answer(pool, "MFA_SETUP", setup["Session"], USERNAME=user)


def test_enrol_with_access_token_then_set_preference(make_pool, clock):
    pool = make_pool(mfa="OPTIONAL")
    user = pool.create_user()
    access = pool.sign_in(user)["AuthenticationResult"]["AccessToken"]
    associated = pool.cognito.associate_software_token(AccessToken=access)
    assert "Session" not in associated
    app = pyotp.TOTP(associated["SecretCode"])
    # Order matters: the preference cannot be set before the app is verified.
    with cognito_error(
        "InvalidParameterException",
        "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA",
    ):
        pool.cognito.set_user_mfa_preference(
            AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
        )
    verified = pool.cognito.verify_software_token(AccessToken=access, UserCode=app.at(clock.now()))
    assert verified["Status"] == "SUCCESS"
    assert "Session" not in verified
    assert "AuthenticationResult" in pool.sign_in(user)  # verified but not yet enabled
    pool.cognito.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    assert pool.sign_in(user)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    pool.cognito.admin_set_user_mfa_preference(
        UserPoolId=pool.pool_id, Username=user, SoftwareTokenMfaSettings={"Enabled": False}
    )
    assert "AuthenticationResult" in pool.sign_in(user)


def test_software_token_mfa_challenge_parameters(make_pool, clock):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    pool.enrol_totp(user, clock)
    challenge = pool.sign_in(user)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == user
    assert "FRIENDLY_DEVICE_NAME" in challenge["ChallengeParameters"]


def test_wrong_code_is_a_mismatch_and_the_challenge_stands(make_pool, clock):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    app = pool.enrol_totp(user, clock)
    clock.advance(30)
    session = pool.sign_in(user)["Session"]
    wrong = str((int(app.at(clock.now())) + 1) % 1_000_000).zfill(6)
    with cognito_error("CodeMismatchException", "Invalid code received for user"):
        mfa_code(pool, session, user, wrong)
    done = mfa_code(pool, session, user, app.at(clock.now()))
    assert "AuthenticationResult" in done


def test_enrolment_code_cannot_sign_in_again(make_pool, clock):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    app = pool.enrol_totp(user, clock)
    session = pool.sign_in(user)["Session"]
    with cognito_error("ExpiredCodeException", "Your software token has already been used once."):
        mfa_code(pool, session, user, app.at(clock.now()))
    clock.advance(30)  # the next code works, on the same session
    assert "AuthenticationResult" in mfa_code(pool, session, user, app.at(clock.now()))


def test_a_code_is_accepted_once(make_pool, clock):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    app = pool.enrol_totp(user, clock)
    clock.advance(30)
    code = app.at(clock.now())
    assert "AuthenticationResult" in mfa_code(pool, pool.sign_in(user)["Session"], user, code)
    with cognito_error("ExpiredCodeException", "Your software token has already been used once."):
        mfa_code(pool, pool.sign_in(user)["Session"], user, code)


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-30, True), (30, True), (-60, False), (60, False)]
)
def test_one_time_step_of_drift_either_way(make_pool, clock, offset, accepted):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    app = pool.enrol_totp(user, clock)
    clock.advance(90)  # well past the enrolment step
    session = pool.sign_in(user)["Session"]
    code = app.at(clock.now() + offset)
    if accepted:
        assert "AuthenticationResult" in mfa_code(pool, session, user, code)
    else:
        with cognito_error("CodeMismatchException"):
            mfa_code(pool, session, user, code)


def test_totp_codes_follow_rfc_6238(make_pool, clock):
    """The sandbox accepts exactly the SHA-1, 6-digit, 30 s code an authenticator shows."""
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    app = pool.enrol_totp(user, clock)
    assert (app.digest().name, app.digits, app.interval) == ("sha1", 6, 30)
    clock.advance(30)
    session = pool.sign_in(user)["Session"]
    six_digits_other_algorithm = pyotp.TOTP(app.secret, digest="sha256").at(clock.now())
    if six_digits_other_algorithm != app.at(clock.now()):
        with cognito_error("CodeMismatchException"):
            mfa_code(pool, session, user, six_digits_other_algorithm)
    assert "AuthenticationResult" in mfa_code(pool, session, user, app.at(clock.now()))


def test_a_session_is_single_use(make_pool, clock):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    app = pool.enrol_totp(user, clock)
    clock.advance(30)
    session = pool.sign_in(user)["Session"]
    mfa_code(pool, session, user, app.at(clock.now()))
    clock.advance(30)
    with cognito_error(
        "NotAuthorizedException", "Invalid session for the user, session can only be used once."
    ):
        mfa_code(pool, session, user, app.at(clock.now()))


def test_a_session_expires_after_three_minutes_by_default(make_pool, clock):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    app = pool.enrol_totp(user, clock)
    session = pool.sign_in(user)["Session"]
    clock.advance(3 * 60 + 1)
    with cognito_error(
        "NotAuthorizedException", "Invalid session for the user, session is expired."
    ):
        mfa_code(pool, session, user, app.at(clock.now()))


def test_session_validity_follows_the_client_setting(make_pool, clock):
    pool = make_pool(mfa="ON", session_minutes=10)
    user = pool.create_user()
    app = pool.enrol_totp(user, clock)
    session = pool.sign_in(user)["Session"]
    clock.advance(9 * 60)
    assert "AuthenticationResult" in mfa_code(pool, session, user, app.at(clock.now()))


def test_an_unknown_session_is_refused(make_pool):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    with cognito_error("NotAuthorizedException", "Invalid session for the user."):
        mfa_code(pool, "x" * 40, user, "123456")


def test_mfa_setup_sessions_expire_too(make_pool, clock):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    setup = pool.sign_in(user)
    clock.advance(181)
    with cognito_error(
        "NotAuthorizedException", "Invalid session for the user, session is expired."
    ):
        pool.cognito.associate_software_token(Session=setup["Session"])
