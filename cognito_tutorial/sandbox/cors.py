"""Cross-origin headers, so that an app in a browser (Amplify, amazon-cognito-identity-js) can
call the sandbox as it calls Cognito.

A browser sends a JSON request with `X-Amz-Target` only after a preflight `OPTIONS`, and lets
the page read the answer only if it carries `Access-Control-Allow-Origin`. Cognito's answers
carry `Access-Control-Allow-Origin: *` and `Access-Control-Expose-Headers:
x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date`, with an `x-amzn-RequestId` (a
browser's trace of cognito-idp, docs/sandbox.md). Its preflight answer is *inferred* from AWS's
other JSON services, measured with curl: 200, the same two headers, the requested headers
echoed in `Access-Control-Allow-Headers`, `Access-Control-Allow-Methods: POST` and
`Access-Control-Max-Age: 172800` (two days).
"""

from __future__ import annotations

import uuid

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response

EXPOSED_HEADERS = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
PREFLIGHT_MAX_AGE_SECONDS = 172800


def preflight(request_headers: Headers) -> Response:
    """The answer to a browser's `OPTIONS` preflight: any origin may POST, with the headers it
    asked for (`Content-Type`, `X-Amz-Target`, `X-Amz-User-Agent`, `Authorization`, ...)."""
    response = Response(b"", status=200)
    response.headers["Access-Control-Allow-Methods"] = "POST"
    requested = request_headers.get("Access-Control-Request-Headers")
    if requested:
        response.headers["Access-Control-Allow-Headers"] = requested
    response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
    add_headers(response)
    return response


def add_headers(response: Response) -> Response:
    """What every answer carries, as Cognito's do: any origin may read it, and its request id."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if "x-amzn-RequestId" not in response.headers:
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return response
