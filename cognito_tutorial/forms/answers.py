"""What an answer comes to: the plain logic behind the code forms, with no widget in sight.

Input checks, explanations and the Cognito calls live in plain functions here
(:func:`attempt`, :func:`describe_success`, :func:`session_time_left`, :func:`answer_headless`,
and the helpers in ``totp``, ``errors`` and ``display``). The forms in ``views`` show what these
return; this module imports no ipywidgets, so it is tested, and runs headless, without them.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from cognito_tutorial import display, errors, html_boxes, tokens, totp

__all__ = [
    "Accepted",
    "Outcome",
    "SignInContext",
    "answer_headless",
    "attempt",
    "describe_success",
    "format_duration",
    "run_again_advice",
    "seconds_to_next_code",
    "session_time_left",
    "signed_in_user",
]

Response = dict[str, Any]
Submit = Callable[[str], Response]
Restart = Callable[[], Response | None]
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


@dataclass(frozen=True)
class SignInContext:
    """The sign-in a typed code answers, as a form shows it: the session and how it runs out.

    :param session: the ``Session`` the answer goes with, shown redacted beside the field.
    :param started_at: when Cognito issued that session (``clock()`` time); None means it is
        not known, and the form counts from when it is built (and says so).
    :param validity_s: the app client's AuthSessionValidity in seconds (3 minutes by default);
        the form counts it down and closes when it runs out.
    :param on_restart: ``on_restart() -> response`` starts the sign-in again (InitiateAuth) and
        returns its response; offered when the session runs out or is spent.
    :param demo_secret: if given, the form offers a demo authenticator showing its codes.
    :param clock: returns the time in seconds since the epoch; tests pass a fake one.
    :param validity_known: False when ``validity_s`` is Cognito's default, assumed because
        the app client's own setting could not be read; the form says so.
    :param arrival_of: ``arrival_of(session)`` is when a Session arrived (``clock()`` time),
        or None; a restarted sign-in's new Session is counted down from it.
    :param run_again: the notebook section where this sign-in starts (``""``: not known);
        a form whose session is over without ``on_restart`` names it.
    """

    session: str | None = None
    started_at: float | None = None
    validity_s: float = DEFAULT_SESSION_VALIDITY_S
    on_restart: Restart | None = None
    demo_secret: str | None = None
    clock: Clock = time.time
    validity_known: bool = True
    arrival_of: Callable[[str], float | None] = lambda _session: None
    run_again: str = ""


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
        return html_boxes.key_values(rows) + note

    def _repr_html_(self) -> str:
        status = html_boxes.status("success", f"✓ {self.title}", self.body_html())
        return f'{html_boxes.FORM_CSS}<div class="ct-card">{status}</div>'


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


def run_again_advice(section: str) -> str:
    """What to run for a new Session: the section the sign-in started in, when known."""
    if section:
        return (
            f"Run the cells of “{section}” again, from the one that starts the sign-in: a new "
            "Session, then a new form."
        )
    return "Run the cell that started the sign-in again for a new Session, then this one."


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
    (``instructor.headless_clock``) takes over ``time.sleep``, so the wait costs no real time
    there."""
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
