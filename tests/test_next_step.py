"""next_step: the words and the keys for every challenge, and following it on the sandbox."""

from __future__ import annotations

import ast
import secrets

import pyotp
import pytest

from cognito_tutorial.errors import TutorialError
from cognito_tutorial.next_step import GUIDES, next_step
from cognito_tutorial.secret_hash import secret_hash

SESSION = "AYABe" + secrets.token_hex(300)


def challenge(name: str, **params: str) -> dict:
    return {
        "ChallengeName": name,
        "ChallengeParameters": {"USER_ID_FOR_SRP": "alice", **params},
        "Session": SESSION,
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("NEW_PASSWORD_REQUIRED", ("USERNAME", "NEW_PASSWORD")),
        ("MFA_SETUP", ("USERNAME",)),
        ("SOFTWARE_TOKEN_MFA", ("USERNAME", "SOFTWARE_TOKEN_MFA_CODE")),
        (
            "PASSWORD_VERIFIER",
            ("USERNAME", "PASSWORD_CLAIM_SIGNATURE", "PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP"),
        ),
        ("SMS_MFA", ("USERNAME", "SMS_MFA_CODE")),
        ("EMAIL_OTP", ("USERNAME", "EMAIL_OTP_CODE")),
        ("SMS_OTP", ("USERNAME", "SMS_OTP_CODE")),
        ("SELECT_MFA_TYPE", ("USERNAME", "ANSWER")),
        ("SELECT_CHALLENGE", ("USERNAME", "ANSWER")),
        ("CUSTOM_CHALLENGE", ("USERNAME", "ANSWER")),
        ("DEVICE_SRP_AUTH", ("USERNAME", "DEVICE_KEY", "SRP_A")),
        (
            "DEVICE_PASSWORD_VERIFIER",
            ("USERNAME", "DEVICE_KEY", "PASSWORD_CLAIM_SIGNATURE")
            + ("PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP"),
        ),
    ],
)
def test_each_challenge_names_its_keys_and_operation(name: str, keys: tuple[str, ...]) -> None:
    step = next_step(challenge(name))
    assert step.challenge_name == name
    assert step.challenge_responses == keys
    assert step.operations[-1] == "RespondToAuthChallenge"
    assert not step.signed_in
    assert step.session == f"{SESSION[:4]}…{SESSION[-4:]} ({len(SESSION)} chars)"
    ast.parse(step.example)  # the sketch is valid Python
    for output in (str(step), step._repr_html_()):
        assert SESSION[4:-4] not in output
        assert name in output


def test_admin_uses_admin_respond() -> None:
    step = next_step(challenge("SOFTWARE_TOKEN_MFA"), admin=True)
    assert step.operations == ("AdminRespondToAuthChallenge",)
    assert "admin_respond_to_auth_challenge(" in step.example
    assert "UserPoolId=USER_POOL_ID" in step.example


def test_secret_hash_is_added_when_the_client_has_a_secret() -> None:
    step = next_step(challenge("SOFTWARE_TOKEN_MFA"), has_secret=True)
    assert step.challenge_responses == ("USERNAME", "SOFTWARE_TOKEN_MFA_CODE", "SECRET_HASH")
    assert "secret_hash(username, CLIENT_ID, CLIENT_SECRET)" in step.example


