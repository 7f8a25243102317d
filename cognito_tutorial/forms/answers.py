"""The moment a learner types a code: what the notebooks await, and what an answer comes to.

``await ask_for_code(...)`` and ``await enrol_authenticator(...)`` show a form from
``cognito_tutorial.forms`` (the ipywidgets views) and wait until it is answered; headless
(papermill, nbval) they answer with pyotp instead and never load ipywidgets.

Input checks, explanations and the Cognito calls live in plain functions here
(:func:`attempt`, :func:`describe_success`, :func:`session_time_left`, and the helpers in
``totp``, ``errors`` and ``display``); a form collects a code, calls the function it was
given (the notebook's own function that holds the boto3 call) and shows what came back.
"""

from __future__ import annotations

import asyncio
import html
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from cognito_tutorial import display, errors, tokens, totp

if TYPE_CHECKING:
    from cognito_tutorial.forms.views import CodeEntry, EnrolmentWidget

__all__ = [
    "Accepted",
    "NoAnswerError",
    "Outcome",
    "answer_headless",
    "ask_for_code",
    "attempt",
    "describe_success",
    "enrol_authenticator",
    "session_time_left",
    "signed_in_user",
    "wait_for_answer",
]

log = logging.getLogger(__name__)

Response = dict[str, Any]
Submit = Callable[[str], Response]
Clock = Callable[[], float]

TOTP_STEP_S = 30
DEFAULT_SESSION_VALIDITY_S = 180  # an app client's AuthSessionValidity defaults to 3 minutes
DEFAULT_TIMEOUT_S = 600
LOW_TIME_S = 30

WAY_ON_AFTER_REFUSAL = {
    # way_on -> what the field does next: "clear" keeps the challenge open for a new code,
    # "keep" leaves the typed text for fixing, "end" closes this session.
    "retry": "clear",
    "wait_for_next_code": "clear",
    "fix_input": "keep",
    "fix_setup": "keep",
    "wait": "keep",
    "restart_sign_in": "end",
}


# --- plain functions: what an answer comes to ------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one answer came to: accepted, refused by Cognito (explained), or not a code at all.

    :param kind: ``"success"``, ``"refused"`` (the function raised) or ``"invalid"`` (the text
        failed the input check, nothing was sent).
    :param code: the normalised code that was sent, if one was.
    :param response: the response dict on success.
    :param explanation: ``errors.explain`` of what was raised: Cognito's refusal, or the
        input check's complaint.
    """

    kind: Literal["success", "refused", "invalid"]
    code: str | None = None
    response: Response | None = None
    explanation: errors.Explanation | None = None

    @property
    def way_on(self) -> str | None:
        """The helpers' way on after a refusal (``retry``, ``restart_sign_in``...), else None."""
        return self.explanation.way_on if self.explanation is not None else None


def attempt(on_submit: Submit, text: str) -> Outcome:
    """Check ``text`` as a TOTP code and, if it is one, answer with ``on_submit(code)``.

    Nothing is sent when the text is not six digits. Anything ``on_submit`` raises (a botocore
    ``ClientError`` from Cognito, a connection error, a bug in the notebook's function) is
    explained by :func:`errors.explain` rather than raised, so a widget can show it.
    """
    try:
        code = totp.normalise_code(text)
    except errors.CodeFormatError as exc:
        return Outcome(kind="invalid", explanation=errors.explain(exc))
    try:
        response = on_submit(code)
    except Exception as exc:  # noqa: BLE001 - every failure is shown to the learner, explained
        return Outcome(kind="refused", code=code, explanation=errors.explain(exc))
    return Outcome(kind="success", code=code, response=response)


