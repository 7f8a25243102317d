"""Codes Cognito sends by e-mail or SMS: sign-up confirmation, resend, forgotten passwords,
attribute verification. Real codes that expire, read from the sandbox's outbox as a learner
reads their inbox (cognito_tutorial.outbox, over HTTP).

Tests that read a code from the outbox are sandbox only: on AWS the code is in a real inbox.
Their refusals (a wrong code, an unknown user) also run against AWS, with e-mail addresses at
Amazon SES's mailbox simulator, which accepts and discards the message.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid

import boto3
import pytest
from expect import cognito_error
from support import PASSWORD, client_for

from cognito_tutorial import outbox
from cognito_tutorial.errors import TutorialError
from cognito_tutorial.sandbox.credentials import Credentials
from cognito_tutorial.secret_hash import secret_hash

pytestmark = pytest.mark.contract

MISMATCH = "Invalid verification code provided, please try again."
EXPIRED = "Invalid code provided, please request a code again."
SIMULATED_INBOX = "success@simulator.amazonses.com"
READS_THE_OUTBOX = "reads the code from the sandbox's outbox (on AWS it is in a real inbox)"
EMAIL_POOL = {"AutoVerifiedAttributes": ["email"]}


def sign_up(pool, *, email: str = SIMULATED_INBOX, phone: str | None = None, **extra) -> dict:
    username = f"new-{uuid.uuid4().hex[:8]}"
    attributes = [{"Name": "email", "Value": email}]
    if phone:
        attributes.append({"Name": "phone_number", "Value": phone})
    answer = pool.cognito.sign_up(
        ClientId=pool.client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=attributes,
        **extra,
    )
    return {"username": username, **answer}


def status(pool, username: str) -> str:
    return pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=username)["UserStatus"]


def attribute(pool, username: str, name: str) -> str | None:
    user = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}.get(name)


# --- sign-up ------------------------------------------------------------------------------


def test_sign_up_sends_a_code_to_the_email_the_pool_verifies(make_pool):
    pool = make_pool(pool_settings=EMAIL_POOL)
    signed_up = sign_up(pool)
    assert signed_up["UserConfirmed"] is False
    assert signed_up["CodeDeliveryDetails"] == {
        "Destination": "s***@s***",  # masked as Cognito masks it
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    assert status(pool, signed_up["username"]) == "UNCONFIRMED"


def test_a_wrong_code_does_not_confirm(make_pool):
    pool = make_pool(pool_settings=EMAIL_POOL)
    signed_up = sign_up(pool)
    with cognito_error("CodeMismatchException", MISMATCH):
        pool.cognito.confirm_sign_up(
            ClientId=pool.client_id, Username=signed_up["username"], ConfirmationCode="000000"
        )
    assert status(pool, signed_up["username"]) == "UNCONFIRMED"


@pytest.mark.sandbox_only(READS_THE_OUTBOX)
def test_the_code_in_the_outbox_confirms_the_user_and_verifies_the_email(make_pool):
    pool = make_pool(pool_settings=EMAIL_POOL)
    signed_up = sign_up(pool, email="ada@example.com")
    message = outbox.latest_message(pool.cognito, signed_up["username"], pool_id=pool.pool_id)
    assert message.to == "ada@example.com"
    assert message.medium == "EMAIL"
    assert message.subject == "Your verification code"
    assert message.body == f"Your verification code is {message.code}. "
    pool.cognito.confirm_sign_up(
        ClientId=pool.client_id, Username=signed_up["username"], ConfirmationCode=message.code
    )
    assert status(pool, signed_up["username"]) == "CONFIRMED"
    assert attribute(pool, signed_up["username"], "email_verified") == "true"
    assert "AuthenticationResult" in pool.sign_in(signed_up["username"])
    with cognito_error(
        "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED"
    ):
        pool.cognito.confirm_sign_up(
            ClientId=pool.client_id, Username=signed_up["username"], ConfirmationCode=message.code
        )


@pytest.mark.sandbox_only(READS_THE_OUTBOX)
def test_a_resent_code_replaces_the_first(make_pool):
    pool = make_pool(pool_settings=EMAIL_POOL)
    username = sign_up(pool, email="ada@example.com")["username"]
    first = outbox.latest_code(pool.cognito, username)
    resent = pool.cognito.resend_confirmation_code(ClientId=pool.client_id, Username=username)
    assert resent["CodeDeliveryDetails"]["Destination"] == "a***@e***"
    second = outbox.latest_code(pool.cognito, username)
    assert len(outbox.messages(pool.cognito, username)) == 2
    if first != second:  # one chance in a million that they are equal
        with cognito_error("CodeMismatchException", MISMATCH):
            pool.cognito.confirm_sign_up(
                ClientId=pool.client_id, Username=username, ConfirmationCode=first
            )
    pool.cognito.confirm_sign_up(
        ClientId=pool.client_id, Username=username, ConfirmationCode=second
    )
    with cognito_error("InvalidParameterException", "User is already confirmed."):
        pool.cognito.resend_confirmation_code(ClientId=pool.client_id, Username=username)


@pytest.mark.sandbox_only("moves the clock by a day")
def test_a_sign_up_code_expires_after_24_hours(make_pool, clock):
    pool = make_pool(pool_settings=EMAIL_POOL)
    username = sign_up(pool)["username"]
    code = outbox.latest_code(pool.cognito, username)
    clock.advance(24 * 60 * 60 + 1)
    with cognito_error("ExpiredCodeException", EXPIRED):
        pool.cognito.confirm_sign_up(
            ClientId=pool.client_id, Username=username, ConfirmationCode=code
        )


@pytest.mark.sandbox_only(READS_THE_OUTBOX)
def test_a_pool_that_verifies_phone_and_email_texts_the_phone(make_pool):
    pool = make_pool(pool_settings={"AutoVerifiedAttributes": ["email", "phone_number"]})
    signed_up = sign_up(pool, email="ada@example.com", phone="+12065551234")
    assert signed_up["CodeDeliveryDetails"] == {
        "Destination": "+*******1234",
        "DeliveryMedium": "SMS",
        "AttributeName": "phone_number",
    }
    message = outbox.latest_message(pool.cognito, "+12065551234")
    assert (message.medium, message.subject) == ("SMS", "")


def test_a_pool_that_verifies_nothing_sends_no_code(make_pool):
    pool = make_pool()
    signed_up = sign_up(pool)
    assert "CodeDeliveryDetails" not in signed_up
    assert status(pool, signed_up["username"]) == "UNCONFIRMED"


def test_sign_up_checks_the_password_policy_and_the_username(make_pool):
    pool = make_pool(pool_settings=EMAIL_POOL)
    with cognito_error("InvalidPasswordException"):
        pool.cognito.sign_up(ClientId=pool.client_id, Username="weak", Password="short")
    username = sign_up(pool)["username"]
    with cognito_error("UsernameExistsException", "User already exists"):
        pool.cognito.sign_up(ClientId=pool.client_id, Username=username, Password=PASSWORD)


def test_a_client_with_a_secret_needs_the_secret_hash(make_pool):
    pool = make_pool(secret=True, pool_settings=EMAIL_POOL)
    with cognito_error(
        "NotAuthorizedException",
        f"Client {pool.client_id} is configured with secret but SECRET_HASH was not received",
    ):
        pool.cognito.sign_up(ClientId=pool.client_id, Username="someone", Password=PASSWORD)
    pool.cognito.sign_up(
        ClientId=pool.client_id,
        Username="someone",
        Password=PASSWORD,
        SecretHash=secret_hash("someone", pool.client_id, pool.client_secret),
        UserAttributes=[{"Name": "email", "Value": SIMULATED_INBOX}],
    )


def test_unknown_users_are_named_unless_existence_errors_are_prevented(make_pool):
    legacy = make_pool(pool_settings=EMAIL_POOL)
    with cognito_error("UserNotFoundException", "Username/client id combination not found."):
        legacy.cognito.resend_confirmation_code(ClientId=legacy.client_id, Username="nobody")
    with cognito_error("UserNotFoundException", "Username/client id combination not found."):
        legacy.cognito.forgot_password(ClientId=legacy.client_id, Username="nobody")
    prevented = make_pool(pool_settings=EMAIL_POOL, prevent_existence=True)
    answer = prevented.cognito.forgot_password(
        ClientId=prevented.client_id, Username="nobody@example.com"
    )
    assert answer["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"


# --- forgotten passwords ------------------------------------------------------------------


def confirmed_user(pool, email: str = "ada@example.com") -> str:
    username = f"user-{uuid.uuid4().hex[:8]}"
    pool.cognito.admin_create_user(
        UserPoolId=pool.pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    pool.cognito.admin_set_user_password(
        UserPoolId=pool.pool_id, Username=username, Password=PASSWORD, Permanent=True
    )
    return username


@pytest.mark.sandbox_only(READS_THE_OUTBOX)
def test_forgot_password_sends_a_code_that_sets_a_new_password(make_pool):
    pool = make_pool()
    username = confirmed_user(pool)
    sent = pool.cognito.forgot_password(ClientId=pool.client_id, Username=username)
    assert sent["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    code = outbox.latest_code(pool.cognito, "ada@example.com", pool_id=pool.pool_id)
    with cognito_error("InvalidPasswordException"):  # the code stays usable after this
        pool.cognito.confirm_forgot_password(
            ClientId=pool.client_id, Username=username, ConfirmationCode=code, Password="weak"
        )
    pool.cognito.confirm_forgot_password(
        ClientId=pool.client_id, Username=username, ConfirmationCode=code, Password="N3w-Passw0rd!"
    )
    assert "AuthenticationResult" in pool.sign_in(username, "N3w-Passw0rd!")
    with cognito_error("ExpiredCodeException", EXPIRED):  # spent
        pool.cognito.confirm_forgot_password(
            ClientId=pool.client_id, Username=username, ConfirmationCode=code, Password=PASSWORD
        )


def test_a_wrong_reset_code_changes_nothing(make_pool):
    pool = make_pool()
    username = confirmed_user(pool, email=SIMULATED_INBOX)
    pool.cognito.forgot_password(ClientId=pool.client_id, Username=username)
    with cognito_error("CodeMismatchException", MISMATCH):
        pool.cognito.confirm_forgot_password(
            ClientId=pool.client_id,
            Username=username,
            ConfirmationCode="000000",
            Password="N3w-Passw0rd!",
        )
    assert "AuthenticationResult" in pool.sign_in(username)


@pytest.mark.sandbox_only("moves the clock by an hour")
def test_a_reset_code_expires_after_an_hour(make_pool, clock):
    pool = make_pool()
    username = confirmed_user(pool)
    pool.cognito.forgot_password(ClientId=pool.client_id, Username=username)
    code = outbox.latest_code(pool.cognito, username)
    clock.advance(60 * 60 + 1)
    with cognito_error("ExpiredCodeException", EXPIRED):
        pool.cognito.confirm_forgot_password(
            ClientId=pool.client_id, Username=username, ConfirmationCode=code, Password=PASSWORD
        )


def test_no_verified_address_no_reset_code(make_pool):
    pool = make_pool(pool_settings=EMAIL_POOL)
    username = sign_up(pool)["username"]  # unconfirmed: its e-mail is not verified
    with cognito_error(
        "InvalidParameterException",
        "Cannot reset password for the user as there is no registered/verified email or "
        "phone_number",
    ):
        pool.cognito.forgot_password(ClientId=pool.client_id, Username=username)


@pytest.mark.sandbox_only(READS_THE_OUTBOX)
def test_admin_reset_user_password_sends_a_code_and_requires_the_reset(make_pool):
    pool = make_pool()
    username = confirmed_user(pool)
    pool.cognito.admin_reset_user_password(UserPoolId=pool.pool_id, Username=username)
    assert status(pool, username) == "RESET_REQUIRED"
    with cognito_error("PasswordResetRequiredException"):
        pool.sign_in(username)
    code = outbox.latest_code(pool.cognito, username)
    pool.cognito.confirm_forgot_password(
        ClientId=pool.client_id, Username=username, ConfirmationCode=code, Password="N3w-Passw0rd!"
    )
    assert status(pool, username) == "CONFIRMED"


# --- attributes -------------------------------------------------------------------------------


@pytest.mark.sandbox_only(READS_THE_OUTBOX)
def test_a_new_email_is_unverified_until_its_code_comes_back(make_pool):
    pool = make_pool(pool_settings=EMAIL_POOL)
    username = confirmed_user(pool)
    access = pool.sign_in(username)["AuthenticationResult"]["AccessToken"]
    updated = pool.cognito.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": "grace@example.com"}]
    )
    assert updated["CodeDeliveryDetailsList"] == [
        {"Destination": "g***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    assert attribute(pool, username, "email_verified") == "false"
    code = outbox.latest_code(pool.cognito, "grace@example.com")
    with cognito_error("CodeMismatchException", MISMATCH):
        pool.cognito.verify_user_attribute(AccessToken=access, AttributeName="email", Code="000000")
    pool.cognito.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    assert attribute(pool, username, "email_verified") == "true"


@pytest.mark.sandbox_only(READS_THE_OUTBOX)
def test_get_user_attribute_verification_code(make_pool):
    pool = make_pool()
    username = confirmed_user(pool)
    access = pool.sign_in(username)["AuthenticationResult"]["AccessToken"]
    sent = pool.cognito.get_user_attribute_verification_code(
        AccessToken=access, AttributeName="email"
    )
    assert sent["CodeDeliveryDetails"]["AttributeName"] == "email"
    assert outbox.latest_message(pool.cognito, username).purpose == "verify:email"


def test_delete_user_ends_the_account_and_its_tokens(make_pool):
    pool = make_pool()
    username = confirmed_user(pool, email=SIMULATED_INBOX)
    tokens = pool.sign_in(username)["AuthenticationResult"]
    pool.cognito.delete_user(AccessToken=tokens["AccessToken"])
    with cognito_error("UserNotFoundException"):
        pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=username)


# --- the outbox itself --------------------------------------------------------------------


@pytest.mark.sandbox_only("the outbox is the sandbox's")
def test_the_outbox_answers_only_requests_signed_with_the_sandboxs_key(make_pool, sandbox_url):
    pool = make_pool(pool_settings=EMAIL_POOL)
    username = sign_up(pool)["username"]
    stranger = client_for(sandbox_url, Credentials("AKIAIOSFODNN7EXAMPLE", "x" * 40))
    with pytest.raises(TutorialError) as refused:
        outbox.messages(stranger, username)
    assert "security token included in the request is invalid" in str(refused.value)
    with pytest.raises(urllib.error.HTTPError) as unsigned:
        urllib.request.urlopen(f"{sandbox_url}/_sandbox/outbox", timeout=5)
    assert unsigned.value.code == 403


@pytest.mark.sandbox_only("the outbox is the sandbox's")
def test_the_pools_own_message_template_is_used(make_pool):
    pool = make_pool(
        pool_settings={
            **EMAIL_POOL,
            "VerificationMessageTemplate": {
                "EmailSubject": "Welcome to the workshop",
                "EmailMessage": "Your workshop code: {####}",
            },
        }
    )
    username = sign_up(pool)["username"]
    message = outbox.latest_message(pool.cognito, username)
    assert message.subject == "Welcome to the workshop"
    assert message.body == f"Your workshop code: {message.code}"


def test_on_aws_there_is_no_outbox():
    aws = boto3.client(
        "cognito-idp", region_name="eu-west-1", aws_access_key_id="AKIA", aws_secret_access_key="s"
    )
    with pytest.raises(TutorialError) as caught:
        outbox.messages(aws, "someone")
    assert caught.value.title == "There is no outbox on AWS"
