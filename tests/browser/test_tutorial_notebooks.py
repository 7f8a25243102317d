"""The real tutorial, every notebook that takes a code (02, 03, 04b, 05, 06, 07), run in JupyterLab
by a learner who has no phone.

Each notebook is copied from notebooks/ with its committed outputs cleared and opened with its
default parameters (``interactive = True``). Codes are read from the form's demo authenticator
and typed, as a learner would; a wrong one is typed on purpose. Time moves on the sandbox's
virtual clock, which the kernels follow (conftest.py): a session runs out, or the next code
comes, at once, never after a real wait. Each test starts from a fresh workspace (a new pool
and demo user), so it stands alone, except the first, which runs 02 then 03 as a learner does.
Screenshots: artifacts/screenshots/tutorial-*.png.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_code_widgets import LIGHT, expect_text, open_notebook, run_all, status, type_code

pytestmark = pytest.mark.browser

TUTORIAL = Path(__file__).resolve().parents[2] / "notebooks"
ENROL = "02_turn_on_totp_mfa.ipynb"
SIGN_IN = "03_answer_the_mfa_challenge.ipynb"
RECOVER = "04b_a_sign_in_that_recovers.ipynb"
SRP = "05_srp.ipynb"
TOKENS = "06_tokens.ipynb"
DEVICES = "07_remember_this_device.ipynb"
FULL_TOKEN = re.compile(r"eyJ[\w-]{40,}")
ACCEPTED = re.compile(r"Authenticator verified|Signed in as")
ACCEPTED_OR_USED = re.compile(rf"{ACCEPTED.pattern}|already used")

# Every code cell of the notebook model: index, execution count, outputs (as nbformat JSON).
CODE_CELLS_JS = """() => {
  const model = window.jupyterapp.shell.currentWidget.content.model;
  const cells = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type === 'code') {
      cells.push({index: i, count: cell.executionCount, outputs: cell.outputs.toJSON()});
    }
  }
  return cells;
}"""

# True once every code cell has run and the kernel is idle, or as soon as a cell shows an error
# (Run All stops there, so the rest would never run).
RUN_ALL_SETTLED_JS = """() => {
  const widget = window.jupyterapp.shell.currentWidget;
  const kernel = widget.sessionContext.session && widget.sessionContext.session.kernel;
  const model = widget.content.model;
  let allRan = true;
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type !== 'code') continue;
    if (cell.outputs.toJSON().some(o => o.output_type === 'error')) return true;
    if (!cell.executionCount) allRan = false;
  }
  return allRan && kernel && kernel.status === 'idle';
}"""

CELL_INDEX_JS = """text => {
  const model = window.jupyterapp.shell.currentWidget.content.model;
  for (let i = 0; i < model.cells.length; i++) {
    if (model.cells.get(i).sharedModel.getSource().includes(text)) return i;
  }
  return -1;
}"""

RUN_FROM_JS = """index => {
  window.jupyterapp.shell.currentWidget.content.activeCellIndex = index;
  window.jupyterapp.commands.execute('notebook:run-all-below');
}"""

KERNEL_STATUS_JS = """status =>
  window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === status"""

# The keyboard is on cell `index` of the notebook: Shift+Enter would run that one.
KEYBOARD_ON_CELL_JS = """index => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const active = document.activeElement;
  return notebook.activeCellIndex === index && active !== null
    && notebook.node.contains(active) && notebook.mode === 'command';
}"""


@pytest.fixture(scope="module")
def tutorial_lab(jupyter_lab):
    """The JupyterLab of conftest, with the tutorial's notebooks as a learner downloads them."""
    for name in (ENROL, SIGN_IN, RECOVER, SRP, TOKENS, DEVICES):
        notebook = json.loads((TUTORIAL / name).read_text())
        parameters = next(
            c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", [])
        )
        assert re.search(r"^interactive = True\b", "".join(parameters["source"]), re.M)
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        (jupyter_lab.root / name).write_text(json.dumps(notebook, indent=1))
    return jupyter_lab


