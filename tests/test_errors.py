"""Learner-facing explanations: the table, the display, and the sandbox's real errors."""

from __future__ import annotations

import socket
import string
import subprocess
import sys

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)

from cognito_tutorial import errors
from cognito_tutorial.errors import (
    COGNITO_ERRORS,
    HELPER_PROBLEMS,
    UNKNOWN_ERROR,
    WAYS_ON,
    CodeFormatError,
    Explanation,
    TokenInvalid,
    TutorialError,
    explain,
)


def client_error(code: str, message: str, operation: str = "RespondToAuthChallenge") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


CASES = [
    # (code, message, expected title, expected way_on)
    ("CodeMismatchException", "Invalid code received for user", "The code did not match", "retry"),
    (
        "ExpiredCodeException",
        "Your software token has already been used once.",
        "That code was already used",
        "wait_for_next_code",
    ),
    (
        "EnableSoftwareTokenMFAException",
        "Code mismatch and fail enable Software Token MFA",
        "The authenticator's code did not confirm the new secret",
        "retry",
    ),
    (
        "NotAuthorizedException",
        "Incorrect username or password.",
        "Wrong username or password",
        "fix_input",
    ),
    (
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
        "The sign-in session expired",
        "restart_sign_in",
    ),
    (
        "NotAuthorizedException",
        "Invalid session for the user, session can only be used once.",
        "That Session was already used",
        "restart_sign_in",
    ),
    (
        "NotAuthorizedException",
        "Client 4tq9abc is configured with secret but SECRET_HASH was not received",
        "SECRET_HASH is missing",
        "fix_input",
    ),
    (
        "NotAuthorizedException",
        "Unable to verify secret hash for client 4tq9abc",
        "SECRET_HASH is wrong",
        "fix_input",
    ),
    (
        "NotAuthorizedException",
        "Password attempts exceeded",
        "Too many wrong passwords: locked out for now",
        "wait",
    ),
    (
        "NotAuthorizedException",
        "Access Token has expired",
        "The access token is not valid",
        "restart_sign_in",
    ),
    (
        "NotAuthorizedException",
        "Access Token has been revoked",
        "The access token is not valid",
        "restart_sign_in",
    ),
    (
        "NotAuthorizedException",
        "Invalid Refresh Token",
        "The refresh token is not valid",
        "restart_sign_in",
    ),
    ("NotAuthorizedException", "User is disabled.", "This user is disabled", "fix_setup"),
    (
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
        "This sign-in flow is not allowed for the app client",
        "fix_setup",
    ),
    (
        "InvalidParameterException",
        "Auth flow not enabled for this client",
        "This sign-in flow is not allowed for the app client",
        "fix_setup",
    ),
    (
        "InvalidParameterException",
        "Initiate Auth method not supported.",
        "That AuthFlow belongs to the other API",
        "fix_input",
    ),
    (
        "InvalidParameterException",
        "User has not verified software token mfa",
        "TOTP is not verified for this user yet",
        "fix_setup",
    ),
    (
        "InvalidParameterException",
        "1 validation error detected: Value null at 'challengeResponses' failed to satisfy "
        "constraint: Member must not be null",
        "A parameter is missing or has the wrong shape",
        "fix_input",
    ),
    (
        "InvalidPasswordException",
        "Password does not conform to policy: Password not long enough",
        "The new password does not meet the pool's policy",
        "fix_input",
    ),
    ("UserNotFoundException", "User does not exist.", "No such user", "fix_input"),
    (
        "UserNotConfirmedException",
        "User is not confirmed.",
        "The user has not confirmed their sign-up",
        "fix_setup",
    ),
    (
        "PasswordResetRequiredException",
        "Password reset required for the user",
        "The user must reset their password",
        "fix_setup",
    ),
    ("TooManyRequestsException", "Too many requests", "Too many requests: slow down", "wait"),
    (
        "SoftwareTokenMFANotFoundException",
        "Software Token MFA has not been enabled by the userPool",
        "The user pool does not offer TOTP",
        "fix_setup",
    ),
    (
        "SoftwareTokenMFANotFoundException",
        "Software Token MFA is not enabled for the user.",
        "TOTP is not set up here",
        "fix_setup",
    ),
    (
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
        "The confirmation code did not match",
        "fix_input",
    ),
    (
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
        "The confirmation code has expired or was used",
        "fix_input",
    ),
    (
        "InvalidParameterException",
        "ConfirmDevice is not emulated by the local sandbox (device tracking); use it against AWS.",
        "The local sandbox does not do this",
        "fix_input",
    ),
    (
        "RefreshTokenReuseException",
        "This refresh token was replaced by refresh token rotation.",
        "That refresh token was already rotated",
        "restart_sign_in",
    ),
    (
        "ResourceNotFoundException",
        "User pool us-east-1_abc does not exist.",
        "The user pool or app client does not exist",
        "fix_setup",
    ),
    (
        "ResourceNotFoundException",
        "Device does not exist.",
        "Cognito does not know this device (any more)",
        "restart_sign_in",
    ),
    (
        "InvalidParameterException",
        "Invalid device key given.",
        "That device key was not issued to this user",
        "fix_input",
    ),
    (
        "InvalidParameterException",
        "DeviceSecretVerifierConfig.Salt must be a non-zero number in Base64: ...",
        "The device's verifier is missing or unreadable",
        "fix_input",
    ),
]


