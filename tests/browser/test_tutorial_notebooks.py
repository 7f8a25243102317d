"""The real tutorial, notebooks 02 and 03, run in JupyterLab by a learner who has no phone.

Both notebooks are copied from notebooks/ with their committed outputs cleared, opened with
their default parameters (``interactive = True``) and run with Run All. Every code form is
answered as the learner would: open the form's demo authenticator, read its code, type it, press
Enter; if Cognito says the code was already used, wait for the next code, as the form says. Both
notebooks share one sandbox and one COGNITO_TUTORIAL_HOME, as a learner's kernels would, so 03
signs in with the authenticator 02 linked. Screenshots: artifacts/screenshots/tutorial-*.png.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect
from test_code_widgets import (
    LIGHT,
    expect_not_text,
    expect_text,
    open_notebook,
    run_all,
    status,
    type_code,
)

pytestmark = pytest.mark.browser

TUTORIAL = Path(__file__).resolve().parents[2] / "notebooks"
ENROL = "02_turn_on_totp_mfa.ipynb"
SIGN_IN = "03_answer_the_mfa_challenge.ipynb"
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


@pytest.fixture(scope="module")
def tutorial_lab(jupyter_lab):
    """The JupyterLab of conftest, with notebooks 02 and 03 as a learner downloads them."""
    for name in (ENROL, SIGN_IN):
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


def answer_with_demo(form, shots: Path, name: str) -> str:
    """Answer ``form`` with its demo authenticator's code; returns the code that was accepted.

    Screenshots: ``{name}.png`` with the demo authenticator open, ``{name}-already-used.png``
    if Cognito refused the code as already used, ``{name}-accepted.png`` at the end.
    """
    form.get_by_role("button", name="No phone? Show a demo authenticator").click()
    shown = form.locator(".ct-otp")
    expect(shown).to_have_text(re.compile(r"\d{3} \d{3}"))
    expect(form.locator(".ct-demo .ct-time")).to_contain_text("New code in")
    form.screenshot(path=shots / f"{name}.png")
    (shots / f"{name}-already-used.png").unlink(missing_ok=True)  # not left from an older run

    code = shown.text_content().replace(" ", "")
    type_code(form, code)
    form.get_by_label("6-digit code").press("Enter")
    expect(status(form)).to_contain_text(ACCEPTED_OR_USED, timeout=15_000)
    if "already used" in status(form).text_content():
        # The form's way on: "Your authenticator shows a new code in about N s. Type that one."
        expect(form.locator(".ct-note", has_text="new code in about")).to_contain_text(
            "Type that one."
        )
        expect(form.get_by_label("6-digit code")).to_be_enabled()
        form.screenshot(path=shots / f"{name}-already-used.png")
        expect_not_text(shown, f"{code[:3]} {code[3:]}", timeout=35_000)
        code = shown.text_content().replace(" ", "")
        type_code(form, code)
        form.get_by_label("6-digit code").press("Enter")
    expect(status(form)).to_contain_text(ACCEPTED, timeout=15_000)
    expect(form.get_by_label("6-digit code")).to_be_disabled()
    expect(form.locator(".ct-otp")).to_have_count(0)  # the demo closes with the form
    form.screenshot(path=shots / f"{name}-accepted.png")
    return code


def settle_and_check(page, name: str) -> None:
    """Run All reached the end: every code cell ran, none shows an error or stderr output."""
    page.wait_for_function(RUN_ALL_SETTLED_JS, timeout=60_000, polling=250)
    cells = page.evaluate(CODE_CELLS_JS)
    problems = []
    for cell in cells:
        for output in cell["outputs"]:
            if output["output_type"] == "error":
                trace = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(output.get("traceback", [])))
                problems.append(f"cell {cell['index']}: {output['ename']}\n{trace[-2000:]}")
            elif output["output_type"] == "stream" and output.get("name") == "stderr":
                problems.append(f"cell {cell['index']} wrote to stderr: {output['text'][:500]}")
    assert not problems, f"{name}:\n" + "\n\n".join(problems)
    not_run = [cell["index"] for cell in cells if not cell["count"]]
    assert not not_run, f"{name}: cells {not_run} never ran"
    text = page.locator(".jp-Notebook").text_content() or ""
    assert not FULL_TOKEN.search(text), f"{name} shows a whole token"


def test_a_learner_without_a_phone_runs_notebooks_02_and_03(
    page, tutorial_lab, browser_home, screenshots
):
    started = time.monotonic()
    page_errors = []  # uncaught JavaScript errors: a widget that broke in the page
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    # --- 02: MFA_SETUP during sign-in, then Sam's enrolment with an access token -------------
    open_notebook(page, tutorial_lab, ENROL, LIGHT)
    run_all(page)

    enrolments = page.locator(".ct-enrolment")
    learner = enrolments.nth(0)
    learner.wait_for(timeout=90_000)
    learner.scroll_into_view_if_needed()  # the learner's eyes go to the form
    assert learner.locator("svg").count() == 1  # the QR code
    expect(learner.locator(".ct-session .ct-time").first).to_contain_text("left")
    secret = learner.locator("tr", has_text="Secret").locator("code").text_content()
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", secret), secret
    secret = secret.replace(" ", "")
    enrolment_code = answer_with_demo(learner, screenshots, "tutorial-02-enrolment")
    # The demo authenticator computes from the secret the page shows for the learner's phone.
    app = pyotp.TOTP(secret)
    assert enrolment_code in {app.at(time.time() + d) for d in (-30, 0, 30)}

    sam = enrolments.nth(1)
    sam.wait_for(timeout=30_000)
    assert "sam" in sam.locator("tr", has_text="Account").text_content()
    answer_with_demo(sam, screenshots, "tutorial-02-enrolment-sam")

    settle_and_check(page, ENROL)
    last = page.locator(".jp-OutputArea-output", has_text="UserMFASettingList").last
    expect(last).to_contain_text("SOFTWARE_TOKEN_MFA")

    # --- 03: three sign-ins for the learner, each needing a code not used before -------------
    record = json.loads((browser_home / "tutorial" / "workspace-local.json").read_text())
    assert record["totp_secret"] == secret  # 02 kept the secret for the next lessons

    open_notebook(page, tutorial_lab, SIGN_IN, LIGHT)
    run_all(page)

    forms = page.locator(".ct-code-entry")
    used = {enrolment_code}
    for index, name in enumerate(("admin", "public-client", "secret-hash")):
        form = forms.nth(index)
        form.wait_for(timeout=60_000)
        code = answer_with_demo(form, screenshots, f"tutorial-03-sign-in-{name}")
        expect_text(status(form), "Signed in as learner")
        assert code not in used, f"the {name} sign-in was accepted with a spent code"
        assert code in {app.at(time.time() + d) for d in (-30, 0, 30)}  # 02's authenticator
        used.add(code)

    settle_and_check(page, SIGN_IN)
    assert not page_errors, page_errors
    print(f"\n02 and 03 ran in {time.monotonic() - started:.0f} s")