def test_mfa_setup_starts_with_associate_software_token() -> None:
    step = next_step(challenge("MFA_SETUP", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]'), admin=True)
    assert step.operation == "AssociateSoftwareToken"
    assert step.operations == (
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "AdminRespondToAuthChallenge",
    )
    assert "SOFTWARE_TOKEN_MFA" in step.happened
    assert 'Session=verified["Session"]' in step.example
    assert "API_AssociateSoftwareToken.html" in step.reference


def test_new_password_required_adds_required_attributes() -> None:
    response = challenge(
        "NEW_PASSWORD_REQUIRED",
        requiredAttributes='["userAttributes.email", "name"]',
        userAttributes='{"email_verified": "true"}',
    )
    step = next_step(response)
    assert step.challenge_responses == (
        "USERNAME",
        "NEW_PASSWORD",
        "userAttributes.email",
        "userAttributes.name",
    )
    assert "email, name" in step.happened


def test_software_token_mfa_names_the_device() -> None:
    step = next_step(challenge("SOFTWARE_TOKEN_MFA", FRIENDLY_DEVICE_NAME="My phone"))
    assert "'My phone'" in step.happened


def test_select_challenge_lists_what_is_available() -> None:
    response = {**challenge("SELECT_CHALLENGE"), "AvailableChallenges": ["PASSWORD", "EMAIL_OTP"]}
    assert "PASSWORD, EMAIL_OTP" in next_step(response).happened


def test_signed_in_means_nothing_to_send() -> None:
    tokens = {
        "AccessToken": "eyJ" + secrets.token_hex(400),
        "IdToken": "eyJ" + secrets.token_hex(400),
    }
    step = next_step({"AuthenticationResult": {**tokens, "ExpiresIn": 3600, "TokenType": "Bearer"}})
    assert step.signed_in
    assert step.operations == () and step.operation is None
    assert step.session is None and step.example == ""
    assert "Nothing more to send" in step.todo and "3600 seconds" in step.happened
    for output in (str(step), step._repr_html_()):
        assert all(value[4:-4] not in output for value in tokens.values())


def test_a_new_device_key_leads_to_confirm_device() -> None:
    signed_in = {
        "AuthenticationResult": {
            "AccessToken": "a",
            "NewDeviceMetadata": {"DeviceKey": "us-east-1_x", "DeviceGroupKey": "-abcdefgh"},
        },
        "ChallengeParameters": {},
    }
    step = next_step(signed_in)
    assert step.signed_in and "ConfirmDevice" in step.todo
    assert "ConfirmDevice" not in next_step({"AuthenticationResult": {"AccessToken": "a"}}).todo


def test_unknown_challenge_points_at_the_api_reference() -> None:
    step = next_step(challenge("BRAND_NEW_CHALLENGE"))
    assert "BRAND_NEW_CHALLENGE" in step.happened
    assert step.reference.endswith("API_RespondToAuthChallenge.html")
    assert step.challenge_responses == ("USERNAME",)
    ast.parse(step.example)


def test_enrolment_responses_lead_on_to_mfa_setup() -> None:
    associated = next_step({"SecretCode": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ", "Session": SESSION})
    assert associated.operations == ("VerifySoftwareToken", "RespondToAuthChallenge")
    assert associated.challenge_name == "MFA_SETUP"
    assert "JBSW" not in str(associated) and "JBSW" not in associated._repr_html_()
    verified = next_step({"Status": "SUCCESS", "Session": SESSION})
    assert verified.operations == ("RespondToAuthChallenge",)
    assert verified.challenge_name == "MFA_SETUP"
    signed_in = next_step({"Status": "SUCCESS"})
    assert signed_in.operations == ("SetUserMFAPreference",)


def test_a_response_it_cannot_read() -> None:
    step = next_step({"UserPools": []})
    assert step.operations == () and not step.signed_in
    assert "not a sign-in step" in step.happened


def test_not_a_dict() -> None:
    with pytest.raises(TutorialError):
        next_step(None)  # type: ignore[arg-type]


def test_guides_have_unique_keys_and_words() -> None:
    keys = [guide.key for guide in GUIDES]
    assert len(keys) == len(set(keys))
    assert all(guide.happened and guide.todo for guide in GUIDES)


def test_html_is_semantic_and_theme_aware() -> None:
    page = next_step(challenge("SOFTWARE_TOKEN_MFA"))._repr_html_()
    assert "<caption" in page and '<th scope="row"' in page and "var(--jp-" in page
    assert "white" not in page


# --- Following next_step on the real sandbox -------------------------------------------------


def test_following_next_step_signs_in_on_the_sandbox(make_pool, clock) -> None:
    pool = make_pool(mfa="ON", secret=True)
    username = pool.create_user()
    cognito = pool.cognito
    hashed = secret_hash(username, pool.client_id, pool.client_secret)
    values = {"USERNAME": username, "SECRET_HASH": hashed}

    def start() -> dict:
        return cognito.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": "Corr3ct-Horse!", **values},
        )

    def answer(step, session: str, **more: str) -> dict:
        """Send exactly the ChallengeResponses keys next_step named."""
        return cognito.admin_respond_to_auth_challenge(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            ChallengeName=step.challenge_name,
            Session=session,
            ChallengeResponses={k: {**values, **more}[k] for k in step.challenge_responses},
        )

    response = start()
    step = next_step(response, admin=True, has_secret=True)
    assert step.operations[0] == "AssociateSoftwareToken"
    associated = cognito.associate_software_token(Session=response["Session"])
    app = pyotp.TOTP(associated["SecretCode"])
    verified = cognito.verify_software_token(
        Session=associated["Session"], UserCode=app.at(clock.now())
    )
    step = next_step(verified, admin=True, has_secret=True)
    done = answer(step, verified["Session"])
    assert next_step(done).signed_in

    clock.advance(30)
    response = start()
    step = next_step(response, admin=True, has_secret=True)
    assert step.challenge_name == "SOFTWARE_TOKEN_MFA"
    done = answer(step, response["Session"], SOFTWARE_TOKEN_MFA_CODE=app.at(clock.now()))
    assert next_step(done, admin=True).signed_in
