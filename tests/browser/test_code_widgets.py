"""The code widgets in a real JupyterLab, in headless Chromium, against a real sandbox.

Each test opens a fixture notebook, runs it with Run All, and answers its widgets as a learner
does: typing into the field, pressing Enter or Verify. Screenshots land in
artifacts/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"
FULL_TOKEN = re.compile(r"eyJ[\w-]{40,}")


def open_notebook(page, lab, name: str, theme: str) -> None:
    page.goto(lab.notebook_url(name))
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext",
        timeout=60_000,
    )
    set_theme(page, theme)
    page.wait_for_function(
        "() => { const s = window.jupyterapp.shell.currentWidget.sessionContext;"
        " return s.session && s.session.kernel && s.session.kernel.status === 'idle'; }",
        timeout=60_000,
    )


def set_theme(page, theme: str) -> None:
    page.evaluate(
        "theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    page.wait_for_function("theme => document.body.dataset.jpThemeName === theme", arg=theme)
    # Changing theme shows a splash screen for a moment; screenshots must not catch it.
    page.locator("#jupyterlab-splash").wait_for(state="detached")


def run_all(page) -> None:
    # Not awaited: the command's promise settles only when every cell has run.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def type_code(form, code: str) -> None:
    field = form.get_by_label("6-digit code")
    expect(field).to_be_enabled()
    field.fill("")
    field.press_sequentially(code)


def status(form):
    return form.locator(".ct-status").first


def wrong_code(totp: pyotp.TOTP) -> str:
    near = {totp.at(time.time() + d) for d in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def test_run_all_enrols_an_authenticator_then_signs_in(page, jupyter_lab, screenshots):
    open_notebook(page, jupyter_lab, "enrol_and_sign_in.ipynb", LIGHT)
    run_all(page)

    # Enrolment: the QR code and the grouped secret a learner would type into an app.
    enrol = page.locator(".ct-enrolment")
    enrol.wait_for(timeout=90_000)
    assert enrol.locator("svg").count() == 1
    secret = enrol.locator("tr", has_text="Secret").locator("code").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", secret), secret
    app = pyotp.TOTP(secret.replace(" ", ""))
    enrol.screenshot(path=screenshots / "01-enrolment-light.png")

    type_code(enrol, wrong_code(app))
    enrol.get_by_role("button", name="Verify").click()
    expect_text(status(enrol), "EnableSoftwareTokenMFAException")

    enrolment_time = time.time()
    enrolment_code = app.at(enrolment_time)
    type_code(enrol, enrolment_code)
    enrol.get_by_role("button", name="Verify").dblclick()  # sent once; checked at the end
    expect_text(status(enrol), "Authenticator verified")
    enrol.screenshot(path=screenshots / "02-enrolment-verified-light.png")

    # Run All went on by itself to the sign-in, which waits for the next code.
    signin = page.locator(".ct-code-entry").filter(
        has=page.locator(".ct-heading", has_text="Sign in:")
    )
    signin.wait_for(timeout=30_000)
    countdown = signin.locator(".ct-session .ct-time")
    first = countdown.inner_text()
    assert re.fullmatch(r"\d:\d\d left", first), first
    expect_not_text(countdown, first, timeout=5_000)  # it counts down live

    type_code(signin, wrong_code(app))
    signin.get_by_label("6-digit code").press("Enter")
    expect_text(status(signin), "The code did not match")
    expect(signin.get_by_label("6-digit code")).to_be_focused()  # ready for the next code
    expect_text(status(signin), "CodeMismatchException")
    expect_text(
        signin.locator(".ct-note", has_text="challenge still stands"), "left on this session"
    )
    signin.screenshot(path=screenshots / "03-sign-in-code-mismatch-light.png")

    type_code(signin, enrolment_code)
    signin.get_by_label("6-digit code").press("Enter")
    expect_text(status(signin), "already used")
    expect_text(signin.locator(".ct-note", has_text="new code in about"), "s: type that one.")
    signin.screenshot(path=screenshots / "04-sign-in-code-already-used-light.png")

    signin.get_by_role("button", name="No phone? Show a demo authenticator").click()
    shown_code = signin.locator(".ct-otp").inner_text().replace(" ", "")
    assert shown_code in {app.at(time.time() + d) for d in (-30, 0, 30)}
    signin.screenshot(path=screenshots / "05-demo-authenticator-light.png")

    # The authenticator's next code (one step after the enrolment's) is accepted.
    type_code(signin, app.at(enrolment_time + 30))
    signin.get_by_label("6-digit code").press("Enter")
    expect_text(status(signin), "Signed in as learner")
    assert signin.get_by_label("6-digit code").is_disabled()
    signin.screenshot(path=screenshots / "06-signed-in-light.png")

    finished = page.locator(".jp-OutputArea-output", has_text="RUN ALL FINISHED")
    expect_text(finished, "signed in as learner", timeout=30_000)
    expect_text(finished, "verify calls: 2, respond calls: 3")
    assert not FULL_TOKEN.search(page.locator(".jp-Notebook").inner_text())

    set_theme(page, DARK)
    signin.screenshot(path=screenshots / "07-signed-in-dark.png")


def test_a_session_that_runs_out_is_started_again(page, jupyter_lab, screenshots, move_clock):
    open_notebook(page, jupyter_lab, "session_expiry.ipynb", DARK)
    run_all(page)

    # The headless enrolment (interactive=False) showed its result without a widget.
    headless = page.locator(".jp-OutputArea-output", has_text="Authenticator verified")
    headless.wait_for(timeout=90_000)

    form = page.locator(".ct-code-entry")
    form.wait_for(timeout=30_000)
    expect_text(status(form), "This sign-in session has run out", timeout=20_000)
    assert form.get_by_label("6-digit code").is_disabled()
    form.screenshot(path=screenshots / "08-session-ran-out-dark.png")

    # The headless enrolment spent the code of its time step; the learner waits for the
    # demo authenticator's next code (the clock moves on: no real wait), then starts the
    # sign-in again and answers at once.
    form.get_by_role("button", name="No phone? Show a demo authenticator").click()
    shown = form.locator(".ct-otp")
    spent = shown.inner_text()
    move_clock(30)
    expect_not_text(shown, spent)
    code = shown.inner_text().replace(" ", "")

    form.get_by_role("button", name="Start the sign-in again").click()
    expect_text(status(form), "New sign-in started")
    expect_text(form.locator(".ct-session .ct-time").first, "left")

    # Keyboard only: type, Tab to Verify, Space.
    type_code(form, code)
    form.get_by_label("6-digit code").press("Tab")
    page.keyboard.press("Space")
    expect_text(status(form), "Signed in as expiry-")
    form.screenshot(path=screenshots / "09-signed-in-after-restart-dark.png")
    expect_text(
        page.locator(".jp-OutputArea-output", has_text="RUN ALL FINISHED"),
        "signed in as expiry-",
        timeout=30_000,
    )


def expect_text(locator, text: str, timeout: float = 15_000) -> None:
    expect(locator).to_contain_text(text, timeout=timeout)


def expect_not_text(locator, text: str, timeout: float = 15_000) -> None:
    expect(locator).not_to_have_text(text, timeout=timeout)
