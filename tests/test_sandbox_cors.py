"""A browser's view of the sandbox: the preflight, and the headers that let a page read answers.

Over raw HTTP, as a browser sends them (botocore would not send an OPTIONS request). The
endpoint is the client's, so on AWS these check Cognito's own answers.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.contract

ORIGIN = "http://localhost:5173"  # a dev server's page, as an Amplify app runs
REQUESTED_HEADERS = "content-type,x-amz-target,x-amz-user-agent,cache-control"
EXPOSED = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"


def send(url: str, method: str, headers: dict[str, str], body: bytes | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_a_preflight_is_answered_for_any_origin(cognito):
    status, headers, _ = send(
        cognito.meta.endpoint_url + "/",
        "OPTIONS",
        {
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": REQUESTED_HEADERS,
        },
    )
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    allowed = {name.strip().lower() for name in headers["Access-Control-Allow-Headers"].split(",")}
    assert set(REQUESTED_HEADERS.split(",")) <= allowed
    assert int(headers["Access-Control-Max-Age"]) > 0


def test_a_public_call_from_a_page_can_read_its_answer_and_its_error(make_pool):
    pool = make_pool()
    user = pool.create_user()
    body = json.dumps(
        {
            "ClientId": pool.client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": user, "PASSWORD": "Wrong-Passw0rd!"},
        }
    ).encode()
    status, headers, answer = send(
        pool.cognito.meta.endpoint_url + "/",
        "POST",
        {
            "Origin": ORIGIN,
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
        body,
    )
    assert status == 400
    assert json.loads(answer)["__type"].endswith("NotAuthorizedException")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Access-Control-Expose-Headers"] == EXPOSED
    assert headers["x-amzn-RequestId"]


@pytest.mark.sandbox_only("moto's answers pass through the sandbox")
def test_answers_moto_gives_carry_the_headers_too(sandbox_url, cognito):
    cognito.list_user_pools(MaxResults=1)  # moto answers it
    status, headers, _ = send(f"{sandbox_url}/_sandbox/health", "GET", {"Origin": ORIGIN})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    response = cognito.list_user_pools(MaxResults=1)
    assert response["ResponseMetadata"]["HTTPHeaders"]["access-control-allow-origin"] == "*"
