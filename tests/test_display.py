"""Redaction, the response view, and the wire view of real requests to the sandbox."""

from __future__ import annotations

import json
import secrets

import pytest
from botocore.awsrequest import AWSPreparedRequest
from support import client_for

from cognito_tutorial.display import (
    is_secret_key,
    last_request,
    record_wire,
    redact,
    show,
)
from cognito_tutorial.errors import TutorialError


def secret_value(length: int = 64) -> str:
    return secrets.token_hex(length // 2)


def leaks(value: str, *outputs: str) -> bool:
    """Whether any output holds a usable piece of value (more than the 4+4 characters kept)."""
    middle = value[4:-4]
    return any(value in out or (len(middle) >= 8 and middle[:12] in out) for out in outputs)


def test_redact_keeps_ends_and_length() -> None:
    token = "eyJr" + "x" * 1013 + "Q0xw"
    assert redact(token) == "eyJr…Q0xw (1021 chars)"


@pytest.mark.parametrize("value", ["hunter2", "123456", "a" * 31])
def test_redact_masks_short_values_completely(value: str) -> None:
    shown = redact(value)
    assert shown == f"•••• ({len(value)} chars)"
    assert value[:2] not in shown


def test_redact_keep_zero_and_empty() -> None:
    assert redact("x" * 100, keep=0) == "•••• (100 chars)"
    assert redact("") == ""
    assert redact("x") == "•••• (1 char)"


@pytest.mark.parametrize(
    "key",
    [
        "Session",
        "AccessToken",
        "IdToken",
        "RefreshToken",
        "SecretCode",
        "ClientSecret",
        "PASSWORD",
        "NEW_PASSWORD",
        "SECRET_HASH",
        "PASSWORD_CLAIM_SIGNATURE",
        "SRP_A",
        "SRP_B",
        "SALT",
        "SECRET_BLOCK",
        "SOFTWARE_TOKEN_MFA_CODE",
        "UserCode",
        "MyCustomPasswordField",
        "someSecretThing",
        "DeviceGroupKey",
        "PasswordVerifier",
        "Salt",
        "device_password",
    ],
)
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    ["TokenType", "ChallengeName", "USER_ID_FOR_SRP", "ExpiresIn", "MFAS_CAN_SETUP", "DeviceKey"],
)
def test_public_keys(key: str) -> None:
    assert not is_secret_key(key)


def sign_in_response() -> tuple[dict, list[str]]:
    hidden = {name: secret_value() for name in ("Session", "SRP_B", "SALT", "SECRET_BLOCK")}
    response = {
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "USER_ID_FOR_SRP": "alice",
            "SRP_B": hidden["SRP_B"],
            "SALT": hidden["SALT"],
            "SECRET_BLOCK": hidden["SECRET_BLOCK"],
        },
        "Session": hidden["Session"],
        "ResponseMetadata": {"RequestId": "req-1234-volatile", "HTTPStatusCode": 200},
    }
    return response, list(hidden.values())


def test_show_redacts_every_secret_in_text_and_html() -> None:
    response, hidden = sign_in_response()
    view = show(response)
    text, page = repr(view), view._repr_html_()
    for value in hidden:
        assert not leaks(value, text, page)
    assert "alice" in text and "alice" in page
    assert "PASSWORD_VERIFIER" in text
    assert "redacted" in page


def test_show_reveal_shows_them() -> None:
    response, hidden = sign_in_response()
    text = repr(show(response, reveal=True))
    assert all(value in text for value in hidden)


def test_show_drops_response_metadata_but_keeps_the_status() -> None:
    response, _ = sign_in_response()
    text = repr(show(response))
    assert "req-1234-volatile" not in text and "RequestId" not in text
    assert "HTTP status: 200" in text


def test_show_decodes_json_string_challenge_parameters() -> None:
    response = {
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "ChallengeParameters": {
            "USER_ID_FOR_SRP": "alice",
            "requiredAttributes": '["userAttributes.email"]',
            "userAttributes": '{"email_verified":"true","name":"<b>Al</b>"}',
            "MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]',
        },
        "Session": secret_value(),
    }
    view = show(response)
    text, page = repr(view), view._repr_html_()
    assert 'requiredAttributes: ["userAttributes.email"]  (JSON string, decoded)' in text
    assert "      email_verified: true" in text  # a nested line, not a JSON string
    assert '\\"' not in text
    assert "<b>Al</b>" not in page and "&lt;b&gt;Al&lt;/b&gt;" in page
    assert page.count("JSON string, decoded") == 3


