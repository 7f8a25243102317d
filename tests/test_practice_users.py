"""Practice users (lessons 04 and 04b), made on a real sandbox: signed up, linked, and ready to
sign in with the code their app shows now."""

from __future__ import annotations

import pytest

from cognito_tutorial import connect, practice_users, workspace


@pytest.fixture
def tutorial(monkeypatch, sandbox_url, tmp_path, room_key):
    monkeypatch.setenv("COGNITO_TUTORIAL_ENDPOINT", sandbox_url)
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path))
    cognito = connect(quiet=True)
    return cognito, workspace.setup(cognito, mfa="ON", quiet=True)


def sign_in(cognito, ws, username, code):
    started = cognito.initiate_auth(
        ClientId=ws.public_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": practice_users.PASSWORD},
    )
    assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    return cognito.respond_to_auth_challenge(
        ClientId=ws.public_client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
    )


def test_a_practice_user_signs_in_at_once_with_the_code_its_app_shows(tutorial):
    cognito, ws = tutorial
    user = practice_users.create(cognito, ws, "practice-test")
    assert user.link_code != user.app.now()  # linked with the previous step's code
    assert "AuthenticationResult" in sign_in(cognito, ws, user.username, user.app.now())
    assert user.app.secret not in repr(user)


def test_linked_with_the_current_code_that_code_is_spent(tutorial):
    cognito, ws = tutorial
    user = practice_users.create(cognito, ws, "practice-test", link_with="current code")
    assert user.link_code == user.app.now()
    with pytest.raises(cognito.exceptions.ExpiredCodeException):
        sign_in(cognito, ws, user.username, user.link_code)


def test_creating_again_starts_afresh_and_delete_is_safe_twice(tutorial):
    cognito, ws = tutorial
    first = practice_users.create(cognito, ws, "practice-test")
    second = practice_users.create(cognito, ws, "practice-test")
    assert first.app.secret != second.app.secret
    assert practice_users.delete(cognito, ws, ["practice-test", "never-made"]) == ["practice-test"]
    assert practice_users.delete(cognito, ws, ["practice-test"]) == []


def test_mistype_changes_only_the_last_digit():
    assert practice_users.mistype("123456") == "123457"
    assert practice_users.mistype("000009") == "000000"


def test_report_says_who_signed_in_or_what_comes_next(capsys):
    practice_users.report({"ChallengeName": "SOFTWARE_TOKEN_MFA"})
    assert capsys.readouterr().out == "Cognito asks for SOFTWARE_TOKEN_MFA next.\n"
