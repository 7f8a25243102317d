"""The room rehearsal on a real JupyterHub: learners finish notebooks 00-03, and nothing is left.

These start a real hub (JupyterHub from requirements-test.txt, configurable-http-proxy from
npm, `make http-proxy`) on free loopback ports. Without those parts they skip with the reason,
except in CI (CI=true), where they must run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from cognito_tutorial import cli
from cognito_tutorial.errors import TutorialError
from cognito_tutorial.instructor import hub as hubs
from cognito_tutorial.instructor import rehearsal

ROOT = Path(__file__).resolve().parents[1]


def _missing(reason: str) -> None:
    """Skip with a visible reason; in CI (CI=true) a missing part is a failure instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the rehearsal tests must run in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def hub_parts() -> None:
    try:
        hubs.check_jupyterhub_installed()
        hubs.find_proxy()
    except TutorialError as error:
        _missing(str(error))


def free_hub_port() -> int:
    """A port P with P, P+1 and P+2 free on 127.0.0.1, below the range the system hands out
    for port 0 (kernels, sandboxes, other tests), where nothing takes it meanwhile."""
    chance = random.Random()
    for _ in range(50):
        port = chance.randrange(20000, 32000)
        try:
            hubs.check_ports_free(hubs.HubPorts(port))
        except TutorialError:
            continue
        return port
    raise AssertionError("no three consecutive free ports")


def rehearsal_folders() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("cognito-tutorial-rehearsal-*"))


def assert_nothing_left(run_tag: str, port: int, folders_before: set[Path]) -> None:
    assert hubs.tagged_processes(run_tag) == []
    hubs.check_ports_free(hubs.HubPorts(port))  # raises if the hub or its proxy still listens
    assert rehearsal_folders() <= folders_before, "a learner's home or the hub's folder is left"


@pytest.mark.slow
@pytest.mark.parametrize("shape", [rehearsal.OWN, rehearsal.ROOM])
def test_two_learners_run_notebooks_00_to_03_and_nothing_is_left(hub_parts, shape, tmp_path):
    port, folders_before = free_hub_port(), rehearsal_folders()
    report_path = tmp_path / "room.json"

    report = rehearsal.rehearse(2, (shape,), arrival_spread_s=2, port=port, report_path=report_path)

    result = report["shapes"][shape]
    assert result["errors"] == 0, json.dumps(result["first_errors"], indent=2)
    assert result["finished"] == 2
    steps = {step["step"]: step for step in result["steps"]}
    # Both learners ran every code cell of every notebook, each in their own kernel.
    assert {name[:2] for name in steps if " cell " in name} == {"00", "01", "02", "03"}
    assert all(step["count"] == 2 for step in steps.values())
    assert ("00 handout first_cell" in steps) == (shape == rehearsal.ROOM)
    # Memory was measured per learner: a JupyterLab server and four kernels at least.
    assert result["per_learner"]["rss_mib"]["p50"] > 200
    assert report["host"]["jupyterhub"]
    assert json.loads(report_path.read_text()) == report
    # The orderly stop ended everything: the final sweep found nothing to end.
    assert result["left_running_after_hub_stop"] == []
    assert_nothing_left(result["run_tag"], port, folders_before)


@pytest.mark.slow
def test_ctrl_c_stops_the_hub_servers_kernels_and_sandboxes(hub_parts, tmp_path):
    port, folders_before = free_hub_port(), rehearsal_folders()
    command = [sys.executable, "-m", "cognito_tutorial", "rehearse", "--learners", "1"]
    command += ["--arrival-spread", "0", "--port", str(port), "--report", str(tmp_path / "r.json")]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        # Wait until the learner's own sandbox runs: the hub, the proxy, a server, a kernel and
        # a sandbox are then all up.
        started: dict[int, str] = {}
        deadline = time.monotonic() + 120
        while not any("cognito_tutorial.sandbox" in command for command in started.values()):
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the learner's sandbox did not start"
            time.sleep(0.2)
            started = _descendants(process.pid)
    finally:
        process.send_signal(signal.SIGINT)  # also when the test failed: clean up all the same
        output, _ = process.communicate(timeout=120)
    assert process.returncode == 130, output
    assert hubs.wait_until_gone(list(started), 0) == [], started
    hubs.check_ports_free(hubs.HubPorts(port))
    assert rehearsal_folders() <= folders_before
    assert not (tmp_path / "r.json").exists()  # an interrupted rehearsal reports nothing