@pytest.fixture
def fresh_workspace(browser_home):
    """No workspace record: the notebook's set-up makes a new pool and demo user."""
    (browser_home / "tutorial" / "workspace-local.json").unlink(missing_ok=True)


@pytest.fixture
def learner(page, tutorial_lab):
    """The page, watched for uncaught JavaScript errors (a widget that broke in the page); the
    test's kernels are shut down after it."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    shut_down_kernels(tutorial_lab)
    assert not errors, errors


def shut_down_kernels(lab) -> None:
    """Shut down every kernel of ``lab``: a test's kernels must not slow the next test."""
    with urllib.request.urlopen(f"{lab.url}/api/kernels?token={lab.token}", timeout=10) as answer:
        kernels = json.load(answer)
    for kernel in kernels:
        request = urllib.request.Request(
            f"{lab.url}/api/kernels/{kernel['id']}?token={lab.token}", method="DELETE"
        )
        with urllib.request.urlopen(request, timeout=30):
            pass


# --- what a learner does -------------------------------------------------------------------


def cell_index(page, text: str) -> int:
    index = page.evaluate(CELL_INDEX_JS, text)
    assert index >= 0, f"no cell holds {text!r}"
    return index


def cell(page, index: int):
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def run_from(page, index: int) -> None:
    """Run the cell ``index`` and every one after it (Run > Run Selected Cell and All Below)."""
    page.evaluate(RUN_FROM_JS, index)


def rerun_by_keyboard(page, index: int) -> None:
    """Click into cell ``index`` and press Shift+Enter, as a learner runs a cell again."""
    cell(page, index).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")


def demo_code(form) -> str:
    """The code the form's demo authenticator shows, opening it if need be."""
    shown = form.locator(".ct-otp")
    if shown.count() == 0:
        form.get_by_role("button", name="No phone? Show a demo authenticator").click()
    expect(shown).to_have_text(re.compile(r"\d{3} \d{3}"))
    return shown.text_content().replace(" ", "")


def wrong_code(code: str) -> str:
    return code[:5] + str((int(code[5]) + 1) % 10)


def send(form, code: str) -> None:
    type_code(form, code)
    form.get_by_label("6-digit code").press("Enter")


def answer_with_demo(form, move_clock, shots: Path, name: str) -> str:
    """Answer ``form`` with its demo authenticator's code; returns the code that was accepted.

    If Cognito says the code was already used, the learner waits for the next one: here the
    clock moves 30 s and the demo shows it at once. Screenshots: ``{name}.png`` with the demo
    open, ``{name}-accepted.png`` at the end.
    """
    code = demo_code(form)
    form.screenshot(path=shots / f"{name}.png")
    send(form, code)
    expect(status(form)).to_contain_text(ACCEPTED_OR_USED, timeout=15_000)
    if "already used" in status(form).text_content():
        hint = form.locator(".ct-note", has_text="demo authenticator")
        expect(hint).to_contain_text("shows a new code in about")
        move_clock(30)
        expect(hint).to_contain_text("already shows a new code: type that one")
        code = demo_code(form)
        send(form, code)
    expect(status(form)).to_contain_text(ACCEPTED, timeout=15_000)
    expect(form.get_by_label("6-digit code")).to_be_disabled()
    expect(form.locator(".ct-otp")).to_have_count(0)  # the demo closes with the form
    expect(form.locator("button:visible:enabled")).to_have_count(0)  # none left to press
    form.screenshot(path=shots / f"{name}-accepted.png")
    return code