def signed_in_user(response: Response) -> str | None:
    """The user name in a sign-in response's tokens, or None when there is none to read.

    The ID token's claims are decoded without checking its signature: this only labels the
    screen. Code that trusts a token must verify it against the pool's JWKS first.
    """
    result = response.get("AuthenticationResult") or {}
    for token_name, claim in (("IdToken", "cognito:username"), ("AccessToken", "username")):
        token = result.get(token_name)
        if not token:
            continue
        try:
            claims = tokens.decode(token)["claims"]
        except errors.TokenInvalid:
            continue
        if claims.get(claim):
            return str(claims[claim])
    return None


@dataclass(frozen=True)
class Accepted:
    """What Cognito's acceptance of a code means, as HTML or text, with secrets redacted.

    A widget shows it in its status line; a headless run displays it as the cell's output.
    """

    title: str
    rows: tuple[tuple[str, str], ...] = ()
    note: str = ""

    def __str__(self) -> str:
        lines = [f"✓ {self.title}"] + [f"  {label}: {value}" for label, value in self.rows]
        return "\n".join(lines + ([self.note] if self.note else []))

    __repr__ = __str__

    def body_html(self) -> str:
        """The rows and the note, for the status line under the title."""
        rows = [(label, f"<code>{html.escape(value)}</code>") for label, value in self.rows]
        note = f'<p class="ct-note">{html.escape(self.note)}</p>' if self.note else ""
        return table_html(rows) + note

    def _repr_html_(self) -> str:
        status = status_html("success", f"✓ {self.title}", self.body_html())
        return f'{CARD_CSS}<div class="ct-card">{status}</div>'


def describe_success(response: Response) -> Accepted:
    """Say what a response Cognito accepted means: tokens, a linked authenticator, or a step.

    Knows the three shapes an answer to a code can bring back: tokens (signed in), a
    VerifySoftwareToken ``Status`` (authenticator linked), or a further challenge. Tokens and
    sessions are redacted with ``display.redact``.
    """
    session_row = (
        (("Session", display.redact(response["Session"])),) if response.get("Session") else ()
    )
    result = response.get("AuthenticationResult")
    if result:
        user = signed_in_user(response)
        rows = tuple(
            (name, display.redact(result[name]))
            for name in ("IdToken", "AccessToken", "RefreshToken")
            if result.get(name)
        )
        if "ExpiresIn" in result:
            rows += (("ExpiresIn", f"{int(result['ExpiresIn'])} s"),)
        return Accepted(
            f"Signed in as {user}" if user else "Signed in",
            rows,
            "Tokens are shown redacted. The cell returns the full response.",
        )
    if response.get("Status") == "SUCCESS":
        if response.get("Session"):
            next_call = (
                "Answer the MFA_SETUP challenge with the Session shown to finish signing in."
            )
        else:
            next_call = "Turn it on for sign-in with SetUserMFAPreference."
        return Accepted(
            "Authenticator verified",
            session_row,
            f"Cognito accepted the code: this authenticator is now linked to the user. {next_call}",
        )
    if response.get("ChallengeName"):
        return Accepted(
            "Code accepted: Cognito asks for another step",
            (("ChallengeName", response["ChallengeName"]),) + session_row,
        )
    return Accepted("Code accepted")


def session_time_left(started_at: float, validity_s: float, now: float) -> float:
    """Seconds left before a sign-in session started at ``started_at`` runs out (never < 0)."""
    return max(0.0, started_at + validity_s - now)


def seconds_to_next_code(now: float, step_s: int = TOTP_STEP_S) -> int:
    """Whole seconds until an authenticator shows its next code, rounded up as apps count."""
    return math.ceil(step_s - now % step_s)


