"""Asking for a code in a notebook cell: show a form and wait for it, or answer with pyotp.

``await ask_for_code(...)`` and ``await enrol_authenticator(...)`` are what the notebooks call.
Interactive, they show a form from ``views`` and keep the cell waiting until it is answered;
headless (papermill, nbval) they answer with pyotp instead and never load ipywidgets.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from cognito_tutorial import errors
from cognito_tutorial.forms.answers import (
    DEFAULT_SESSION_VALIDITY_S,
    DEFAULT_TIMEOUT_S,
    Clock,
    Response,
    Restart,
    SignInContext,
    Submit,
    answer_headless,
    describe_success,
    format_duration,
)

__all__ = ["AnswerForm", "NoAnswerError", "ask_for_code", "enrol_authenticator", "wait_for_answer"]


class AnswerForm(Protocol):
    """What a cell waits on: a form that is answered (``done``, ``result``) or given up on."""

    done: threading.Event

    @property
    def result(self) -> Response | None: ...

    def session_is_over(self) -> bool:
        """The form can no longer be answered and offers no restart of its own."""
        ...

    def stop_waiting(self, message: str) -> None: ...


class NoAnswerError(errors.TutorialError, TimeoutError):
    """The learner did not answer before the cell stopped waiting."""

    default_title = "No code arrived in time"


async def wait_for_answer(form: AnswerForm, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Response:
    """Keep the cell running, with the form live, until it is answered or ``timeout_s`` passes.

    A cell that blocks would freeze its own widgets: the kernel handles their events only
    between cells. A cell that *awaits* does not: ipykernel (7.4 and later) handles widget
    messages while an async cell waits, and still holds back the cells Run All queued after
    it. So the cell awaits this, and Run All stops here until the code is accepted.
    (jupyter-ui-poll did this for ipykernel 6; it cannot reach ipykernel 7's message loop.)

    :raises NoAnswerError: when ``timeout_s`` passes first; the form then says so.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not form.done.is_set() and loop.time() < deadline:
        if form.session_is_over():
            raise errors.TutorialError(
                "The sign-in session ended before a code was accepted, so the cell stopped "
                "waiting.",
                "A Session lasts the app client's AuthSessionValidity and answers one challenge.",
                "Run the sign-in cell again for a new Session, then this one.",
                title="This sign-in session has run out",
                way_on="restart_sign_in",
            )
        await asyncio.sleep(0.1)
    if form.result is None:
        message = (
            f"No code was accepted within {format_duration(timeout_s)}, so the cell stopped "
            "waiting. Run it again when your authenticator is to hand."
        )
        form.stop_waiting(message)
        raise NoAnswerError(message, title=NoAnswerError.default_title, way_on="restart_sign_in")
    return form.result


async def ask_for_code(
    on_submit: Submit,
    *,
    interactive: bool,
    secret: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    session: str | None = None,
    session_started_at: float | None = None,
    session_validity_s: float = DEFAULT_SESSION_VALIDITY_S,
    on_restart: Restart | None = None,
    offer_demo: bool = False,
    account_name: str | None = None,
    label: str = "Enter the 6-digit code from your authenticator app",
    clock: Clock = time.time,
) -> Response:
    """Get a code answered and return Cognito's response: from the learner, or from pyotp.

    Await it in the cell: ``signed_in = await forms.ask_for_code(respond, ...)``.

    Interactive: show a ``CodeEntry`` form and keep the cell waiting until the learner's code
    is accepted (or ``timeout_s`` passes, raising :class:`NoAnswerError`). Headless
    (papermill, nbval): call ``on_submit`` with the current code for ``secret``; no widget,
    no waiting beyond one TOTP step if the code was already used.

    :param on_submit: the notebook's ``respond(code) -> response`` holding the boto3 call.
    :param interactive: False under papermill/nbval.
    :param secret: the TOTP secret; needed headless, and for ``offer_demo``.
    :param session: the ``Session`` the code answers; the form counts down its
        ``session_validity_s`` from ``session_started_at`` (default: now) and offers
        ``on_restart`` when it runs out. See :class:`~cognito_tutorial.forms.answers.SignInContext`.
    """
    if not interactive:
        if secret is None:
            raise ValueError("interactive=False needs the TOTP secret to generate a code")
        return await _answer_headless(on_submit, secret, clock)
    demo_secret = secret if offer_demo else None
    context = SignInContext(
        session, session_started_at, session_validity_s, on_restart, demo_secret, clock
    )
    return await _show_and_wait(
        lambda views: views.CodeEntry(on_submit, context, account_name=account_name, label=label),
        timeout_s,
    )


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
    on_restart: Restart | None = None,
    offer_demo: bool = False,
    clock: Clock = time.time,
) -> Response:
    """Link an authenticator and return VerifySoftwareToken's response.

    Await it in the cell, as :func:`ask_for_code`. Interactive: show an ``EnrolmentWidget``
    (QR code, grouped secret, code field) and wait for the code. Headless: verify with pyotp's
    current code; the secret is not shown.
    """
    if not interactive:
        return await _answer_headless(on_verify, secret, clock)
    demo_secret = secret if offer_demo else None
    context = SignInContext(
        session, session_started_at, session_validity_s, on_restart, demo_secret, clock
    )
    return await _show_and_wait(
        lambda views: views.EnrolmentWidget(secret, account_name, issuer, on_verify, context),
        timeout_s,
    )


async def _answer_headless(on_submit: Submit, secret: str, clock: Clock) -> Response:
    """Answer with pyotp and show, as the cell's output, what the form would have shown."""
    from IPython.display import display

    response = await answer_headless(on_submit, secret, clock=clock)
    display(describe_success(response))
    return response


async def _show_and_wait(make_form: Callable[[Any], AnswerForm], timeout_s: float) -> Response:
    """Show the form ``make_form(views)`` builds, and wait for its answer.

    The views module (and with it ipywidgets) is loaded here, once a kernel is known to be
    there to show the form: a headless run never loads it.
    """
    _require_kernel()
    from IPython.display import display

    from cognito_tutorial.forms import views

    form = make_form(views)
    display(form)
    return await wait_for_answer(form, timeout_s=timeout_s)


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
