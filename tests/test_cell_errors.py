"""Errors raised in a notebook cell, in a real kernel: explained, the traceback one click away,
and still a failure for Run All, papermill and nbval."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import nbformat
import pytest
from support import KernelUnderTest

RAISE_CODE_MISMATCH = """
from botocore.exceptions import ClientError
raise ClientError(
    {"Error": {"Code": "CodeMismatchException", "Message": "Invalid code received for user"}},
    "RespondToAuthChallenge",
)
"""
INSTALL = "from cognito_tutorial import cell_errors; cell_errors.install()"


@pytest.fixture(scope="module")
def kernel():
    running = KernelUnderTest()
    reply, _ = running.run(INSTALL)
    assert reply["content"]["status"] == "ok"
    yield running
    running.stop()


def html_of(outputs: list[dict]) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in outputs)


def test_a_cognito_error_is_explained_with_its_traceback_folded(kernel):
    reply, outputs = kernel.run(RAISE_CODE_MISMATCH)
    shown = html_of(outputs)
    assert "The code did not match" in shown  # the catalogue's title
    assert "CodeMismatchException" in shown and "Invalid code received for user" in shown
    assert "What to do" in shown
    assert "<details" in shown and "Full traceback" in shown
    assert "raise ClientError(" in shown  # the cell's own line, in the folded traceback
    assert "run_code" not in shown  # IPython's frame is left out
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert len(errors) == 1, outputs
    assert errors[0]["traceback"] == [
        "CodeMismatchException: Invalid code received for user (explained above)"
    ]
    # The cell failed, as it would have without the explanation: Run All stops here.
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "ClientError"


def test_the_tutorials_own_error_is_one_paragraph(kernel):
    reply, outputs = kernel.run(
        "from cognito_tutorial.errors import TutorialError\n"
        "raise TutorialError('The pool is gone.', 'It was deleted.', 'Run set-up again.',"
        " title='No pool')"
    )
    shown = html_of(outputs)
    assert "<b>No pool.</b> The pool is gone. It was deleted. Run set-up again." in shown
    assert len(re.findall(r"<p[ >]", shown)) == 1
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert errors[0]["traceback"] == ["TutorialError: No pool (explained above)"]
    assert reply["content"]["status"] == "error"


def test_other_errors_keep_pythons_traceback(kernel):
    reply, outputs = kernel.run("1 / 0")
    assert not html_of(outputs)
    assert reply["content"]["ename"] == "ZeroDivisionError"
    assert len(outputs[-1]["traceback"]) > 1


def test_another_handler_is_left_in_place():
    from IPython.core.interactiveshell import InteractiveShell

    from cognito_tutorial import cell_errors

    shell = InteractiveShell()
    shell.set_custom_exc((KeyError,), lambda *args, **kwargs: None)
    assert not cell_errors.install(shell)
    assert shell.custom_exceptions == (KeyError,)


def notebook_that_fails(path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(INSTALL),
        nbformat.v4.new_code_cell(RAISE_CODE_MISMATCH),
        nbformat.v4.new_code_cell("print('never run')"),
    ]
    nbformat.write(notebook, path)
    return path


def test_papermill_still_sees_the_failure(tmp_path):
    import papermill

    source = notebook_that_fails(tmp_path / "fails.ipynb")
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        papermill.execute_notebook(
            str(source), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False
        )
    assert caught.value.ename == "ClientError"
    executed = json.loads((tmp_path / "out.ipynb").read_text())
    assert executed["cells"][-1]["outputs"] == []  # it stopped at the failing cell


def test_nbval_still_sees_the_failure(tmp_path):
    notebook_that_fails(tmp_path / "fails.ipynb")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-p",
            "no:cacheprovider",
            "-q",
            str(tmp_path / "fails.ipynb"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=240,
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert "CodeMismatchException" in result.stdout