def settle_and_check(page, name: str) -> None:
    """Every code cell ran, none shows an error or stderr output, and no token is shown."""
    page.wait_for_function(RUN_ALL_SETTLED_JS, timeout=90_000, polling=250)
    cells = page.evaluate(CODE_CELLS_JS)
    problems = []
    for code_cell in cells:
        where = f"cell {code_cell['index']}"
        for output in code_cell["outputs"]:
            if output["output_type"] == "error":
                trace = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(output.get("traceback", [])))
                problems.append(f"{where}: {output['ename']}\n{trace[-2000:]}")
            elif output["output_type"] == "stream" and output.get("name") == "stderr":
                problems.append(f"{where} wrote to stderr: {output['text'][:500]}")
    assert not problems, f"{name}:\n" + "\n\n".join(problems)
    not_run = [code_cell["index"] for code_cell in cells if not code_cell["count"]]
    assert not not_run, f"{name}: cells {not_run} never ran"
    text = page.locator(".jp-Notebook").text_content() or ""
    assert not FULL_TOKEN.search(text), f"{name} shows a whole token"


def seconds_left(form) -> int:
    shown = form.locator(".ct-session .ct-time").first.text_content()
    minutes, seconds = re.fullmatch(r"(\d+):(\d\d) left", shown).groups()
    return int(minutes) * 60 + int(seconds)


# --- the notebooks ---------------------------------------------------------------------------


def test_02_then_03_the_authenticator_linked_in_02_signs_in_in_03(
    learner, tutorial_lab, fresh_workspace, browser_home, move_clock, screenshots
):
    page = learner
    open_notebook(page, tutorial_lab, ENROL, LIGHT)
    run_all(page)

    enrolments = page.locator(".ct-enrolment")
    mine = enrolments.nth(0)
    mine.wait_for(timeout=90_000)
    mine.scroll_into_view_if_needed()  # the learner's eyes go to the form
    assert mine.locator("svg").count() == 1  # the QR code
    secret = mine.locator("tr", has_text="Secret").locator("code").text_content()
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", secret), secret
    send(mine, wrong_code(demo_code(mine)))
    expect_text(status(mine), "EnableSoftwareTokenMFAException")
    enrolment_code = answer_with_demo(mine, move_clock, screenshots, "tutorial-02-enrolment")

    sam = enrolments.nth(1)
    sam.wait_for(timeout=30_000)
    assert "sam" in sam.locator("tr", has_text="Account").text_content()
    answer_with_demo(sam, move_clock, screenshots, "tutorial-02-enrolment-sam")
    settle_and_check(page, ENROL)
    last = page.locator(".jp-OutputArea-output", has_text="UserMFASettingList").last
    expect(last).to_contain_text("SOFTWARE_TOKEN_MFA")
    record = json.loads((browser_home / "tutorial" / "workspace-local.json").read_text())
    assert record["totp_secret"] == secret.replace(" ", "")  # kept for the next lessons

    open_notebook(page, tutorial_lab, SIGN_IN, LIGHT)
    run_all(page)
    expect_text(
        page.locator(".jp-OutputArea-output", has_text="already has an authenticator app"),
        "linked in notebook 02",
        timeout=60_000,
    )
    forms = page.locator(".ct-code-entry")
    used = {enrolment_code}
    for index, name in enumerate(("admin", "public-client", "secret-hash")):
        form = forms.nth(index)
        form.wait_for(timeout=60_000)
        code = answer_with_demo(form, move_clock, screenshots, f"tutorial-03-sign-in-{name}")
        expect_text(status(form), "Signed in as learner")
        assert code not in used, f"the {name} sign-in was accepted with a spent code"
        used.add(code)
    settle_and_check(page, SIGN_IN)


