"""The sandbox's WSGI application: the Cognito JSON API on one URL, as AWS serves it.

Every request is checked here first (size, X-Amz-Target, the SigV4 signature where Cognito
wants one, JSON, the API model's constraints, an AccessToken, and what the sandbox does not
emulate), so that bad input gets a Cognito-shaped 4xx and never reaches moto. The
authentication operations go to the auth layer, the ones that send codes to the account flows
(accounts.py); everything else goes to moto's own Cognito server unchanged. One lock serialises
requests: moto's objects are not thread-safe, and a sign-in takes milliseconds.

Beside the API: a browser's `OPTIONS` preflight and the CORS headers of every answer (cors.py),
and `GET /_sandbox/outbox`, the messages Cognito would have sent, for requests signed with the
sandbox's key.

Whatever else goes wrong becomes Cognito's JSON `InternalErrorException`, never an HTML page: the
traceback goes to the sandbox's log (its standard error), and the message says where that is.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import threading
import time
from io import BytesIO
from pathlib import Path
from typing import Any

from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from . import cors, directory, paths, state, validation
from .accounts import AccountFlows
from .auth import AuthLayer
from .clock import ClockFileError
from .credentials import Credentials, load_or_create, needs_signature, verify_signature
from .errors import CognitoError
from .forget import Forgetting
from .not_emulated import refuse_what_is_not_emulated

MAX_BODY_BYTES = 1024 * 1024
CONTENT_TYPE = "application/x-amz-json-1.1"
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "AdminGet", "AdminList")

log = logging.getLogger(__name__)


class SandboxApp:
    """WSGI callable. `state_path=None` keeps everything in memory (the `--fresh` sandbox).

    `credentials`: the one access key whose signatures it accepts; default: its home's
    (`credentials.load_or_create(paths.state_dir())`), whatever the state file."""

    def __init__(
        self,
        *,
        clock: Any = None,
        state_path: Path | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        self.credentials = credentials or load_or_create(paths.state_dir())
        self.state_path = state_path
        directory.adapt_moto()
        if state_path is None:
            directory.reset()
            self.auth = AuthLayer(clock=clock)
            self.load_note = "in memory only (--fresh): nothing is saved"
        else:
            loaded = state.load(state_path)
            self.auth = AuthLayer(loaded.auth, clock=clock)
            self.load_note = loaded.note
        self.moto = directory.moto_wsgi_app()
        self.lock = threading.Lock()
        self.forgetting = Forgetting()
        self.accounts = AccountFlows(self.auth)
        self.own_operations = {
            **{name: self.auth.handle for name in AuthLayer.OPERATIONS},
            **{name: self.accounts.handle for name in AccountFlows.OPERATIONS},
        }
        self.last_request_at = time.monotonic()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.last_request_at = time.monotonic()
        try:
            response = self._dispatch(environ)
        except CognitoError as error:
            response = _error(error)
        except ClockFileError as error:
            response = _error(CognitoError("InternalErrorException", str(error), status=500))
        except Exception:
            log.exception("Unexpected error answering %s", environ.get("HTTP_X_AMZ_TARGET"))
            response = _error(
                CognitoError(
                    "InternalErrorException",
                    "The local sandbox failed on this request; the details are in "
                    f"{_where_errors_go()}. Send the request again; if it fails the same way, "
                    "restart the sandbox.",
                    status=500,
                )
            )
        return cors.add_headers(response)(environ, start_response)

    def _dispatch(self, environ: dict[str, Any]) -> Response:
        request = Request(environ)
        request.max_content_length = MAX_BODY_BYTES
        if request.method == "OPTIONS":
            return cors.preflight(request.headers)
        if request.path == "/_sandbox/health":
            health = {"sandbox": "cognito-tutorial", "pid": os.getpid(), "state": self.load_note}
            return _json(200, health)
        if request.path == "/_sandbox/outbox":
            return self._outbox(request)
        if request.method == "GET" and "/.well-known/" in request.path:
            with self.lock:
                return self._moto_call(environ, b"")
        if request.method != "POST" or request.path != "/":
            error = CognitoError("UnknownOperationException", "Send Cognito API calls to POST /.")
            return _error(error, 404)
        return self._api_call(request, environ)

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
        if needs_signature(operation):  # as AWS: before the body is even parsed
            self._check_signature(request, body)
        try:
            params = json.loads(body or b"{}", parse_constant=_not_json, parse_float=_finite_float)
            # A lone surrogate escape ("\\ud800") decodes but is not Unicode: refuse it here,
            # not later in a hash; deep nesting raises RecursionError.
            json.dumps(params, ensure_ascii=False).encode()
        except (ValueError, RecursionError):
            raise CognitoError("SerializationException", "The request body is not JSON.") from None
        validation.validate(operation, params)
        name = operation.name
        own = self.own_operations.get(name)
        with self.lock:
            try:
                if own is None and "AccessToken" in params:  # GetUser, GlobalSignOut, ...
                    self.auth.check_access_token(params["AccessToken"])
                refuse_what_is_not_emulated(name, params)
                if own is None:
                    response = self._moto_call(environ, body)
                    if name in ("CreateUserPool", "UpdateUserPool") and response.status_code == 200:
                        created = json.loads(response.get_data() or b"{}").get("UserPool") or {}
                        directory.settle_mfa_configuration(
                            params.get("UserPoolId") or created["Id"]
                        )
                else:
                    response = _json(200, _answer(own, name, params))
            except CognitoError:
                # A refusal can change state on purpose: a wrong password counts towards the
                # lockout, a wrong PASSWORD_VERIFIER spends its session. Those are kept too.
                if own is not None:
                    self._save(name, wrote=True)
                raise
            self._save(name, wrote=own is not None)
        return response

    def _check_signature(self, request: Request, body: bytes) -> None:
        """The request is signed with this sandbox's key (SigV4, `credentials.py`)."""
        verify_signature(
            self.credentials,
            method=request.method,
            path=request.path,
            query=request.query_string.decode("latin-1"),
            headers=request.headers,
            body=body,
        )

    def _outbox(self, request: Request) -> Response:
        """``GET /_sandbox/outbox?poolId=...&user=...``: the messages Cognito would have sent
        (messages.py), oldest first. They hold codes, so the request must be signed with the
        sandbox's key, as its admin operations are."""
        if request.method != "GET":
            raise CognitoError("UnknownOperationException", "Read the outbox with GET.")
        self._check_signature(request, b"")
        with self.lock:
            messages = self.auth.state.outbox.read(
                pool_id=request.args.get("poolId") or None, user=request.args.get("user") or None
            )
            return _json(200, {"messages": [message.as_json() for message in messages]})

    def _save(self, operation: str, *, wrote: bool) -> None:
        """After a write: forget what Cognito would no longer honour (forget.py), then put the
        state on disk before the answer goes out (a persistent sandbox). moto's reads
        (Describe..., Get..., List...) write nothing; the sandbox's own operations may, even
        GetTokensFromRefreshToken (`wrote`)."""
        if not wrote and operation.startswith(READ_ONLY_PREFIXES):
            return
        self.forgetting.forget_if_due(self.auth)
        if self.state_path is None:
            return
        try:
            state.save(self.state_path, self.auth.state)
        except OSError as error:
            raise CognitoError(
                "InternalErrorException",
                f"The sandbox could not save its state ({error}): this change is not "
                "on disk. Check the disk, then send the request again.",
                status=500,
            ) from error

    def _moto_call(self, environ: dict[str, Any], body: bytes) -> Response:
        inner = dict(environ, **{"wsgi.input": BytesIO(body), "CONTENT_LENGTH": str(len(body))})
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            captured["status"], captured["headers"] = status, headers

        try:
            chunks = b"".join(self.moto(inner, start_response))
        except Exception as error:  # moto failed on input we let through: never a 500 here
            log.exception("moto failed on %s", environ.get("HTTP_X_AMZ_TARGET"))
            raise CognitoError(
                "InvalidParameterException",
                f"The sandbox could not process this request ({type(error).__name__}; the "
                f"details are in {_where_errors_go()}).",
            ) from error
        status = int(captured["status"].split()[0])
        if status >= 500:
            raise CognitoError(
                "InvalidParameterException", "The sandbox could not process this request."
            )
        return Response(chunks, status=status, headers=captured["headers"])


