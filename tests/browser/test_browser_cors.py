"""A page in Chromium calls the sandbox as a browser-hosted Cognito app does: the browser
sends its own CORS preflight (a JSON request with X-Amz-Target is not a "simple" request) and
lets the page read the answer only if the sandbox allows it."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from support import PASSWORD

pytestmark = pytest.mark.browser


CALL = """async ([url, body]) => {
  const answer = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
      "X-Amz-User-Agent": "aws-amplify/6",
    },
    body: JSON.stringify(body),
  });
  return {status: answer.status, body: await answer.json(),
          requestId: answer.headers.get("x-amzn-RequestId")};
}"""


class _AppPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b"<!doctype html><title>app</title><p>An app served like a dev server's.</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def app_origin() -> Iterator[str]:
    """A page served from loopback on its own port, as `npm run dev` serves an app: another
    origin than the sandbox's (Chromium lets a loopback page, not a public one, call loopback)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AppPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_from_another_origin_signs_in(page, app_origin, make_pool, sandbox_url):
    pool = make_pool()
    user = pool.create_user()
    page.goto(app_origin)
    body = {
        "ClientId": pool.client_id,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD},
    }
    answer = page.evaluate(CALL, [sandbox_url + "/", body])
    assert answer["status"] == 200
    assert answer["body"]["AuthenticationResult"]["TokenType"] == "Bearer"
    assert answer["requestId"]  # exposed to the page by Access-Control-Expose-Headers
    wrong = page.evaluate(
        CALL, [sandbox_url + "/", {**body, "AuthParameters": {"USERNAME": user, "PASSWORD": "x"}}]
    )
    assert (wrong["status"], wrong["body"]["__type"]) == (400, "NotAuthorizedException")
