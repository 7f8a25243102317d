"""`python -m cognito_tutorial run` and the runner behind it.

The end-to-end tests run real notebooks in real kernels against a real sandbox subprocess; they
use lessons 00 and 01 (a few seconds each) and copies of them with a broken cell.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellTimeoutError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from papermill.exceptions import PapermillExecutionError

from cognito_tutorial.errors import TutorialError
from cognito_tutorial.instructor import runner
from cognito_tutorial.sandbox import is_answering

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
FIRST_TWO = ["00_start_here.ipynb", "01_sign_in_with_initiate_auth.ipynb"]
KERNELSPEC = {"name": "python3", "display_name": "Python 3"}


def run_cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COGNITO_TUTORIAL_")}
    return subprocess.run(
        [sys.executable, "-m", "cognito_tutorial", "run", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def copy_with_broken_cell(source: Path, target_dir: Path, after_cell: int) -> Path:
    """A copy of ``source`` with a failing code cell inserted as cell ``after_cell + 1``."""
    notebook = nbformat.read(source, as_version=4)
    bad = new_code_cell('raise RuntimeError("deliberately broken")')
    bad.id = "broken-cell"
    notebook.cells.insert(after_cell, bad)
    target = target_dir / source.name
    nbformat.write(notebook, target)
    return target


# --- end to end -------------------------------------------------------------------------


@pytest.mark.slow
def test_run_executes_notebooks_in_order_and_prints_a_table(tmp_path):
    result = run_cli("--out", str(tmp_path), "--notebooks", "00_*", "--notebooks", "01_*")

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    started = [line for line in lines if line.endswith(" ...")]
    assert [line.split()[1] for line in started] == FIRST_TWO
    assert re.search(r"^00_start_here\.ipynb\s+passed\s+\d+\.\d$", result.stdout, re.MULTILINE)
    assert re.search(
        r"^01_sign_in_with_initiate_auth\.ipynb\s+passed\s+\d+\.\d$", result.stdout, re.M
    )
    assert re.search(r"^total\s+\d+\.\d$", result.stdout, re.MULTILINE)
    for name in FIRST_TWO:
        executed = nbformat.read(tmp_path / name, as_version=4)
        injected = [
            c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])
        ]
        assert "interactive = False" in injected[0].source
        assert all(c.execution_count for c in executed.cells if c.cell_type == "code")
    # 01 ran on the workspace 00 created: its set-up cell found everything and created nothing.
    setup_cell = next(c for c in executed.cells if "workspace.setup(" in c.source)
    assert "Created" not in "".join(o.get("text", "") for o in setup_cell.outputs)


@pytest.mark.slow
def test_a_failing_notebook_makes_run_exit_nonzero_naming_the_cell(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    copy_with_broken_cell(NOTEBOOK_DIR / FIRST_TWO[0], notebooks, after_cell=8)
    shutil.copy(NOTEBOOK_DIR / FIRST_TWO[1], notebooks)

    result = run_cli("--dir", str(notebooks), "--out", str(tmp_path / "out"))

    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^00_start_here\.ipynb\s+failed", result.stdout, re.MULTILINE)
    expected = (
        "00_start_here.ipynb failed at cell 9 ('raise RuntimeError(\"deliberately broken\")')"
    )
    assert expected + ": RuntimeError: deliberately broken" in result.stdout
    # The next notebook still ran, and the failed one was kept for reading.
    assert re.search(r"^01_sign_in_with_initiate_auth\.ipynb\s+passed", result.stdout, re.M)
    assert (tmp_path / "out" / FIRST_TWO[0]).exists()


@pytest.mark.slow
def test_in_place_cleans_a_passing_notebook_and_keeps_a_failing_one(tmp_path):
    shutil.copy(NOTEBOOK_DIR / FIRST_TWO[0], tmp_path)
    broken = copy_with_broken_cell(NOTEBOOK_DIR / FIRST_TWO[1], tmp_path, after_cell=6)
    before = broken.read_text()

    result = run_cli("--dir", str(tmp_path), "--in-place")

    assert result.returncode == 1
    assert broken.read_text() == before, "a failed run must not overwrite the notebook"
    cleaned = nbformat.read(tmp_path / FIRST_TWO[0], as_version=4)
    assert "papermill" not in cleaned.metadata
    assert not [c for c in cleaned.cells if "injected-parameters" in c.metadata.get("tags", [])]
    parameters = next(c for c in cleaned.cells if "parameters" in c.metadata.get("tags", []))
    assert "interactive = True" in parameters.source
    counts = [c.execution_count for c in cleaned.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))


VIRTUAL_CLOCK_CELL = """\
import time
import pyotp
from cognito_tutorial import connect, workspace

