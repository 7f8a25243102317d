"""A cell waiting for a form, in a real kernel sent requests as JupyterLab sends them.

This is the contract test of ``forms/waiting_cell.py``, the one module that touches ipykernel's
internals: if an ipykernel upgrade breaks it, a test here says which behaviour went.
"""

from __future__ import annotations

import time

import pytest
from support import KernelUnderTest

# A stand-in form (the AnswerForm protocol) and the wait a form's cell does.
SET_UP = """
import threading

from cognito_tutorial.forms import asking
from cognito_tutorial.forms.waiting_cell import waiting_cell


class Form:
    def __init__(self):
        self.done = threading.Event()
        self.result = None
        self.stopped = None

    def session_is_over(self):
        return False

    def stop_waiting(self, message, title="Stopped waiting"):
        self.stopped = (title, message)


forms_made = []


async def wait_here():
    form = Form()
    forms_made.append(form)
    with waiting_cell() as cell:
        print("waiting", flush=True)
        return await asking.wait_for_answer(form, timeout_s=60, cell=cell)
"""
WAIT = "answer = await wait_here()"


@pytest.fixture
def kernel():
    running = KernelUnderTest()
    reply, _ = running.run(SET_UP)
    assert reply["content"]["status"] == "ok"
    yield running
    running.stop()


def started_waiting(kernel: KernelUnderTest, msg_id: str, timeout_s: float = 30) -> None:
    """Wait until the cell ``msg_id`` prints that its form waits."""
    deadline = time.monotonic() + timeout_s
    while True:
        message = kernel.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if (
            message["parent_header"].get("msg_id") == msg_id
            and message["msg_type"] == "stream"
            and "waiting" in message["content"]["text"]
        ):
            return


def stdout_of(kernel: KernelUnderTest, msg_id: str) -> str:
    return "".join(
        o.get("text", "") for o in kernel.outputs(msg_id) if o["output_type"] == "stream"
    )


def test_running_the_cell_again_ends_the_old_wait_and_runs_the_new_one(kernel):
    first = kernel.send(WAIT, cell_id="form-cell")
    started_waiting(kernel, first)
    queued = kernel.send("print('the next cell of Run All')", cell_id="next-cell")
    again = kernel.send("print('the form cell, run again')", cell_id="form-cell")

    ended = kernel.reply(first)["content"]
    assert ended["status"] == "error"
    assert ended["ename"] == "FormEnded"
    assert "ran the cell again" in ended["evalue"]
    # What Run All queued behind the old run is dropped, as after any error; the re-run runs.
    assert kernel.reply(queued)["content"]["status"] == "aborted"
    assert kernel.reply(again)["content"]["status"] == "ok"
    assert "the form cell, run again" in stdout_of(kernel, again)

    reply, outputs = kernel.run("print(forms_made[0].stopped[0])")
    assert "This form was replaced" in "".join(o.get("text", "") for o in outputs)


def test_without_stop_on_error_the_queued_cells_run_before_the_rerun(kernel):
    first = kernel.send(WAIT, cell_id="form-cell", stop_on_error=False)
    started_waiting(kernel, first)
    queued = kernel.send("print('next')", cell_id="next-cell")
    again = kernel.send("print('again')", cell_id="form-cell")
    assert kernel.reply(first)["content"]["ename"] == "FormEnded"
    assert kernel.reply(queued)["content"]["status"] == "ok"
    assert kernel.reply(again)["content"]["status"] == "ok"


def test_other_cells_wait_their_turn(kernel):
    first = kernel.send(WAIT, cell_id="form-cell")
    started_waiting(kernel, first)
    other = kernel.send("print('another cell')", cell_id="other-cell")
    # The form is answered from a subshell, as JupyterLab sends widget messages.
    answered = kernel.send(
        "forms_made[-1].result = {'ok': True}; forms_made[-1].done.set()",
        subshell_id=kernel.subshell(),
    )
    assert kernel.reply(answered)["content"]["status"] == "ok"
    assert kernel.reply(first)["content"]["status"] == "ok"
    assert kernel.reply(other)["content"]["status"] == "ok"


def test_interrupt_ends_the_wait_with_one_line(kernel):
    first = kernel.send(WAIT, cell_id="form-cell")
    started_waiting(kernel, first)
    kernel.interrupt()
    ended = kernel.reply(first)["content"]
    assert ended["ename"] == "FormEnded"
    assert "interrupted" in ended["evalue"]
    reply, outputs = kernel.run("print(forms_made[-1].stopped[0])")
    assert "Interrupted" in "".join(o.get("text", "") for o in outputs)


def test_the_cell_is_reported_busy_again_after_a_widget_message(kernel):
    first = kernel.send(WAIT, cell_id="form-cell")
    started_waiting(kernel, first)
    subshell = kernel.subshell()
    handled = kernel.send("x = 1", subshell_id=subshell)  # as a widget message would be
    states = []
    deadline = time.monotonic() + 30
    # The subshell says idle for its message; then the waiting cell is said busy again.
    while ("idle", handled) not in states or states[-1] != ("busy", first):
        message = kernel.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if message["msg_type"] == "status":
            parent = message["parent_header"].get("msg_id")
            states.append((message["content"]["execution_state"], parent))
    kernel.send("forms_made[-1].result = {}; forms_made[-1].done.set()", subshell_id=subshell)
    assert kernel.reply(first)["content"]["status"] == "ok"
