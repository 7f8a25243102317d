"""The committed notebooks: they follow the conventions, hold no usable secret, and nbval finds
that a fresh headless run still produces the outputs they show.

Headless switch: papermill (``python -m cognito_tutorial run``) injects ``interactive = False``
after each notebook's ``parameters`` cell. nbval cannot inject parameters, so the nbval run here
gets the same effect from an IPython start-up file: after a cell leaves ``interactive = True``
in the kernel (only the parameters cell does), it is set to False. The notebooks themselves keep
the learner's default, ``interactive = True``, and need no code of their own for this.

As in ``python -m cognito_tutorial run``, the sandbox and the kernels share the headless
virtual clock (``cognito_tutorial.instructor.headless_clock``): the cells that wait for the next
TOTP code run, and take no time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cognito_tutorial.instructor import headless_clock, runner

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"  # the one file for volatile values
NOTEBOOKS = runner.find_notebooks(NOTEBOOK_DIR)
NBVAL_TIMEOUT_S = 300  # every notebook, in order: about 15 s here

HEADLESS_STARTUP = '''\
"""nbval's stand-in for papermill's injected parameters: run headless after `parameters`."""


def _cognito_tutorial_headless(result):
    namespace = get_ipython().user_ns
    if namespace.get("interactive") is True:
        namespace["interactive"] = False


get_ipython().events.register("post_run_cell", _cognito_tutorial_headless)
'''

# What must never appear in a committed output: a whole JWT, a long opaque session, a TOTP
# secret (Base32, 32 characters or more), an otpauth:// URI with its secret.
USABLE_SECRETS = {
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    "session or token": re.compile(r"[A-Za-z0-9_-]{80,}"),
    "TOTP secret": re.compile(r"(?<![A-Za-z0-9])[A-Z2-7]{32,}(?![A-Za-z0-9])"),
    "otpauth URI with a secret": re.compile(r"otpauth://[^\s\"'<>]*secret=[A-Z2-7]{16,}"),
}


def outputs_text(notebook) -> list[tuple[int, str]]:
    """(cell number, text) for every output of every code cell, all MIME types."""
    found = []
    for number, cell in enumerate(notebook.cells, 1):
        for output in cell.get("outputs", []):
            parts = [output.get("text", ""), output.get("evalue", "")]
            parts += [
                v if isinstance(v, str) else json.dumps(v) for v in output.get("data", {}).values()
            ]
            found.append((number, "\n".join(str(p) for p in parts)))
    return found


def read(path: Path):
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_hold_no_usable_secret(path):
    notebook = read(path)
    for number, text in outputs_text(notebook):
        for kind, pattern in USABLE_SECRETS.items():
            match = pattern.search(text)
            assert match is None, f"cell {number} shows a {kind}: {match.group(0)[:20]}..."


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_lesson_structure(path):
    notebook = read(path)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert len(re.findall(r"^# ", markdown, re.MULTILINE)) == 1, "exactly one H1 title"
    for heading in ("## Overview", "## Prerequisites", "## Summary", "## What's next"):
        assert heading in markdown, f"missing {heading!r}"
    assert "## References" in markdown
    assert "| Concepts | Importance | Notes |" in markdown
    assert "**Time to learn**" in markdown
    assert "**System requirements**" in markdown
    parameters = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1, "one cell tagged `parameters`"
    assert re.search(r"^interactive = True\b", parameters[0].source, re.MULTILINE)
    assert re.search(r'^backend = "local"', parameters[0].source, re.MULTILINE)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_is_a_clean_headless_run(path):
    """Executed (outputs committed) and cleaned by `run --in-place`: no papermill leftovers."""
    notebook = read(path)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "run `make notebooks`"
    assert "papermill" not in notebook.metadata and "widgets" not in notebook.metadata
    for cell in notebook.cells:
        assert "injected-parameters" not in cell.metadata.get("tags", [])
        assert "papermill" not in cell.metadata and "execution" not in cell.metadata
        assert not any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def test_lessons_one_to_four_follow_the_tutorial_path():
    """00-03 run in order on one workspace; each names the MFA mode it needs."""
    modes = {}
    for path in NOTEBOOKS[:4]:
        sources = "\n".join(c.source for c in read(path).cells if c.cell_type == "code")
        match = re.search(r'workspace\.setup\(cognito, mfa="(OFF|OPTIONAL|ON)"\)', sources)
        assert match, f"{path.name} calls workspace.setup with its MFA mode"
        modes[path.name[:2]] = match.group(1)
    assert modes == {"00": "OFF", "01": "OFF", "02": "OFF", "03": "ON"}


@pytest.mark.slow
@pytest.mark.timeout(NBVAL_TIMEOUT_S + 30)
def test_nbval_a_fresh_headless_run_reproduces_the_committed_outputs(tmp_path):
    """nbval re-runs every committed notebook, in order, against a fresh sandbox."""
    home = tmp_path / "home"
    home.mkdir()
    clock_file = home / "virtual-clock"
    startup = headless_clock.write_startup_file(tmp_path / "ipython", clock_file).parent
    (startup / "01-cognito-tutorial-headless.py").write_text(HEADLESS_STARTUP)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        str(NOTEBOOK_DIR.relative_to(ROOT)),
        "--nbval-sanitize-with",
        str(SANITIZE.relative_to(ROOT)),
        "--nbval-current-env",
        "--nbval-cell-timeout",
        str(runner.CELL_TIMEOUT_S),
        "-p",
        "no:cacheprovider",
        "-q",
    ]
    with runner.fresh_sandbox(home, clock_file=clock_file) as url:
        env = dict(
            os.environ,
            COGNITO_TUTORIAL_ENDPOINT=url,
            COGNITO_TUTORIAL_HOME=str(home),
            IPYTHONDIR=str(tmp_path / "ipython"),
        )
        env.pop("COGNITO_TUTORIAL_BACKEND", None)
        result = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=NBVAL_TIMEOUT_S,
        )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
