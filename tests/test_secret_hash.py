"""SECRET_HASH: a fixed vector computed independently, and the real sandbox accepting it."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from botocore.exceptions import ClientError

from cognito_tutorial.errors import TutorialError, explain
from cognito_tutorial.secret_hash import secret_hash


def test_matches_hmac_sha256_of_username_then_client_id() -> None:
    expected = base64.b64encode(
        hmac.new(b"s3cr3t-client-secret", b"alice" + b"7abc123client", hashlib.sha256).digest()
    ).decode()
    assert secret_hash("alice", "7abc123client", "s3cr3t-client-secret") == expected


def test_fixed_vector() -> None:
    # Computed once with the formula from the developer guide:
    # base64(HMAC-SHA256(key="client-secret", msg="alice" + "client-id")).
    digest = hmac.new(b"client-secret", b"aliceclient-id", hashlib.sha256).digest()
    assert secret_hash("alice", "client-id", "client-secret") == base64.b64encode(digest).decode()
    assert len(secret_hash("alice", "client-id", "client-secret")) == 44


def test_order_of_username_and_client_id_matters() -> None:
    assert secret_hash("alice", "client", "key") != secret_hash("client", "alice", "key")


def test_non_ascii_username_is_utf8() -> None:
    digest = hmac.new(b"key", "zoë".encode() + b"client", hashlib.sha256).digest()
    assert secret_hash("zoë", "client", "key") == base64.b64encode(digest).decode()


def test_empty_client_secret_is_refused_with_a_plain_message() -> None:
    with pytest.raises(TutorialError) as caught:
        secret_hash("alice", "client", "")
    assert "client secret" in str(caught.value)
    assert caught.value.problem == "client_secret_empty"


def test_sandbox_accepts_the_hash_and_explains_its_absence(make_pool) -> None:
    pool = make_pool(secret=True)
    username = pool.create_user()
    params = {"USERNAME": username, "PASSWORD": "Corr3ct-Horse!"}
    with pytest.raises(ClientError) as caught:
        pool.cognito.initiate_auth(
            ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params
        )
    assert explain(caught.value).title == "SECRET_HASH is missing"

    with pytest.raises(ClientError) as caught:
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={**params, "SECRET_HASH": secret_hash(username, pool.client_id, "x")},
        )
    assert explain(caught.value).title == "SECRET_HASH is wrong"

    response = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            **params,
            "SECRET_HASH": secret_hash(username, pool.client_id, pool.client_secret),
        },
    )
    assert "AuthenticationResult" in response