def test_03_alone_re_run_run_out_and_finish(
    learner, tutorial_lab, fresh_workspace, move_clock, screenshots
):
    page = learner
    open_notebook(page, tutorial_lab, SIGN_IN, LIGHT)
    run_all(page)

    # Set-up linked an authenticator for a learner who skipped 02, and shows it to scan.
    linked = page.locator(".jp-OutputArea-output", has_text="had no authenticator app")
    linked.wait_for(timeout=60_000)
    card = page.locator(".jp-OutputArea-child", has=page.locator("svg[role=img]")).first
    expect(card).to_contain_text("Scan the QR code")
    card.screenshot(path=screenshots / "tutorial-03-set-up-enrolment-card.png")

    form_cell = cell_index(page, "respond_to_mfa_challenge,\n")
    form = cell(page, form_cell).locator(".ct-code-entry")
    form.wait_for(timeout=60_000)
    # The kernel still runs the cell after a widget message (the demo button) is handled.
    demo_code(form)
    page.wait_for_function(KERNEL_STATUS_JS, arg="busy", timeout=10_000)

    # A while later the learner runs the waiting cell again: a new form, counting down the
    # same Session from when Cognito issued it, not from when the new form appeared.
    move_clock(100)
    rerun_by_keyboard(page, form_cell)
    expect(form).to_have_count(1)
    expect(form.locator(".ct-time").first).to_have_text(re.compile(r"[01]:\d\d left"))
    assert seconds_left(form) <= 80
    expect(form.get_by_label("6-digit code")).to_be_enabled()  # live, not the old one closed
    form.screenshot(path=screenshots / "tutorial-03-re-run-form.png")

    send(form, wrong_code(demo_code(form)))
    expect_text(status(form), "The code did not match")
    expect_text(status(form), "CodeMismatchException")
    expect(form.get_by_label("6-digit code")).to_be_focused()  # ready for the next code
    answer_with_demo(form, move_clock, screenshots, "tutorial-03-sign-in-after-re-run")

    # The keyboard is back on the notebook, on the next cell: Shift+Enter goes on.
    page.wait_for_function(KEYBOARD_ON_CELL_JS, arg=form_cell + 1, timeout=10_000)
    page.keyboard.press("Shift+Enter")  # the markdown after the form
    page.wait_for_function(KEYBOARD_ON_CELL_JS, arg=form_cell + 2, timeout=10_000)
    page.keyboard.press("Shift+Enter")  # show(signed_in)
    expect_text(cell(page, form_cell + 2).locator(".jp-OutputArea"), "AuthenticationResult")

    # Section 4: the learner reads for too long; the form says so before anything is typed.
    run_from(page, form_cell + 3)
    public_form = cell(page, cell_index(page, "respond_as_public_client,")).locator(
        ".ct-code-entry"
    )
    public_form.wait_for(timeout=60_000)
    move_clock(200)
    expect_text(status(public_form), "This sign-in session has run out", timeout=20_000)
    expect_text(public_form, "The same sign-in from a public client")  # which cells to run
    expect(public_form.locator("button:visible:enabled")).to_have_count(0)  # none to press
    ended = cell(page, cell_index(page, "respond_as_public_client,\n"))
    explained = ended.locator(".jp-OutputArea-output", has_text="This sign-in session has run out")
    expect_text(explained.first, "again, from the one that starts the sign-in")
    expect_text(ended.locator("[data-mime-type='application/vnd.jupyter.stderr']"), "FormEnded")
    public_form.screenshot(path=screenshots / "tutorial-03-session-ran-out.png")

    # As the form says: run section 4 again from the cell that starts the sign-in.
    run_from(page, cell_index(page, "public_started = cognito.initiate_auth("))
    fresh = cell(page, cell_index(page, "respond_as_public_client,\n")).locator(".ct-code-entry")
    expect_text(fresh.locator(".ct-time").first, "left")
    answer_with_demo(fresh, move_clock, screenshots, "tutorial-03-public-client-again")
    secret_form = cell(page, cell_index(page, "respond_with_secret_hash,\n"))
    answer_with_demo(
        secret_form.locator(".ct-code-entry"), move_clock, screenshots, "tutorial-03-secret-hash"
    )
    settle_and_check(page, SIGN_IN)


