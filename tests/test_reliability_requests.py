"""Hostile HTTP at the socket level: what test_sandbox_bad_requests.py does not send.

Each test writes raw bytes (no HTTP library tidies them up), checks the answer is a
Cognito-shaped error, then checks the sandbox still answers a normal call.
docs/reliability.md lists each input with what a learner sees.
"""

from __future__ import annotations

import json
import socket
import time
from contextlib import closing
from urllib.parse import urlparse

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from expect import cognito_error
from support import REGION

from cognito_tutorial.sandbox.credentials import load_or_create
from cognito_tutorial.sandbox.paths import state_dir

TARGET = "AWSCognitoIdentityProviderService."


def connect_to(url: str) -> socket.socket:
    parts = urlparse(url)
    connection = socket.create_connection((parts.hostname, parts.port), timeout=10)
    connection.settimeout(10)
    return connection


def request_head(operation: str, *headers: str, signed_body: bytes = b"") -> bytes:
    """The request line and headers, signed as botocore signs (the test home's key) over
    `signed_body`: the body the sandbox will read, which is not always what a test sends."""
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1/",
        headers={"Host": "127.0.0.1", "X-Amz-Target": f"{TARGET}{operation}"},
        data=signed_body,
    )
    key = load_or_create(state_dir())
    signer = SigV4Auth(Credentials(key.access_key_id, key.secret_access_key), "cognito-idp", REGION)
    signer.add_auth(request)
    lines = ["POST / HTTP/1.1", *(f"{name}: {value}" for name, value in request.headers.items())]
    return ("\r\n".join([*lines, *headers]) + "\r\n\r\n").encode()


def send_all(url: str, data: bytes) -> bytes:
    """Send raw bytes, half-close (the request has ended), read until the server closes."""
    with closing(connect_to(url)) as connection:
        connection.sendall(data)
        connection.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    return reply


def exchange(url: str, data: bytes) -> tuple[int, bytes]:
    """`send_all`, the answer split into (HTTP status, body)."""
    head, _, body = send_all(url, data).partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def cognito_shaped(body: bytes) -> dict:
    payload = json.loads(body)
    assert payload["__type"] and payload["message"], payload
    return payload


def still_serving(cognito) -> None:
    assert "UserPools" in cognito.list_user_pools(MaxResults=1)


def json_request(operation: str, body: bytes) -> bytes:
    return request_head(operation, f"Content-Length: {len(body)}", signed_body=body) + body


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b'{"ClientId": "abc", "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": '
        + b"[" * 5_000
        + b"]" * 5_000
        + b"}}",
    ],
    ids=["lists", "objects", "inside-AuthParameters"],
)
def test_deeply_nested_json_is_a_serialization_error(sandbox_url, cognito, body):
    status, reply = exchange(sandbox_url, json_request("InitiateAuth", body))
    assert status == 400
    assert cognito_shaped(reply)["__type"] == "SerializationException"
    still_serving(cognito)


@pytest.mark.parametrize("field", ["USERNAME", "PASSWORD", "SECRET_HASH"])
def test_a_lone_surrogate_escape_is_a_serialization_error(sandbox_url, cognito, make_pool, field):
    """Valid JSON syntax, but "\\ud800" alone is not Unicode: it once failed inside the hash."""
    pool = make_pool(secret=True)
    parameters = {"USERNAME": "someone", "PASSWORD": "x", "SECRET_HASH": "x", field: "a\ud800"}
    body = json.dumps(
        {"ClientId": pool.client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": parameters}
    ).encode()
    assert b"\\ud800" in body
    status, reply = exchange(sandbox_url, json_request("InitiateAuth", body))
    assert status == 400
    assert cognito_shaped(reply)["__type"] == "SerializationException"
    still_serving(cognito)


def test_non_ascii_secret_hash_is_a_wrong_secret_hash(make_pool):
    pool = make_pool(secret=True)
    user = pool.create_user()
    with cognito_error(
        "NotAuthorizedException", f"Unable to verify secret hash for client {pool.client_id}"
    ):
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": "x", "SECRET_HASH": "h\u00e9llo=="},
        )


def test_non_ascii_digits_are_a_wrong_code(make_pool, clock):
    """Arabic-Indic digits look like a code to a person, not to RFC 6238."""
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    pool.enrol_totp(user, clock)
    clock.advance(30)
    challenge = pool.sign_in(user)
    with cognito_error("CodeMismatchException", "Invalid code received for user"):
        pool.cognito.admin_respond_to_auth_challenge(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": "\u0661" * 6},
        )


