"""Malformed and hostile requests get Cognito-shaped 400s that botocore parses; never a 500."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import boto3
import pytest
from botocore.config import Config
from expect import cognito_error

TARGET = "AWSCognitoIdentityProviderService."


def post(url: str, body: bytes, target: str | None = TARGET + "InitiateAuth") -> tuple[int, dict]:
    parts = urlparse(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if target:
        headers["X-Amz-Target"] = target
    connection.request("POST", "/", body=body, headers=headers)
    response = connection.getresponse()
    payload = json.loads(response.read() or b"{}")
    connection.close()
    return response.status, payload


@pytest.mark.parametrize(
    ("body", "target", "error_type"),
    [
        (b"{not json", TARGET + "InitiateAuth", "SerializationException"),
        (b"[1, 2]", TARGET + "InitiateAuth", "SerializationException"),
        (
            b'{"ClientId": 42, "AuthFlow": "USER_PASSWORD_AUTH"}',
            TARGET + "InitiateAuth",
            "SerializationException",
        ),
        (b"{}", TARGET + "NoSuchOperation", "UnknownOperationException"),
        (b"{}", None, "UnknownOperationException"),
        (b"{}", "SomeOtherService.InitiateAuth", "UnknownOperationException"),
        (
            b'{"AuthFlow": "USER_PASSWORD_AUTH"}',
            TARGET + "InitiateAuth",
            "InvalidParameterException",
        ),
        (
            b'{"ClientId": "abc", "AuthFlow": "NOT_A_FLOW"}',
            TARGET + "InitiateAuth",
            "InvalidParameterException",
        ),
        (b"\xff\xfe\x00garbage", TARGET + "InitiateAuth", "SerializationException"),
    ],
)
def test_bad_request_gets_a_400_with_a_cognito_error(sandbox_url, body, target, error_type):
    status, payload = post(sandbox_url, body, target)
    assert status == 400
    assert payload["__type"] == error_type
    assert payload["message"]


def test_missing_member_message_has_cognitos_shape(sandbox_url):
    status, payload = post(sandbox_url, b'{"AuthFlow": "USER_PASSWORD_AUTH"}')
    assert payload["message"] == (
        "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_huge_body_is_refused_and_the_sandbox_keeps_serving(sandbox_url, cognito):
    status, payload = post(sandbox_url, b'{"ClientId": "' + b"a" * (3 * 1024 * 1024) + b'"}')
    assert status == 400
    assert payload["__type"] == "InvalidParameterException"
    assert "UserPools" in cognito.list_user_pools(MaxResults=1)


def test_botocore_parses_the_errors(sandbox_url, make_pool):
    """Wrong types and short codes from an SDK that does not validate reach the sandbox."""
    unchecked = boto3.client(
        "cognito-idp",
        endpoint_url=sandbox_url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )
    with cognito_error(
        "InvalidParameterException",
        "1 validation error detected: Value at 'userCode' failed to satisfy constraint: "
        "Member must have length greater than or equal to 6",
    ):
        unchecked.verify_software_token(AccessToken="abc", UserCode="12345")
    with cognito_error("SerializationException"):
        unchecked.initiate_auth(ClientId=["x"], AuthFlow="USER_PASSWORD_AUTH")


def test_unknown_path_and_method(sandbox_url):
    parts = urlparse(sandbox_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    connection.request("GET", "/nothing-here")
    response = connection.getresponse()
    assert response.status == 404
    assert json.loads(response.read())["__type"] == "UnknownOperationException"


def test_many_concurrent_connections(sandbox_url, make_pool):
    pool = make_pool()
    user = pool.create_user()

    def one(index: int) -> int:
        if index % 3 == 0:
            return post(sandbox_url, b"{broken")[0]
        body = json.dumps(
            {
                "ClientId": pool.client_id,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": user, "PASSWORD": "Corr3ct-Horse!"},
            }
        ).encode()
        return post(sandbox_url, body)[0]

    with ThreadPoolExecutor(max_workers=32) as pool_of_threads:
        statuses = list(pool_of_threads.map(one, range(150)))
    assert statuses.count(400) == 50
    assert statuses.count(200) == 100
