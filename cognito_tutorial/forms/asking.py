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
from dataclasses import replace
from typing import Any, Protocol

from cognito_tutorial import errors, notebook_cells, session_clock
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
    run_again_advice,
)
from cognito_tutorial.forms.waiting_cell import WaitingCell, waiting_cell

__all__ = [
    "AnswerForm",
    "FormEnded",
    "NoAnswerError",
    "ask_for_code",
    "demo_authenticator",
    "enrol_authenticator",
    "wait_for_answer",
]


class AnswerForm(Protocol):
    """What a cell waits on: a form that is answered (``done``, ``result``) or given up on."""

    done: threading.Event

    @property
    def result(self) -> Response | None: ...

    def session_is_over(self) -> bool:
        """The form can no longer be answered and offers no restart of its own."""
        ...

    def stop_waiting(self, message: str, title: str = ...) -> None: ...


class NoAnswerError(errors.TutorialError, TimeoutError):
    """The learner did not answer before the cell stopped waiting."""

    default_title = "No code arrived in time"


class FormEnded(errors.TutorialError):
    """The form's wait ended without an answer: the learner interrupted it, ran its cell
    again, or its session ran out."""


async def wait_for_answer(
    form: AnswerForm,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    cell: WaitingCell | None = None,
    run_again: str = "",
) -> Response:
    """Keep the cell running, with the form live, until it is answered or ``timeout_s`` passes.

    A cell that blocks would freeze its own widgets: the kernel handles their events only
    between cells. A cell that *awaits* does not: ipykernel (7.4 and later) handles widget
    messages while an async cell waits, and still holds back the cells Run All queued after
    it. So the cell awaits this, and Run All stops here until the code is accepted.
    (jupyter-ui-poll did this for ipykernel 6; it cannot reach ipykernel 7's message loop.)

    Every other ending closes the form with one line saying why and raises, so that Run All
    stops: the learner ran the cell again (``cell.replaced``), interrupted the kernel, or the
    session ran out with no restart on offer (``run_again`` says where the sign-in starts).

    :raises NoAnswerError: when ``timeout_s`` passes first.
    :raises FormEnded: when the wait ends for any other reason without an answer.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    try:
        while not form.done.is_set() and loop.time() < deadline:
            if cell is not None:
                if cell.replaced.is_set():
                    raise _ended(form, FormEnded.about("form_replaced"))
                cell.keep_busy()
            if form.session_is_over():
                advice = run_again_advice(run_again)
                raise _ended(form, FormEnded.about("form_session_over", run_again=advice))
            await asyncio.sleep(0.1)
    except asyncio.CancelledError:
        # Interrupt (the stop button) cancels an awaiting cell: say so, where the form was.
        raise _ended(form, FormEnded.about("form_interrupted")) from None
    if form.result is None:
        raise _ended(form, NoAnswerError.about("form_no_answer", waited=format_duration(timeout_s)))
    return form.result


def _ended(form: AnswerForm, error: errors.TutorialError) -> errors.TutorialError:
    """Close ``form`` with the error's title and one line; the error, for the cell to raise."""
    form.stop_waiting(" ".join(part for part in (error.meaning, error.todo) if part), error.title)
    return error


async def ask_for_code(
    on_submit: Submit,
    *,
    interactive: bool,
    secret: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    session: str | None = None,
    session_started_at: float | None = None,
    session_validity_s: float | None = None,
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
    :param session: the ``Session`` the code answers. The form counts it down from when it
        arrived (a client from ``connect()`` notes that; else ``session_started_at``, else
        from when the form appears) for its app client's AuthSessionValidity
        (``session_validity_s``, else what that client learned, else the 3-minute default,
        said so), and offers ``on_restart`` when it runs out. See
        :class:`~cognito_tutorial.forms.answers.SignInContext`.
    """
    if not interactive:
        if secret is None:
            raise ValueError("interactive=False needs the TOTP secret to generate a code")
        return await _answer_headless(on_submit, secret, clock)
    _require_kernel()
    context = sign_in_context(
        session, session_started_at, session_validity_s, on_restart, secret if offer_demo else None
    )
    return await _show_and_wait(
        lambda views: views.CodeEntry(
            on_submit, replace(context, clock=clock), account_name=account_name, label=label
        ),
        timeout_s,
        context.run_again,
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
    session_validity_s: float | None = None,
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
    _require_kernel()
    context = sign_in_context(
        session, session_started_at, session_validity_s, on_restart, secret if offer_demo else None
    )
    return await _show_and_wait(
        lambda views: views.EnrolmentWidget(
            secret, account_name, issuer, on_verify, replace(context, clock=clock)
        ),
        timeout_s,
        context.run_again,
    )


def demo_authenticator(secret: str, account_name: str | None = None) -> Any:
    """A demo authenticator to display beside a prompt that is not a form (``input()``):
    the code an app would show for ``secret``, and its countdown. Needs a kernel."""
    _require_kernel()
    from cognito_tutorial.forms import views

    return views.DemoAuthenticator(secret, account_name=account_name)


def sign_in_context(
    session: str | None,
    started_at: float | None,
    validity_s: float | None,
    on_restart: Restart | None,
    demo_secret: str | None,
) -> SignInContext:
    """The sign-in a form answers, completed from what ``connect()``'s client noted of the
    Session (``session_clock``): when it arrived, its app client's AuthSessionValidity, and
    the notebook section whose cell started it."""
    arrival = session_clock.arrival(session)
    if started_at is None and arrival is not None:
        started_at = arrival.at
    validity_known = validity_s is not None
    if validity_s is None and session:
        validity = session_clock.validity(session)
        validity_s, validity_known = validity.seconds, validity.known
    return SignInContext(
        session,
        started_at,
        DEFAULT_SESSION_VALIDITY_S if validity_s is None else validity_s,
        on_restart,
        demo_secret,
        validity_known=validity_known,
        arrival_of=_arrival_time,
        run_again=notebook_cells.section_of(arrival.cell_id if arrival else None) or "",
    )


def _arrival_time(session: str) -> float | None:
    arrival = session_clock.arrival(session)
    return arrival.at if arrival is not None else None


async def _answer_headless(on_submit: Submit, secret: str, clock: Clock) -> Response:
    """Answer with pyotp and show, as the cell's output, what the form would have shown."""
    from IPython.display import display

    response = await answer_headless(on_submit, secret, clock=clock)
    display(describe_success(response))
    return response


async def _show_and_wait(
    make_form: Callable[[Any], AnswerForm], timeout_s: float, run_again: str
) -> Response:
    """Show the form ``make_form(views)`` builds, and wait for its answer.

    The views module (and with it ipywidgets) is loaded here, once a kernel is known to be
    there to show the form: a headless run never loads it. The cell is watched for a re-run
    from before the form exists (``waiting_cell``).
    """
    from IPython.display import display

    from cognito_tutorial.forms import views

    with waiting_cell() as cell:
        form = make_form(views)
        display(form)
        return await wait_for_answer(form, timeout_s=timeout_s, cell=cell, run_again=run_again)


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