def format_duration(seconds: float) -> str:
    """``161`` -> ``"2:41"``; rounds up so a countdown shows 0:00 only when time is up."""
    whole = int(-(-seconds // 1))
    return f"{whole // 60}:{whole % 60:02d}"


async def _sleep_headless(seconds: float) -> None:
    """Block: headless, no widget needs the event loop, and a headless run's virtual clock
    (``headless_clock``) takes over ``time.sleep``, so the wait costs no real time there."""
    time.sleep(seconds)


async def answer_headless(
    on_submit: Submit,
    secret: str,
    *,
    clock: Clock = time.time,
    sleep: Callable[[float], Awaitable[None]] = _sleep_headless,
    max_wait_s: float = 31.0,
) -> Response:
    """Answer with the current code from ``secret`` (as pyotp computes it), without a widget.

    If Cognito says that code was already used (for example VerifySoftwareToken took it a
    moment ago), answer with the next time step's code: Cognito accepts a code up to 30 s
    ahead (TOTP MFA guide), so a headless run need not wait the seconds a learner would for
    their app to show it. Only if that one was used too does it wait for the next step, as a
    production client should; the wait is capped at ``max_wait_s``. Any other refusal is
    raised as it came.
    """
    for ahead in (0, TOTP_STEP_S):
        code, _ = totp.current_code(secret, now=clock() + ahead)
        try:
            return on_submit(code)
        except Exception as exc:
            if errors.explain(exc).way_on != "wait_for_next_code":
                raise
    await sleep(min(seconds_to_next_code(clock()) + 0.5, max_wait_s))
    code, _ = totp.current_code(secret, now=clock() + TOTP_STEP_S)
    return on_submit(code)


# --- shared look ----------------------------------------------------------------------------

# JupyterLab's theme variables keep every colour readable in the light and the dark theme.
CARD_CSS = """
<style>
.ct-card { border: 1px solid var(--jp-border-color1); border-radius: 8px;
  padding: 14px 18px 12px; background: var(--jp-layout-color1); color: var(--jp-ui-font-color1);
  max-width: 620px; box-shadow: 0 1px 3px rgba(0,0,0,0.12); font-family: var(--jp-ui-font-family);
  gap: 4px; }
.ct-card .widget-html-content { line-height: 1.45; }
.ct-card .ct-heading { font-size: 1.25em; font-weight: 600; margin: 0; }
.ct-card .ct-sub { color: var(--jp-ui-font-color2); margin: 0; }
.ct-card p { margin: 4px 0; }
.ct-card .ct-row { align-items: center; gap: 8px; margin: 6px 0 2px; }
.ct-card .ct-code input.widget-input { font-family: var(--jp-code-font-family);
  font-size: 22px; letter-spacing: 0.25em; height: 40px; padding: 0 10px; }
.ct-card .ct-code label.widget-label { font-weight: 600; }
.ct-card .ct-verify { height: 40px; min-width: 7em; font-weight: 600; }
.ct-card .ct-session { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.ct-card code { font-family: var(--jp-code-font-family); background: var(--jp-layout-color2);
  padding: 1px 5px; border-radius: 3px; }
.ct-card .ct-bar { display: inline-block; width: 160px; height: 8px; border-radius: 4px;
  background: var(--jp-layout-color3); overflow: hidden; }
.ct-card .ct-bar > span { display: block; height: 100%; background: var(--jp-brand-color1); }
.ct-card .ct-low .ct-bar > span { background: var(--jp-warn-color1); }
.ct-card .ct-low .ct-time { color: var(--jp-warn-color0); font-weight: 600; }
.ct-card .ct-out .ct-time { color: var(--jp-error-color0); font-weight: 600; }
.ct-card .ct-time { font-variant-numeric: tabular-nums; }
.ct-card .ct-note { color: var(--jp-ui-font-color2); font-size: 0.92em; }
.ct-card .ct-status { border-left: 4px solid var(--jp-border-color1); border-radius: 4px;
  background: var(--jp-layout-color2); padding: 8px 12px; margin-top: 4px; }
.ct-card .ct-status code { background: var(--jp-layout-color1); }
.ct-card .ct-status-title { font-weight: 600; margin-bottom: 2px; }
.ct-card .ct-status.ct-success { border-left-color: var(--jp-success-color1); }
.ct-card .ct-status.ct-refused { border-left-color: var(--jp-error-color1); }
.ct-card .ct-status.ct-invalid, .ct-card .ct-status.ct-expired {
  border-left-color: var(--jp-warn-color1); }
.ct-card .ct-status.ct-busy { border-left-color: var(--jp-brand-color1); }
.ct-card .ct-kv, .ct-enrolment table { border-collapse: collapse; margin: 4px 0; }
.ct-card .ct-kv th, .ct-enrolment table th { text-align: left; font-weight: 600;
  padding: 1px 14px 1px 0; vertical-align: top; }
.ct-card .ct-kv td, .ct-enrolment table td { padding: 1px 0; }
.ct-card.ct-demo { border-style: dashed; box-shadow: none; max-width: 360px; }
.ct-card .ct-otp { font-family: var(--jp-code-font-family); font-size: 2.1em; font-weight: 600;
  letter-spacing: 0.12em; margin: 2px 0; }
</style>
"""


def table_html(rows: list[tuple[str, str]]) -> str:
    if not rows:
        return ""
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="ct-kv">{cells}</table>'


def status_html(kind: str, title: str, body: str = "") -> str:
    return (
        f'<div class="ct-status ct-{kind}" role="status" aria-live="polite">'
        f'<div class="ct-status-title">{html.escape(title)}</div>{body}</div>'
    )


def bar_html(fraction: float, label: str) -> str:
    pct = round(max(0.0, min(1.0, fraction)) * 100)
    return (
        f'<span class="ct-bar" role="progressbar" aria-label="{html.escape(label)}" '
        f'aria-valuemin="0" aria-valuemax="100" aria-valuenow="{pct}">'
        f'<span style="width: {pct}%"></span></span>'
    )


# --- waiting in a cell (Run All) ------------------------------------------------------------


class NoAnswerError(errors.TutorialError, TimeoutError):
    """The learner did not answer before the cell stopped waiting."""

    default_title = "No code arrived in time"


async def wait_for_answer(
    widget: CodeEntry | EnrolmentWidget, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> Response:
    """Keep the cell running, with the widget live, until it is answered or ``timeout_s`` passes.

    A cell that blocks would freeze its own widgets: the kernel handles their events only
    between cells. A cell that *awaits* does not: ipykernel (7.4 and later) handles widget
    messages while an async cell waits, and still holds back the cells Run All queued after
    it. So the cell awaits this, and Run All stops here until the code is accepted.
    (jupyter-ui-poll did this for ipykernel 6; it cannot reach ipykernel 7's message loop.)

    :raises NoAnswerError: when ``timeout_s`` passes first; the form then says so.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not widget.done.is_set() and loop.time() < deadline:
        if _session_is_dead(widget):
            raise errors.TutorialError(
                "The sign-in session ended before a code was accepted, so the cell stopped "
                "waiting.",
                "A Session lasts the app client's AuthSessionValidity and answers one challenge.",
                "Run the sign-in cell again for a new Session, then this one.",
                title="This sign-in session has run out",
                way_on="restart_sign_in",
            )
        await asyncio.sleep(0.1)
    if widget.result is None:
        message = (
            f"No code was accepted within {format_duration(timeout_s)}, so the cell stopped "
            "waiting. Run it again when your authenticator is to hand."
        )
        widget.stop_waiting(message)
        raise NoAnswerError(message, title=NoAnswerError.default_title, way_on="restart_sign_in")
    return widget.result


def _session_is_dead(widget: CodeEntry | EnrolmentWidget) -> bool:
    """The form can no longer be answered and offers no restart of its own."""
    if getattr(widget, "on_restart", None) is not None:
        return False
    if getattr(widget, "state", "") == "expired":
        return True
    outcome = getattr(widget, "last_outcome", None)
    return outcome is not None and outcome.way_on == "restart_sign_in"


def _require_kernel() -> None:
    from IPython import get_ipython

    if getattr(get_ipython(), "kernel", None) is None:
        raise errors.TutorialError(
            "Waiting for a typed code needs a Jupyter kernel to show the form.",
            "This code runs outside Jupyter, where no widget can be displayed.",
            "Pass interactive=False to answer with a code generated from the secret instead.",
            title="No notebook to show the form in",
            way_on="fix_setup",
        )


async def ask_for_code(
    on_submit: Submit,
    *,
    interactive: bool,
    secret: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    session: str | None = None,
    session_started_at: float | None = None,
    session_validity_s: float = DEFAULT_SESSION_VALIDITY_S,
    on_restart: Callable[[], Response | None] | None = None,
    offer_demo: bool = False,
    account_name: str | None = None,
    label: str = "Enter the 6-digit code from your authenticator app",
    clock: Clock = time.time,
) -> Response:
    """Get a code answered and return Cognito's response: from the learner, or from pyotp.

    Await it in the cell: ``signed_in = await widgets.ask_for_code(respond, ...)``.

    Interactive: show a :class:`CodeEntry` and keep the cell waiting until the learner's code
    is accepted (or ``timeout_s`` passes, raising :class:`NoAnswerError`). Headless
    (papermill, nbval): call ``on_submit`` with the current code for ``secret``; no widget,
    no waiting beyond one TOTP step if the code was already used.

    :param on_submit: the notebook's ``respond(code) -> response`` holding the boto3 call.
    :param interactive: False under papermill/nbval.
    :param secret: the TOTP secret; needed headless, and for ``offer_demo``.
    """
    if not interactive:
        if secret is None:
            raise ValueError("interactive=False needs the TOTP secret to generate a code")
        response = await answer_headless(on_submit, secret, clock=clock)
        _show_headless(response)
        return response
    _require_kernel()
    from cognito_tutorial.forms.views import CodeEntry

    entry = CodeEntry(
        on_submit,
        session=session,
        session_started_at=session_started_at,
        session_validity_s=session_validity_s,
        on_restart=on_restart,
        demo_secret=secret if offer_demo else None,
        account_name=account_name,
        label=label,
        clock=clock,
    )
    _display(entry)
    return await wait_for_answer(entry, timeout_s=timeout_s)


async def enrol_authenticator(
    secret: str,
    account_name: str,
    on_verify: Submit,
    *,
    interactive: bool,
    issuer: str = "cognito-tutorial",
    timeout_s: float = DEFAULT_TIMEOUT_S,
    session: str | None = None,
    session_started_at: float | None = None,
    session_validity_s: float = DEFAULT_SESSION_VALIDITY_S,
    on_restart: Callable[[], Response | None] | None = None,
    offer_demo: bool = False,
    clock: Clock = time.time,
) -> Response:
    """Link an authenticator and return VerifySoftwareToken's response.

    Await it in the cell, as :func:`ask_for_code`. Interactive: show an
    :class:`EnrolmentWidget` (QR code, grouped secret, code field) and wait for the code.
    Headless: verify with pyotp's current code; the secret is not shown.
    """
    if not interactive:
        response = await answer_headless(on_verify, secret, clock=clock)
        _show_headless(response)
        return response
    _require_kernel()
    from cognito_tutorial.forms.views import EnrolmentWidget

    widget = EnrolmentWidget(
        secret,
        account_name,
        issuer,
        on_verify,
        session=session,
        session_started_at=session_started_at,
        session_validity_s=session_validity_s,
        on_restart=on_restart,
        offer_demo=offer_demo,
        clock=clock,
    )
    _display(widget)
    return await wait_for_answer(widget, timeout_s=timeout_s)


def _display(widget: Any) -> None:
    from IPython.display import display as ipython_display

    ipython_display(widget)


def _show_headless(response: Response) -> None:
    """Show, in a headless run's output, what the widget would have shown on success."""
    from IPython.display import display as ipython_display

    ipython_display(describe_success(response))
