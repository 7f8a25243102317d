"""The inbox widget: the e-mail a user would have received, read again on demand."""

from __future__ import annotations

import pytest
from support import PASSWORD

from cognito_tutorial import outbox
from cognito_tutorial.forms.inbox import Inbox


@pytest.fixture
def signed_up(make_pool):
    pool = make_pool(pool_settings={"AutoVerifiedAttributes": ["email"]})
    pool.cognito.sign_up(
        ClientId=pool.client_id,
        Username="ada",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "ada@example.com"}],
    )
    return pool


def test_the_inbox_shows_the_email_with_its_code(signed_up):
    inbox = Inbox(signed_up.cognito, "ada", pool_id=signed_up.pool_id)
    code = outbox.latest_code(signed_up.cognito, "ada", pool_id=signed_up.pool_id)
    assert "The e-mail you would have received" in inbox.message.value
    assert "ada@example.com" in inbox.message.value
    assert code in inbox.message.value


def test_check_again_shows_the_resent_code(signed_up):
    inbox = Inbox(signed_up.cognito, "ada", pool_id=signed_up.pool_id)
    signed_up.cognito.resend_confirmation_code(ClientId=signed_up.client_id, Username="ada")
    inbox.check_button.click()
    resent = outbox.latest_code(signed_up.cognito, "ada", pool_id=signed_up.pool_id)
    assert resent in inbox.message.value


def test_an_empty_inbox_says_why(signed_up):
    inbox = Inbox(signed_up.cognito, "nobody", pool_id=signed_up.pool_id)
    assert "No message for this user yet" in inbox.message.value
    assert inbox.check() is None
