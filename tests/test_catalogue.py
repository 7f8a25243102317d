"""The catalogue of learner-facing words: complete for every error the sandbox can answer,
consistent with the code that reads it, and shipped with the package."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from cognito_tutorial import catalogue
from cognito_tutorial.errors import UNKNOWN_ERROR, WAY_ON_TEXT, WAYS_ON, explain
from cognito_tutorial.next_step import GUIDES

ROOT = Path(__file__).resolve().parent.parent
SANDBOX = ROOT / "cognito_tutorial" / "sandbox"
ERROR_CODE = re.compile(r'"([A-Z][A-Za-z]+Exception)"')

# What AWS answers to a request that is unsigned, signed with an unknown key or wrongly signed,
# and to a fault of its own; the sandbox answers them as AWS does.
SIGNED_REQUEST_ERRORS = {
    "MissingAuthenticationTokenException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "InternalErrorException",
}


def sandbox_error_codes() -> set[str]:
    """Every error code written in the sandbox's source, and every one moto's Cognito raises
    (the sandbox passes moto's errors through)."""
    codes = {code for path in SANDBOX.glob("*.py") for code in ERROR_CODE.findall(path.read_text())}
    moto_errors = importlib.util.find_spec("moto.cognitoidp.exceptions")
    assert moto_errors is not None and moto_errors.origin is not None
    codes |= set(ERROR_CODE.findall(Path(moto_errors.origin).read_text()))
    return codes


def test_the_scan_finds_the_sandbox_errors():
    codes = sandbox_error_codes()
    # A few the sandbox certainly answers: if these are missing, the scan itself is broken.
    assert {"CodeMismatchException", "NotAuthorizedException", "UsernameExistsException"} <= codes


@pytest.mark.parametrize("code", sorted(sandbox_error_codes() | SIGNED_REQUEST_ERRORS))
def test_every_error_the_sandbox_can_answer_is_explained(code):
    explanation = explain(ClientError({"Error": {"Code": code, "Message": "m"}}, "AnyOperation"))
    assert explanation.title != UNKNOWN_ERROR.title, f"add an explanation of {code} to errors.toml"


def test_a_sandbox_bug_is_explained_as_one_with_the_way_to_its_log():
    message = "The sandbox failed unexpectedly; the traceback is in /home/x/sandbox.log."
    explanation = explain(
        ClientError({"Error": {"Code": "InternalErrorException", "Message": message}}, "GetUser")
    )
    assert explanation.title == "The local sandbox hit a bug"
    assert "log" in explanation.todo and "report" in explanation.todo
    assert message in str(explanation)  # the log's path stays visible


def test_ways_on_are_worded_once_each():
    assert set(WAY_ON_TEXT) == set(WAYS_ON)


def test_every_guide_names_a_sketch_that_exists_and_can_be_filled():
    words = catalogue.load("next_steps")
    for guide in GUIDES:
        if not guide.operations:
            assert guide.sketch == "", guide.key
            continue
        sketch = words["sketches"][guide.sketch]
        assert ("$respond" in sketch["code"]) == ("session" in sketch), guide.sketch


def test_the_catalogue_files_are_installed_with_the_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["cognito_tutorial"]
    package = ROOT / "cognito_tutorial"
    data_files = [path.relative_to(package).as_posix() for path in package.rglob("*.toml")]
    assert data_files
    for name in data_files:
        assert any(fnmatch(name, pattern) for pattern in patterns), f"{name} is not package data"
