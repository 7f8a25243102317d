"""The sandbox's WSGI application: the Cognito JSON API on one URL, as AWS serves it.

Every request is checked here first (size, X-Amz-Target, JSON, the API model's constraints), so
that bad input gets a Cognito-shaped 400 and never reaches moto. The authentication operations go
to the auth layer; everything else goes to moto's own Cognito server unchanged. One lock
serialises requests: moto's objects are not thread-safe, and a sign-in takes milliseconds.
"""

from __future__ import annotations

import json
import threading
import time
from io import BytesIO
from pathlib import Path
from typing import Any

from moto.moto_server.werkzeug_app import create_backend_app
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from . import state, validation
from .auth import AuthLayer
from .errors import CognitoError
from .forget import Forgetting

MAX_BODY_BYTES = 1024 * 1024
CONTENT_TYPE = "application/x-amz-json-1.1"
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "AdminGet", "AdminList")


class SandboxApp:
    """WSGI callable. `state_path=None` keeps everything in memory (the `--fresh` sandbox)."""

    def __init__(self, *, clock: Any = None, state_path: Path | None = None) -> None:
        self.state_path = state_path
        if state_path is None:
            from . import directory

            directory.reset()
            self.auth = AuthLayer(clock=clock)
            self.load_note = "in memory only (--fresh): nothing is saved"
        else:
            loaded = state.load(state_path)
            self.auth = AuthLayer(loaded.auth, clock=clock)
            self.load_note = loaded.note
        self.moto = create_backend_app("cognito-idp")
        self.lock = threading.Lock()
        self.forgetting = Forgetting()
        self.last_request_at = time.monotonic()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.last_request_at = time.monotonic()
        request = Request(environ)
        request.max_content_length = MAX_BODY_BYTES
        if request.path == "/_sandbox/health":
            return _json(200, {"sandbox": "cognito-tutorial", "state": self.load_note})(
                environ, start_response
            )
        if request.method == "GET" and "/.well-known/" in request.path:
            with self.lock:
                return self.moto(environ, start_response)
        if request.method != "POST" or request.path != "/":
            error = CognitoError("UnknownOperationException", "Send Cognito API calls to POST /.")
            return _error(error, 404)(environ, start_response)
        try:
            response = self._api_call(request, environ)
        except CognitoError as error:
            response = _error(error)
        return response(environ, start_response)

    def _api_call(self, request: Request, environ: dict[str, Any]) -> Any:
        try:
            body = request.get_data(cache=True)
        except RequestEntityTooLarge:
            raise CognitoError(
                "InvalidParameterException", f"Request body is larger than {MAX_BODY_BYTES} bytes."
            ) from None
        except ClientDisconnected:
            raise CognitoError(
                "SerializationException", "The request body ended before its Content-Length."
            ) from None
        operation = validation.operation_model(request.headers.get("X-Amz-Target"))
        try:
            params = json.loads(body or b"{}")
            # A lone surrogate escape ("\\ud800") decodes but is not Unicode: refuse it here,
            # not later in a hash; deep nesting raises RecursionError.
            json.dumps(params, ensure_ascii=False).encode()
        except (ValueError, RecursionError):
            raise CognitoError("SerializationException", "The request body is not JSON.") from None
        validation.validate(operation, params)
        name = operation.name
        if name.startswith("Admin") and "AWS4-HMAC-SHA256" not in request.headers.get(
            "Authorization", ""
        ):
            # Admin operations need IAM credentials (SigV4); the sandbox accepts any keys.
            raise CognitoError(
                "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        with self.lock:
            if name in AuthLayer.OPERATIONS:
                response = _json(200, self.auth.handle(name, params))
            else:
                if "AccessToken" in params:  # GetUser, GlobalSignOut, SetUserMFAPreference, ...
                    self.auth.check_access_token(params["AccessToken"])
                response = self._moto_call(environ, body)
            writes = not name.startswith(READ_ONLY_PREFIXES)
            if writes:  # before the save, so that the file holds what is alive (forget.py)
                self.forgetting.forget_if_due(self.auth)
            if self.state_path is not None and writes:
                try:
                    state.save(self.state_path, self.auth.state)
                except OSError as error:
                    raise CognitoError(
                        "InternalErrorException",
                        f"The sandbox could not save its state ({error}): this change is not "
                        "on disk. Check the disk, then send the request again.",
                        status=500,
                    ) from error
        return response

    def _moto_call(self, environ: dict[str, Any], body: bytes) -> Response:
        inner = dict(environ, **{"wsgi.input": BytesIO(body), "CONTENT_LENGTH": str(len(body))})
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            captured["status"], captured["headers"] = status, headers

        try:
            chunks = b"".join(self.moto(inner, start_response))
        except Exception as error:  # moto failed on input we let through: never a 500 here
            raise CognitoError(
                "InvalidParameterException", f"The sandbox could not process this request: {error}"
            ) from error
        status = int(captured["status"].split()[0])
        if status >= 500:
            raise CognitoError(
                "InvalidParameterException", "The sandbox could not process this request."
            )
        return Response(chunks, status=status, headers=captured["headers"])


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload), status=status, content_type=CONTENT_TYPE)


def _error(error: CognitoError, status: int | None = None) -> Response:
    response = _json(status or error.status, error.body())
    response.headers["x-amzn-ErrorType"] = error.code
    return response