@pytest.mark.parametrize(("code", "message", "title", "way_on"), CASES)
def test_each_cognito_error_has_its_own_explanation(
    code: str, message: str, title: str, way_on: str
) -> None:
    explanation = explain(client_error(code, message))
    assert (explanation.title, explanation.way_on) == (title, way_on)
    assert (explanation.code, explanation.message) == (code, message)
    assert explanation.operation == "RespondToAuthChallenge"


def test_every_row_is_complete_and_uses_a_known_way_on() -> None:
    for row in (*COGNITO_ERRORS, UNKNOWN_ERROR, *HELPER_PROBLEMS):
        assert row.title and row.meaning and row.cause and row.todo
        assert row.way_on in WAYS_ON
    assert set(WAYS_ON) == {
        "retry",
        "wait_for_next_code",
        "restart_sign_in",
        "fix_input",
        "fix_setup",
        "wait",
    }


def test_helper_problem_keys_are_unique_and_templates_name_their_fields() -> None:
    keys = [p.key for p in HELPER_PROBLEMS]
    assert len(keys) == len(set(keys))
    formatter = string.Formatter()
    for problem in HELPER_PROBLEMS:
        fields = {
            name
            for text in (problem.meaning, problem.cause, problem.todo)
            for _, name, _, _ in formatter.parse(text)
            if name
        }
        error = TutorialError.about(problem.key, **{name: "X" for name in fields})
        assert "{" not in error.meaning


def test_unknown_code_gets_the_safe_default_and_keeps_the_original() -> None:
    explanation = explain(client_error("BrandNewException", "Something new happened"))
    assert explanation.title == UNKNOWN_ERROR.title
    assert explanation.code == "BrandNewException"
    assert "Something new happened" in str(explanation)
    assert errors.API_REFERENCE in explanation.todo


def test_unknown_message_for_a_known_code_falls_back_to_that_code() -> None:
    explanation = explain(client_error("NotAuthorizedException", "Something else entirely"))
    assert explanation.title == "Not authorised"


def test_any_python_exception_is_explained_safely() -> None:
    explanation = explain(KeyError("Session"))
    assert explanation.code == "KeyError"
    assert explanation.title == UNKNOWN_ERROR.title


def test_local_connection_error_says_how_to_restart_the_sandbox() -> None:
    explanation = explain(EndpointConnectionError(endpoint_url="http://127.0.0.1:5123/"))
    assert explanation.title == "The local Cognito sandbox is not answering"
    assert "cognito = connect()" in explanation.todo
    assert "python -m cognito_tutorial sandbox" in explanation.todo
    assert explanation.way_on == "fix_setup"
    assert explanation.code == "EndpointConnectionError"


def test_remote_connection_error_talks_about_the_network() -> None:
    url = "https://cognito-idp.us-east-1.amazonaws.com/"
    explanation = explain(EndpointConnectionError(endpoint_url=url))
    assert explanation.title == "Cannot reach the Cognito endpoint"


def test_other_connection_failures_use_their_nearest_row() -> None:
    assert explain(ConnectTimeoutError(endpoint_url="x")).title == "The connection failed"
    assert explain(ConnectionRefusedError()).title == "The connection failed"
    read = explain(ReadTimeoutError(endpoint_url="x"))
    assert read.title == "The connection broke during the request"
    param = explain(ParamValidationError(report="Invalid type for parameter UserCode"))
    assert param.title == "boto3 refused the parameters before sending"


def test_tutorial_errors_explain_themselves() -> None:
    error = CodeFormatError.about("code_wrong_length", digits=5, hint="a digit is missing.")
    assert isinstance(error, ValueError)
    explanation = explain(error)
    assert explanation.code == "CodeFormatError"
    assert explanation.title == "The code must have exactly 6 digits"
    assert explanation.meaning == "The code has 5 digits."
    assert explanation.way_on == "fix_input"
    assert str(error).startswith("The code has 5 digits.")