def _descendants(pid: int) -> dict[int, str]:
    """The running processes under ``pid``, with their command lines."""
    found = {}
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return found
    for child in children:
        try:
            found[child.pid] = " ".join(child.cmdline())
        except psutil.Error:
            continue  # gone, or a zombie
    return found


def test_a_taken_port_is_refused_in_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["rehearse", "--learners", "1", "--port", str(port)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: Port {port} (the hub's address, where learners log in) is")
    assert error.count("\n") == 1


@pytest.mark.slow
def test_a_failing_cell_is_reported_in_full(hub_parts, tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    cells = [
        nbformat.v4.new_code_cell("interactive = True", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_markdown_cell("The next cell fails."),
        nbformat.v4.new_code_cell("raise ValueError('a cell that fails on purpose')"),
        nbformat.v4.new_code_cell("print('never run')"),
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), notebooks / "00_fails.ipynb")
    port, folders_before = free_hub_port(), rehearsal_folders()

    report = rehearsal.rehearse(
        1,
        (rehearsal.OWN,),
        arrival_spread_s=0,
        port=port,
        report_path=None,
        notebooks_dir=notebooks,
    )

    result = report["shapes"][rehearsal.OWN]
    assert (result["finished"], result["errors"], result["held"]) == (0, 1, False)
    (error,) = result["first_errors"]
    assert error["learner"] == "learner-001"
    assert error["step"] == "00 cell 3"
    assert error["error"] == "ValueError: a cell that fails on purpose"
    # In full: the cell, then its traceback, as the learner's notebook would show it.
    assert error["detail"].startswith("raise ValueError('a cell that fails on purpose')")
    assert error["detail"].rstrip().endswith("ValueError: a cell that fails on purpose")
    assert isinstance(result["hub_log_warnings"], list)
    assert "00 cell 4" not in {step["step"] for step in result["steps"]}
    text = rehearsal.format_report(report)
    assert "learner-001 at 00 cell 3: ValueError: a cell that fails on purpose" in text
    assert_nothing_left(result["run_tag"], port, folders_before)


def test_the_hub_log_keeps_warnings_errors_and_bare_tracebacks(tmp_path):
    log = tmp_path / "jupyterhub.log"
    log.write_text(
        "[I 2026-11-29 23:24:47.065 ServerApp] Kernel started: 1\n"
        "[IPKernelApp] WARNING | Kernel is running over TCP without encryption.\n"
        "Traceback (most recent call last):\n"
        '  File "ipykernel/kernelapp.py", line 256, in _try_bind_socket\n'
        "zmq.error.ZMQError: Address already in use (addr='tcp://127.0.0.1:48165')\n"
        "[I 2026-11-29 23:24:48.128 ServerApp] Kernel started: 2\n"
        "[W 2026-11-29 23:25:47.100 ServerApp] Timeout waiting for kernel_info reply from 2\n"
        "2026-11-29T23:26:44.928Z [ConfigProxy] \x1b[32minfo\x1b[39m: Adding route /user/a\n"
        "2026-11-29T23:26:44.928Z [ConfigProxy] \x1b[31merror\x1b[39m: 503 GET /user/a ECONNRESET\n"
    )
    assert hubs.log_warnings(log) == [
        "Traceback (most recent call last):",
        '  File "ipykernel/kernelapp.py", line 256, in _try_bind_socket',
        "zmq.error.ZMQError: Address already in use (addr='tcp://127.0.0.1:48165')",
        "[W 2026-11-29 23:25:47.100 ServerApp] Timeout waiting for kernel_info reply from 2",
        "2026-11-29T23:26:44.928Z [ConfigProxy] error: 503 GET /user/a ECONNRESET",
    ]