def test_04b_the_learner_signs_in_with_the_recovering_loop(
    learner, tutorial_lab, fresh_workspace, move_clock, screenshots
):
    page = learner
    open_notebook(page, tutorial_lab, RECOVER, LIGHT)
    run_all(page)
    yours = cell(page, cell_index(page, "def ask_me(prompt):"))
    demo = yours.locator(".ct-demo .ct-otp")
    demo.wait_for(timeout=90_000)
    field = yours.locator("input.jp-Stdin-input")

    def type_into_input(code: str) -> None:
        expect(field).to_have_count(1, timeout=30_000)
        field.fill(code)
        field.press("Enter")

    expect_text(yours, "Enter the 6-digit code from your authenticator app")
    type_into_input(wrong_code(demo.text_content().replace(" ", "")))
    expect_text(yours, "That code did not match")
    # The learner is slow: the Session runs out; the function starts the sign-in again.
    shown = demo.text_content()
    move_clock(200)
    expect(demo).not_to_have_text(shown)
    type_into_input(demo.text_content().replace(" ", ""))
    expect_text(yours, "The sign-in session has run out: starting again.")
    type_into_input(demo.text_content().replace(" ", ""))
    expect_text(yours, "Signed in as learner", timeout=30_000)
    yours.screenshot(path=screenshots / "tutorial-04b-your-turn.png")
    settle_and_check(page, RECOVER)


def test_05_srp_interrupted_then_answered(
    learner, tutorial_lab, fresh_workspace, move_clock, screenshots
):
    page = learner
    open_notebook(page, tutorial_lab, SRP, LIGHT)
    run_all(page)
    form_cell = cell_index(page, "signed_in = await forms.ask_for_code(")
    form = cell(page, form_cell).locator(".ct-code-entry")
    form.wait_for(timeout=90_000)

    # Interrupt (the stop button) while the form waits: one line says so, in the form and
    # under it; then the learner runs the cell again and answers.
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:interrupt-kernel')")
    expect_text(status(form), "Interrupted")
    expect(form.locator("button:visible:enabled")).to_have_count(0)
    expect_text(
        cell(page, form_cell).locator(".jp-OutputArea-output", has_text="Interrupted."),
        "You interrupted the kernel",
    )
    rerun_by_keyboard(page, form_cell)
    expect(form.get_by_label("6-digit code")).to_be_enabled()
    send(form, wrong_code(demo_code(form)))
    expect_text(status(form), "The code did not match")
    answer_with_demo(form, move_clock, screenshots, "tutorial-05-srp")
    run_from(page, form_cell + 1)  # the interrupt stopped Run All: the learner goes on
    settle_and_check(page, SRP)


def test_06_tokens_signs_in_twice(learner, tutorial_lab, fresh_workspace, move_clock, screenshots):
    page = learner
    open_notebook(page, tutorial_lab, TOKENS, LIGHT)
    run_all(page)
    for name in ("first", "second"):
        form = cell(page, cell_index(page, f"{name} = await sign_in()")).locator(".ct-code-entry")
        form.wait_for(timeout=90_000)
        answer_with_demo(form, move_clock, screenshots, f"tutorial-06-sign-in-{name}")
    settle_and_check(page, TOKENS)


def test_07_one_code_then_the_remembered_device_signs_in_without_one(
    learner, tutorial_lab, fresh_workspace, move_clock, screenshots
):
    page = learner
    open_notebook(page, tutorial_lab, DEVICES, LIGHT)
    run_all(page)
    forms = page.locator(".ct-code-entry")
    form = cell(page, cell_index(page, "signed_in = await forms.ask_for_code(")).locator(
        ".ct-code-entry"
    )
    form.wait_for(timeout=90_000)
    answer_with_demo(form, move_clock, screenshots, "tutorial-07-sign-in")
    settle_and_check(page, DEVICES)
    expect(forms).to_have_count(1)  # the remembered device needed no second code
    outputs = page.locator(".jp-OutputArea-output")
    for shown in (
        "NewDeviceMetadata",  # the first sign-in's new device key
        "UserConfirmationNecessary",  # ConfirmDevice
        "The device password is in the request: False",
        "DEVICE_SRP_AUTH",  # the sign-in that names the remembered device
        "DEVICE_PASSWORD_VERIFIER",
        "Remembered devices left: 0",
        "Cognito does not know this device (any more)",  # the forgotten device's key
    ):
        expect(outputs.filter(has_text=shown).first).to_be_visible()
    page.screenshot(path=screenshots / "tutorial-07-done.png", full_page=False)