def test_free_text_tutorial_error_works_as_a_plain_exception() -> None:
    error = TutorialError("Something was off.")
    assert str(error) == "Something was off."
    assert explain(error).title == TutorialError.default_title


def test_token_invalid_names_the_check() -> None:
    error = TokenInvalid.about("token_issuer", found="a", expected="b")
    assert error.check == "issuer"
    assert isinstance(error, TutorialError)


def test_text_view_keeps_code_and_message_beside_the_explanation() -> None:
    text = str(explain(client_error("CodeMismatchException", "Invalid code received for user")))
    assert "CodeMismatchException" in text
    assert "Invalid code received for user" in text
    assert "What to do:" in text
    assert "Way on: type the code again: the challenge still stands" in text


def test_html_view_is_escaped_themed_and_labelled() -> None:
    page = explain(client_error("CodeMismatchException", "<script>x</script>"))._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "var(--jp-warn-color0" in page and "var(--jp-ui-font-color1" in page
    assert "white" not in page and "#fff" not in page
    assert "<dt" in page and "Way on" in page  # meaning in words, not only colour
    assert 'role="note"' in page


def test_explanation_fields_are_the_documented_ones() -> None:
    names = [f for f in Explanation.__dataclass_fields__]
    assert names[:7] == ["code", "message", "title", "meaning", "cause", "todo", "way_on"]


@pytest.mark.parametrize(
    "module", ["errors", "display", "totp", "tokens", "secret_hash", "next_step"]
)
def test_importing_a_helper_stays_light(module: str) -> None:
    heavy = ("moto", "ipywidgets", "IPython", "segno", "jwt", "cognito_tutorial.sandbox")
    code = (
        f"import sys, cognito_tutorial.{module}\nprint([m for m in {heavy!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- The sandbox's real answers meet the table -------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_stopped_sandbox_is_explained() -> None:
    client = boto3.client(
        "cognito-idp",
        endpoint_url=f"http://127.0.0.1:{_closed_port()}",
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )
    with pytest.raises(EndpointConnectionError) as caught:
        client.list_user_pools(MaxResults=1)
    assert explain(caught.value).title == "The local Cognito sandbox is not answering"


def _refusal(call, *args, **kwargs) -> Explanation:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    return explain(caught.value)


def test_sandbox_sign_in_errors_are_explained(make_pool) -> None:
    pool = make_pool(flows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])
    username = pool.create_user()
    cognito = pool.cognito
    wrong = _refusal(pool.sign_in, username, "Wr0ng-password!")
    assert (wrong.code, wrong.way_on) == ("NotAuthorizedException", "fix_input")
    assert wrong.message == "Incorrect username or password."

    not_enabled = _refusal(
        cognito.initiate_auth,
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": "x"},
    )
    assert not_enabled.title == "This sign-in flow is not allowed for the app client"

    wrong_api = _refusal(
        cognito.initiate_auth,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": "x"},
    )
    assert wrong_api.title == "That AuthFlow belongs to the other API"


def test_sandbox_totp_errors_are_explained(make_pool, clock) -> None:
    pool = make_pool(mfa="ON")
    username = pool.create_user()
    app = pool.enrol_totp(username, clock)  # the current step's code is now spent

    def answer(session: str, code: str) -> dict:
        return pool.cognito.admin_respond_to_auth_challenge(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=session,
            ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
        )

    session = pool.sign_in(username)["Session"]
    reused = _refusal(answer, session, app.at(clock.now()))
    assert reused.way_on == "wait_for_next_code"

    session = pool.sign_in(username)["Session"]
    wrong_code = "000000" if app.at(clock.now() + 30) != "000000" else "111111"
    clock.advance(30)
    mismatch = _refusal(answer, session, wrong_code)
    assert (mismatch.code, mismatch.way_on) == ("CodeMismatchException", "retry")
    assert "AuthenticationResult" in answer(session, app.at(clock.now()))  # same Session works

    clock.advance(30)
    spent = _refusal(answer, session, app.at(clock.now()))
    assert (spent.title, spent.way_on) == ("That Session was already used", "restart_sign_in")

    session = pool.sign_in(username)["Session"]
    clock.advance(16 * 60)
    expired = _refusal(answer, session, app.at(clock.now()))
    assert (expired.title, expired.way_on) == ("The sign-in session expired", "restart_sign_in")