def test_body_shorter_than_its_content_length(sandbox_url, cognito):
    """The client sends part of the body and stops sending (half-close): once a 500 page."""
    data = request_head("ListUserPools", "Content-Length: 1000") + b'{"MaxResults": 1}'
    status, reply = exchange(sandbox_url, data)
    assert status == 400
    assert cognito_shaped(reply) == {
        "__type": "SerializationException",
        "message": "The request body ended before its Content-Length.",
    }
    still_serving(cognito)


def test_body_longer_than_its_content_length(sandbox_url, cognito):
    """Only Content-Length bytes are read: a cut-off document, then the rest is not a request."""
    data = request_head("ListUserPools", "Content-Length: 5", signed_body=b'{"Max')
    data += b'{"MaxResults": 1}'
    status, reply = exchange(sandbox_url, data)
    assert status == 400
    assert cognito_shaped(reply)["__type"] == "SerializationException"
    still_serving(cognito)


@pytest.mark.parametrize("length", ["-5", "abc", "1e3"])
def test_invalid_content_length_reads_no_body(sandbox_url, cognito, length):
    data = request_head("ListUserPools", f"Content-Length: {length}") + b'{"MaxResults": 1}'
    status, reply = exchange(sandbox_url, data)
    assert status == 400
    assert "'maxResults'" in cognito_shaped(reply)["message"]  # the body was not read
    still_serving(cognito)


def test_missing_content_length_and_type(sandbox_url, cognito):
    """No Content-Length and no chunking: an empty body, so a required member is missing."""
    status, reply = exchange(sandbox_url, request_head("ListUserPools") + b'{"MaxResults": 1}')
    assert status == 400
    assert cognito_shaped(reply)["__type"] == "InvalidParameterException"
    still_serving(cognito)


def chunked(body: bytes, size: int) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def test_chunked_body_is_read(sandbox_url):
    body = b'{"MaxResults": 1}'
    data = request_head("ListUserPools", "Transfer-Encoding: chunked", signed_body=body)
    status, reply = exchange(sandbox_url, data + chunked(body, 4))
    assert status == 200
    assert "UserPools" in json.loads(reply)


def test_huge_chunked_body_is_refused(sandbox_url, cognito):
    """No Content-Length to refuse early: reading stops at the 1 MiB limit, so the document
    arrives cut off."""
    body = b'{"ClientId": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    data = request_head("InitiateAuth", "Transfer-Encoding: chunked") + chunked(body, 65536)
    status, reply = exchange(sandbox_url, data)
    assert status == 400
    assert cognito_shaped(reply)["__type"] == "SerializationException"
    still_serving(cognito)


def test_garbage_request_line_keeps_the_sandbox_serving(sandbox_url, cognito):
    """Not HTTP at all: Python's HTTP server answers 400 itself (no SDK sends this)."""
    reply = send_all(sandbox_url, b"\x16\x03\x01 NOT HTTP\r\n\r\n")
    assert b"Error code: 400" in reply
    still_serving(cognito)


def test_clients_that_disconnect_mid_request(sandbox_url, cognito):
    """Part of a request (inside the headers, or inside the body), then the socket closes."""
    whole = json_request("ListUserPools", b'{"MaxResults": 1}')
    for cut in range(1, len(whole), 7):
        with closing(connect_to(sandbox_url)) as connection:
            connection.sendall(whole[:cut])
    still_serving(cognito)


def test_slow_body_is_answered(sandbox_url):
    """A body trickled a byte at a time (a slow link) is read to the end, then answered."""
    with closing(connect_to(sandbox_url)) as connection:
        body = b'{"MaxResults": 1}'
        head = request_head("ListUserPools", f"Content-Length: {len(body)}", signed_body=body)
        connection.sendall(head)
        for byte in body:
            connection.sendall(bytes([byte]))
            time.sleep(0.01)
        reply = connection.recv(65536)
    assert reply.startswith(b"HTTP/1.1 200")


def test_stalled_and_idle_connections_do_not_block_sign_ins(sandbox_url, make_pool):
    """Slow-loris: 100 half-sent requests and 100 silent connections stay open while a full
    sign-in succeeds; each connection has its own thread and none holds the sandbox's lock."""
    pool = make_pool()
    user = pool.create_user()
    held = []
    try:
        for index in range(200):
            connection = connect_to(sandbox_url)
            held.append(connection)
            if index % 2:
                connection.sendall(request_head("ListUserPools", "Content-Length: 100") + b"{")
        assert "AuthenticationResult" in pool.sign_in(user)
    finally:
        for connection in held:
            connection.close()
