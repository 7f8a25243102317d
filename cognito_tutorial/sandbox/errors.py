"""Cognito-shaped errors: what the sandbox answers when a request cannot succeed."""

from __future__ import annotations


class CognitoError(Exception):
    """An error the sandbox returns as Cognito does: HTTP 400 and a JSON body with `__type`.

    botocore turns it into `ClientError` with `Error.Code == code` and `Error.Message == message`.
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> dict[str, str]:
        return {"__type": self.code, "message": self.message}


def not_authorized(message: str) -> CognitoError:
    return CognitoError("NotAuthorizedException", message)


def invalid_parameter(message: str) -> CognitoError:
    return CognitoError("InvalidParameterException", message)


class SandboxError(RuntimeError):
    """The sandbox could not be started, found or stopped; the message says what to do."""
