"""`with cognito_error("CodeMismatchException", "Invalid code received for user"): ...`"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from botocore.exceptions import ClientError


@contextmanager
def cognito_error(code: str, message: str | None = None) -> Iterator[pytest.ExceptionInfo]:
    """Assert the block raises the Cognito error `code`, with exactly `message` if given."""
    with pytest.raises(ClientError) as caught:
        yield caught
    error = caught.value.response["Error"]
    assert error["Code"] == code, error
    if message is not None:
        assert error["Message"] == message, error