cognito = connect(backend)
ws = workspace.setup(cognito, mfa="ON", quiet=True)
app = pyotp.TOTP(workspace.ensure_totp(cognito, ws))


def start():
    return cognito.initiate_auth(
        ClientId=ws.public_client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": ws.username, "PASSWORD": ws.password},
    )["Session"]


def answer(session):
    return cognito.respond_to_auth_challenge(
        ClientId=ws.public_client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=session,
        ChallengeResponses={"USERNAME": ws.username, "SOFTWARE_TOKEN_MFA_CODE": app.now()},
    )


started = time.monotonic()
session = start()
time.sleep(181)  # past the Session's 3 minutes, on the sandbox's clock too
try:
    answer(session)
except cognito.exceptions.NotAuthorizedException as error:
    print("expired:", error.response["Error"]["Message"])
signed_in = answer(start())  # the code of the kernel's moved clock is the sandbox's code
time.sleep(30)
signed_in_again = answer(start())  # the next code, as after a real wait
print("signed in twice:", all("AuthenticationResult" in r for r in (signed_in, signed_in_again)))
print("real seconds under 10:", time.monotonic() - started < 10)
"""


@pytest.mark.slow
def test_run_skips_totp_waits_on_a_clock_the_sandbox_shares(tmp_path):
    """A cell's time.sleep moves the kernel's clock and the sandbox's together, at once."""
    notebook = new_notebook(metadata={"kernelspec": {**KERNELSPEC, "language": "python"}})
    parameters = new_code_cell('backend = "local"\ninteractive = True')
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, new_code_cell(VIRTUAL_CLOCK_CELL)]
    nbformat.write(notebook, tmp_path / "00_waits.ipynb")

    result = run_cli("--dir", str(tmp_path), "--out", str(tmp_path / "out"), timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "TOTP waits take no time" in result.stdout
    executed = nbformat.read(tmp_path / "out" / "00_waits.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for o in executed.cells[-1].outputs)
    assert "expired: Invalid session for the user, session is expired." in printed
    assert "signed in twice: True" in printed
    assert "real seconds under 10: True" in printed


def test_run_refuses_a_glob_that_matches_nothing(tmp_path):
    result = run_cli("--notebooks", "nothing-like-this-*", "--out", str(tmp_path), timeout=60)
    assert result.returncode == 1
    assert "No notebooks named NN_*.ipynb matching nothing-like-this-*" in result.stderr


# --- the parts ------------------------------------------------------------------------------


def test_fresh_sandbox_answers_inside_and_is_stopped_after(tmp_path):
    with runner.fresh_sandbox(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")
        assert is_answering(url)
    assert not is_answering(url, timeout=0.5)


def test_fresh_sandbox_is_stopped_when_the_body_raises(tmp_path):
    with pytest.raises(KeyError), runner.fresh_sandbox(tmp_path) as url:
        raise KeyError("boom")
    assert not is_answering(url, timeout=0.5)


def test_find_notebooks_keeps_reading_order_and_filters_by_name(tmp_path):
    for name in ("10_later.ipynb", "02_b.ipynb", "00_a.ipynb", "notes.ipynb", "99_x.ipynb"):
        (tmp_path / name).write_text("{}")
    found = runner.find_notebooks(tmp_path)
    assert [p.name for p in found] == ["00_a.ipynb", "02_b.ipynb", "10_later.ipynb", "99_x.ipynb"]
    filtered = runner.find_notebooks(tmp_path, ["0*", "99_*"])
    assert [p.name for p in filtered] == ["00_a.ipynb", "02_b.ipynb", "99_x.ipynb"]
    with pytest.raises(TutorialError, match="No notebooks"):
        runner.find_notebooks(tmp_path, ["5*"])


def test_describe_failure_of_a_timeout_is_one_line_naming_the_cell():
    cell = new_code_cell("while True:\n    pass")
    error = CellTimeoutError.error_from_timeout_and_cell("Cell execution timed out", 300, cell)
    assert runner.describe_failure(error, None) == (
        "CellTimeoutError: A cell timed out while it was being executed, after 300 seconds. "
        "(the cell starting 'while True:')"
    )


def test_describe_failure_counts_cells_of_the_source_notebook():
    executed = new_notebook(
        cells=[
            new_markdown_cell("# Title"),
            new_code_cell("backend = 'local'", metadata={"tags": ["parameters"]}),
            new_code_cell("interactive = False", metadata={"tags": ["injected-parameters"]}),
            new_code_cell("x = 1"),
            new_code_cell("\n1 / 0  # the fourth cell of the source"),
        ]
    )
    error = PapermillExecutionError(4, 3, executed.cells[4].source, "ZeroDivisionError", "boom", [])
    expected = "cell 4 ('1 / 0  # the fourth cell of the source'): ZeroDivisionError: boom"
    assert runner.describe_failure(error, executed) == expected
    # The saved notebook also has papermill's error banners, added after the cell was counted.
    banner = {"tags": ["papermill-error-cell-tag"]}
    executed.cells.insert(4, new_markdown_cell("An Exception was encountered", metadata=banner))
    executed.cells.insert(0, new_markdown_cell("An Exception was encountered", metadata=banner))
    assert runner.describe_failure(error, executed) == expected


def test_clean_for_commit_strips_run_noise_and_renumbers():
    executed = new_notebook(
        cells=[
            new_code_cell("backend = 'local'", metadata={"tags": ["parameters"]}),
            new_code_cell("interactive = False", metadata={"tags": ["injected-parameters"]}),
            new_markdown_cell("text", metadata={"tags": [], "papermill": {"duration": 0.1}}),
            new_code_cell(
                "1 + 1",
                metadata={"execution": {"iopub.status.busy": "x"}, "papermill": {"status": "ok"}},
                outputs=[
                    nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=3)
                ],
            ),
        ],
        metadata={
            "papermill": {"parameters": {}},
            "widgets": {"state": {}},
            "kernelspec": KERNELSPEC,
        },
    )
    executed.cells[0].execution_count = 1
    executed.cells[1].execution_count = 2
    executed.cells[3].execution_count = 3

    cleaned = runner.clean_for_commit(executed)

    assert [c.source for c in cleaned.cells] == ["backend = 'local'", "text", "1 + 1"]
    assert set(cleaned.metadata) == {"kernelspec"}
    assert cleaned.cells[0].metadata == {"tags": ["parameters"]}
    assert cleaned.cells[1].metadata == {} and cleaned.cells[2].metadata == {}
    assert cleaned.cells[2].execution_count == 2
    assert cleaned.cells[2].outputs[0].execution_count == 2


def test_format_table_lists_each_notebook_and_explains_failures(tmp_path):
    results = [
        runner.NotebookResult("00_a.ipynb", runner.PASSED, 1.25),
        runner.NotebookResult(
            "01_b.ipynb", runner.FAILED, 2.0, "cell 3 ('x'): NameError: x", tmp_path / "01_b.ipynb"
        ),
    ]
    table = runner.format_table(results)
    assert re.search(r"^00_a\.ipynb\s+passed\s+1\.2$", table, re.MULTILINE)
    assert re.search(r"^01_b\.ipynb\s+failed\s+2\.0$", table, re.MULTILINE)
    assert re.search(r"^total\s+3\.2$", table, re.MULTILINE)
    assert "01_b.ipynb failed at cell 3 ('x'): NameError: x" in table
    assert str(tmp_path / "01_b.ipynb") in table


def test_in_place_with_another_out_dir_is_refused(tmp_path):
    with pytest.raises(TutorialError, match="written back where they are"):
        runner.run_notebooks([NOTEBOOK_DIR / FIRST_TWO[0]], out_dir=tmp_path, in_place=True)
    result = run_cli("--in-place", "--out", str(tmp_path), timeout=60)
    assert result.returncode == 1
    assert "--in-place writes the notebooks back" in result.stderr


@pytest.mark.slow
def test_sigterm_stops_the_run_and_its_sandbox(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COGNITO_TUTORIAL_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "cognito_tutorial", "run", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        for line in process.stdout:
            match = re.search(r"Fresh sandbox at (\S+) ", line)
            url = url or (match.group(1) if match else None)
            if re.match(r"\[ *1/", line):  # "[1/9]", or "[ 1/10]" from ten notebooks on
                break
        assert url and is_answering(url)
        process.terminate()
        assert process.wait(timeout=60) != 0
    finally:
        process.kill()
        process.wait()
    assert not is_answering(url, timeout=0.5)