def test_show_authentication_result() -> None:
    tokens = {name: "eyJ" + secret_value(900) for name in ("AccessToken", "IdToken")}
    tokens["RefreshToken"] = secret_value(500)
    response = {
        "ChallengeParameters": {},
        "AuthenticationResult": {**tokens, "ExpiresIn": 3600, "TokenType": "Bearer"},
    }
    view = show(response)
    text, page = repr(view), view._repr_html_()
    for value in tokens.values():
        assert not leaks(value, text, page)
    assert "TokenType: Bearer" in text and "ExpiresIn: 3600" in text


def test_show_hides_a_totp_secret_completely() -> None:
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"
    text = repr(show({"SecretCode": secret, "Session": secret_value()}))
    assert "SecretCode: •••• (32 chars)" in text
    assert "JBSW" not in text


def test_show_html_is_semantic_and_theme_aware() -> None:
    response, _ = sign_in_response()
    page = show(response)._repr_html_()
    assert "<caption" in page and '<th scope="row"' in page
    assert "var(--jp-" in page
    assert "white" not in page and "#fff" not in page


def test_show_refuses_what_is_not_a_response() -> None:
    with pytest.raises(TutorialError, match="not a dict"):
        show("InitiateAuth")  # type: ignore[arg-type]


# --- Wire view, against the real sandbox ----------------------------------------------------


def fresh_client(url: str):
    return client_for(url)  # a new client each time: no handler from another test


def test_wire_view_shows_what_botocore_sent(sandbox_url: str) -> None:
    client = fresh_client(sandbox_url)
    record_wire(client)
    response = client.list_user_pools(MaxResults=10)
    assert "UserPools" in response  # the handler let botocore send as usual
    view = last_request(client)
    text = repr(view)
    assert text.startswith("POST /\n")
    assert "X-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools" in text
    assert "Content-Type: application/x-amz-json-1.1" in text
    assert json.dumps({"MaxResults": 10}, indent=2) in text
    assert view.record.operation == "ListUserPools"
    assert "Authorization" not in text and "Signature" not in text


def test_wire_view_redacts_password_and_secret_hash(make_pool, sandbox_url: str) -> None:
    from cognito_tutorial.secret_hash import secret_hash

    pool = make_pool(secret=True)
    username = pool.create_user()
    client = fresh_client(sandbox_url)
    record_wire(client)
    hashed = secret_hash(username, pool.client_id, pool.client_secret)
    client.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": "Corr3ct-Horse!", "SECRET_HASH": hashed},
    )
    view = last_request(client)
    text, page = repr(view), view._repr_html_()
    assert view.record.body["AuthParameters"]["PASSWORD"] == "Corr3ct-Horse!"  # really captured
    for output in (text, page):
        assert "Corr3ct" not in output and "Horse" not in output
        assert hashed[4:-4] not in output
        assert username in output
    assert "InitiateAuth" in page and "<figcaption" in page
    assert "Corr3ct-Horse!" in repr(last_request(client, reveal=True))


def test_wire_view_of_a_challenge_answer_hides_the_session(make_pool, clock, sandbox_url) -> None:
    pool = make_pool(mfa="ON")
    username = pool.create_user()
    app = pool.enrol_totp(username, clock)
    session = pool.sign_in(username)["Session"]
    clock.advance(30)
    client = fresh_client(sandbox_url)
    record_wire(client)
    client.admin_respond_to_auth_challenge(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=session,
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": app.at(clock.now())},
    )
    text = repr(last_request(client))
    assert "AWSCognitoIdentityProviderService.AdminRespondToAuthChallenge" in text
    assert not leaks(session, text)
    assert '"SOFTWARE_TOKEN_MFA_CODE": "•••• (6 chars)"' in text


def test_record_wire_is_idempotent(sandbox_url: str) -> None:
    client = fresh_client(sandbox_url)
    tap = record_wire(client)
    assert record_wire(client) is tap
    event = "before-send.cognito-identity-provider.ListUserPools"
    request = AWSPreparedRequest("POST", "http://127.0.0.1/", {}, b"{}", False)
    handlers = [handler for handler, _ in client.meta.events.emit(event, request=request)]
    assert handlers.count(tap) == 1


def test_each_client_has_its_own_tap(sandbox_url: str) -> None:
    first, second = fresh_client(sandbox_url), fresh_client(sandbox_url)
    record_wire(first)
    record_wire(second)
    first.list_user_pools(MaxResults=1)
    assert last_request(first).record.operation == "ListUserPools"
    with pytest.raises(TutorialError, match="sent nothing"):
        last_request(second)


def test_last_request_without_recording_says_what_to_do(sandbox_url: str) -> None:
    with pytest.raises(TutorialError, match=r"record_wire\(cognito\)"):
        last_request(fresh_client(sandbox_url))
