"""JWT reading and verification: a local RSA key served as a JWKS over HTTP, and real sandbox
tokens verified against the sandbox's own JWKS."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from cognito_tutorial.errors import TokenInvalid, TutorialError
from cognito_tutorial.tokens import (
    decode,
    issuer_for,
    local_jwks_url,
    show_token,
    verify,
)

REGION = "eu-west-1"
POOL = "eu-west-1_TestPool1"
CLIENT = "client1234567890"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"
KID = "test-key-1"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY = new_key()


class _JwksHandler(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def jwks_url():
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    handler = type("Handler", (_JwksHandler,), {})
    handler.body = json.dumps({"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]})
    handler.body = handler.body.encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{POOL}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


def make_token(token_use: str = "id", key=KEY, kid: str = KID, **changes) -> str:
    now = int(time.time())
    claims = {
        "sub": "5f1e-alice",
        "iss": ISSUER,
        "token_use": token_use,
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "cognito:username": "alice",
    }
    claims["aud" if token_use == "id" else "client_id"] = CLIENT
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def check(token: str, jwks_url: str, token_use: str = "id", **kwargs) -> dict:
    options = {"region": REGION, "user_pool_id": POOL, "client_id": CLIENT, **kwargs}
    return verify(token, token_use=token_use, jwks_url=jwks_url, **options)


def failed_check(token: str, jwks_url: str, token_use: str = "id", **kwargs) -> TokenInvalid:
    with pytest.raises(TokenInvalid) as caught:
        check(token, jwks_url, token_use, **kwargs)
    assert caught.value.todo  # always says what to do
    return caught.value


def test_valid_id_and_access_tokens(jwks_url: str) -> None:
    assert check(make_token("id"), jwks_url)["aud"] == CLIENT
    assert check(make_token("access"), jwks_url, "access")["client_id"] == CLIENT


def test_wrong_issuer(jwks_url: str) -> None:
    error = failed_check(make_token(iss=issuer_for(REGION, "eu-west-1_Other")), jwks_url)
    assert error.check == "issuer"
    assert "eu-west-1_Other" in str(error) and POOL in str(error)


def test_wrong_audience(jwks_url: str) -> None:
    assert failed_check(make_token(aud="someone-else"), jwks_url).check == "audience"


def test_wrong_client_id_on_an_access_token(jwks_url: str) -> None:
    error = failed_check(make_token("access", client_id="someone-else"), jwks_url, "access")
    assert error.check == "client_id"


@pytest.mark.parametrize(("made", "expected"), [("id", "access"), ("access", "id")])
def test_wrong_token_use(jwks_url: str, made: str, expected: str) -> None:
    error = failed_check(make_token(made), jwks_url, expected)
    assert error.check == "token_use"
    assert repr(made) in str(error)


def test_expired(jwks_url: str) -> None:
    past = int(time.time()) - 120
    error = failed_check(make_token(exp=past, iat=past - 3600), jwks_url)
    assert error.check == "expired"
    assert error.way_on == "restart_sign_in"


def test_leeway_accepts_a_just_expired_token(jwks_url: str) -> None:
    just = int(time.time()) - 2
    assert check(make_token(exp=just, iat=just - 3600), jwks_url, leeway=60)["sub"]


def test_bad_signature(jwks_url: str) -> None:
    assert failed_check(make_token(key=new_key()), jwks_url).check == "signature"


def test_tampered_claims_break_the_signature(jwks_url: str) -> None:
    header, _, signature = make_token().split(".")
    forged = jwt.utils.base64url_encode(
        json.dumps(decode(make_token(sub="mallory"))["claims"]).encode()
    ).decode()
    assert failed_check(f"{header}.{forged}.{signature}", jwks_url).check == "signature"


def test_unknown_kid(jwks_url: str) -> None:
    error = failed_check(make_token(kid="another-key"), jwks_url)
    assert error.check == "kid"
    assert jwks_url in str(error)


def test_other_algorithm_is_refused(jwks_url: str) -> None:
    token = jwt.encode({"iss": ISSUER}, "k" * 32, algorithm="HS256", headers={"kid": KID})
    assert failed_check(token, jwks_url).check == "algorithm"


def test_missing_token_use_claim(jwks_url: str) -> None:
    error = failed_check(make_token(token_use=None, aud=CLIENT), jwks_url)
    assert error.check == "missing_claim"


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.bm90LWpzb24.x"])
def test_malformed_tokens(jwks_url: str, token: str) -> None:
    assert failed_check(token, jwks_url).check == "format"


def test_bad_token_use_argument_is_not_a_token_problem(jwks_url: str) -> None:
    with pytest.raises(TutorialError) as caught:
        check(make_token(), jwks_url, "refresh")
    assert not isinstance(caught.value, TokenInvalid)


def test_unreachable_jwks_is_a_setup_problem() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TutorialError) as caught:
        check(make_token(), f"http://127.0.0.1:{port}/jwks.json")
    assert caught.value.problem == "jwks_unreachable"
    assert caught.value.way_on == "fix_setup"


@pytest.fixture
def serve_body():
    """Serve a fixed body as the JWKS; returns its URL."""
    servers = []

    def serve(body: bytes) -> str:
        handler = type("Handler", (_JwksHandler,), {"body": body})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/jwks.json"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("body", "detail"),
    [(b"<html>", "not JSON"), (b"[1, 2]", "JSON object"), (b'{"keys": []}', "keys")],
)
def test_a_jwks_that_cannot_be_read_is_a_setup_problem(serve_body, body, detail) -> None:
    with pytest.raises(TutorialError) as caught:
        check(make_token(), serve_body(body))
    assert caught.value.problem == "jwks_invalid"
    assert detail in str(caught.value)


def test_a_jwks_url_that_is_not_http_is_refused_before_fetching() -> None:
    with pytest.raises(TutorialError) as caught:
        check(make_token(), "file:///etc/passwd")
    assert caught.value.problem == "jwks_unreachable"
    assert "not an http(s) URL" in str(caught.value)


def test_urls() -> None:
    assert issuer_for("us-east-1", "us-east-1_abc") == (
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
    )
    assert local_jwks_url("http://127.0.0.1:5000/", "us-east-1_abc") == (
        "http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json"
    )


def test_decode_reads_without_verifying() -> None:
    parts = decode(make_token(key=new_key()))
    assert parts["header"] == {"alg": "RS256", "kid": KID, "typ": "JWT"}
    assert parts["claims"]["cognito:username"] == "alice"


def test_show_token_gives_utc_times_and_hides_the_signature() -> None:
    token = make_token(exp=1700000000, iat=1699996400, auth_time=1699996400)
    view = show_token(token)
    text, page = repr(view), view._repr_html_()
    signature = token.rsplit(".", 1)[1]
    for output in (text, page):
        assert "1700000000 (2023-11-14T22:13:20Z)" in output
        assert "1699996400 (2023-11-14T21:13:20Z)" in output
        assert signature[4:-4] not in output
        assert token not in output
    assert "not verified" in text
    assert '<th scope="row"' in page


# --- Real sandbox tokens, verified against the sandbox's JWKS --------------------------------


def test_sandbox_tokens_verify_against_its_jwks(make_pool, sandbox_url: str) -> None:
    pool = make_pool()
    username = pool.create_user()
    result = pool.sign_in(username)["AuthenticationResult"]
    options = {
        "region": "us-east-1",
        "user_pool_id": pool.pool_id,
        "client_id": pool.client_id,
        "jwks_url": local_jwks_url(sandbox_url, pool.pool_id),
    }
    id_claims = verify(result["IdToken"], token_use="id", **options)
    assert id_claims["cognito:username"] == username
    access_claims = verify(result["AccessToken"], token_use="access", **options)
    assert access_claims["client_id"] == pool.client_id
    with pytest.raises(TokenInvalid) as caught:
        verify(result["IdToken"], token_use="id", **{**options, "client_id": "not-this-one"})
    assert caught.value.check == "audience"