def _answer(handler: Any, name: str, params: dict[str, Any]) -> dict[str, Any]:
    """The sandbox's own answer; a moto error raised while reading the directory becomes the
    Cognito error it stands for."""
    try:
        return handler(name, params)
    except CognitoError:
        raise
    except Exception as error:
        converted = directory.moto_error(error)
        if converted is None:
            raise
        raise converted from error


def _not_json(constant: str) -> Any:
    """NaN and Infinity: Python's JSON reader accepts them, JSON does not."""
    raise ValueError(f"{constant} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400
        raise ValueError(f"{text} is out of range")
    return number


def _where_errors_go() -> str:
    """Where this process's tracebacks go, for an error message: the log file a spawned
    sandbox writes to (its standard error is that file), or else the terminal that runs it."""
    try:
        stderr_file = os.readlink(f"/proc/self/fd/{sys.stderr.fileno()}")  # Linux
    except (OSError, ValueError, AttributeError):
        stderr_file = ""
    if stderr_file.startswith("/") and os.path.isfile(stderr_file):
        return stderr_file
    log_file = paths.log_file()
    try:
        if os.path.samestat(os.fstat(sys.stderr.fileno()), os.stat(log_file)):
            return str(log_file)
    except (OSError, ValueError, AttributeError):  # no such file; stderr is not a file
        pass
    return "the sandbox's log (the terminal it runs in)"


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload), status=status, content_type=CONTENT_TYPE)


def _error(error: CognitoError, status: int | None = None) -> Response:
    response = _json(status or error.status, error.body())
    response.headers["x-amzn-ErrorType"] = error.code
    return response
