"""The forms a learner types into: code entry, enrolment, a demo authenticator (ipywidgets).

Views only. What an answer comes to and the explanations live in ``answers`` (plain logic, no
ipywidgets); ``asking`` shows these forms in an interactive notebook and waits for them.
Headless runs never import this module, nor ipywidgets.

Live countdowns tick on a daemon thread that starts when a form is displayed and stops when it
is answered, runs out or is closed. Time comes from an injected ``clock``, so tests set the
time instead of sleeping.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

import ipywidgets as widgets

from cognito_tutorial import display, errors, html_boxes, totp
from cognito_tutorial.forms.answers import (
    DEFAULT_TIMEOUT_S,
    LOW_TIME_S,
    TOTP_STEP_S,
    WAY_ON_AFTER_REFUSAL,
    Clock,
    Outcome,
    Response,
    SignInContext,
    Submit,
    attempt,
    describe_success,
    format_duration,
    run_again_advice,
    seconds_to_next_code,
    session_time_left,
)

__all__ = ["CodeEntry", "DemoAuthenticator", "EnrolmentWidget"]

log = logging.getLogger(__name__)

# Runs in JupyterLab (``element`` is the script's output node): puts the keyboard on the cell
# after the form's, as if the learner had pressed Shift+Enter on the form's cell. JupyterLab
# runs a script before it attaches its output to the page, so it waits (up to 2 s) for that.
# Does nothing once the learner's keyboard is somewhere else than the form or nowhere.
_RETURN_FOCUS_JS = """
(function returnFocus(tries) {
  if (!element.isConnected) {
    if (tries > 0) setTimeout(() => returnFocus(tries - 1), 50);
    return;
  }
  const form = element.closest('.ct-card');
  const active = document.activeElement;
  if (active && active !== document.body && !(form && form.contains(active))) return;
  const cell = element.closest('.jp-Cell');
  const next = cell && cell.nextElementSibling;
  const target = next && next.classList.contains('jp-Cell') ? next
    : cell || element.closest('.jp-Notebook');
  if (target) target.focus();
})(40);
"""


def _css() -> widgets.HTML:
    """The forms' stylesheet, in an invisible widget: a form carries it wherever it is shown."""
    return widgets.HTML(html_boxes.FORM_CSS, layout=widgets.Layout(display="none"))


class _Ticker:
    """Calls ``tick`` on a daemon thread at each wall-clock second until it returns False.

    ``stop`` ends the thread and waits for it, so nothing keeps running after a widget closes.
    """

    def __init__(self, tick: Callable[[], bool], name: str, interval_s: float = 1.0):
        self._tick = tick
        self._name = name
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(self._stopping,), name=self._name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _run(self, stopping: threading.Event) -> None:
        # Ticking on whole seconds keeps a countdown in step with the authenticator's clock.
        while not stopping.wait(self._interval_s - time.time() % self._interval_s + 0.01):
            try:
                keep_going = self._tick()
            except Exception:
                log.exception("countdown %s stopped by an error", self._name)
                return
            if not keep_going:
                return


# --- the demo authenticator ------------------------------------------------------------------


class DemoAuthenticator(widgets.VBox):
    """A stand-in for an authenticator app: the current code and its 30-second countdown.

    It computes what a phone app computes from the same secret (RFC 6238), for a learner
    without a phone. The live countdown runs while displayed, for at most ``run_for_s``
    seconds (then a Resume button), and stops on :meth:`close`.

    :param secret: the Base32 secret AssociateSoftwareToken returned.
    :param clock: returns the time in seconds since the epoch; tests pass a fake one.
    """

    def __init__(
        self,
        secret: str,
        *,
        account_name: str | None = None,
        issuer: str | None = None,
        clock: Clock = time.time,
        run_for_s: float = DEFAULT_TIMEOUT_S,
        with_style: bool = True,
    ):
        self.secret = secret
        self.clock = clock
        self.run_for_s = run_for_s
        self._started_at: float | None = None
        self._ticker = _Ticker(self._tick, name="cognito-tutorial demo authenticator")
        who = " · ".join(html.escape(x) for x in (issuer, account_name) if x)
        self.heading = widgets.HTML(
            '<p class="ct-heading">Demo authenticator</p>'
            f'<p class="ct-sub">{who or "TOTP"} · a new code every {TOTP_STEP_S} s</p>'
        )
        self.code_view = widgets.HTML()
        self.countdown = widgets.HTML()
        self.resume_button = widgets.Button(
            description="Resume",
            icon="play",
            tooltip="Show live codes again",
            layout=widgets.Layout(display="none"),
        )
        self.resume_button.on_click(lambda _button: self.start())
        note = widgets.HTML(
            '<p class="ct-note">It stands in for an authenticator app: same secret, same '
            "clock, same code. Type the code into the field as you would from a phone.</p>"
        )
        children = [self.heading, self.code_view, self.countdown, self.resume_button, note]
        super().__init__(children=([_css()] if with_style else []) + children)
        self.add_class("ct-card")
        self.add_class("ct-demo")
        self.refresh()

    @property
    def running(self) -> bool:
        """Whether the live countdown is ticking."""
        return self._ticker.running

    def refresh(self) -> None:
        """Show the code and seconds left for the clock's current time."""
        code, seconds_left = totp.current_code(self.secret, now=self.clock())
        self.code_view.value = (
            f'<div class="ct-otp" aria-label="Current code">{code[:3]} {code[3:]}</div>'
        )
        bar = html_boxes.bar(seconds_left / TOTP_STEP_S, "Time left for code")
        self.countdown.value = (
            f'<div class="ct-session">{bar}'
            f'<span class="ct-time">New code in {seconds_left} s</span></div>'
        )

    def start(self) -> None:
        """Start the live countdown (displaying the widget does this)."""
        self._started_at = time.monotonic()
        self.resume_button.layout.display = "none"
        self.refresh()
        self._ticker.start()

    def stop(self) -> None:
        """Stop the live countdown and wait for its thread to end."""
        self._ticker.stop()
        self._show_paused()

    def close(self) -> None:
        self._ticker.stop()
        super().close()

    def _tick(self) -> bool:
        started = self._started_at
        if started is not None and time.monotonic() - started >= self.run_for_s:
            self._show_paused()
            return False
        self.refresh()
        return True

    def _show_paused(self) -> None:
        self.countdown.value = (
            '<p class="ct-note">Live codes paused. Press Resume when you need one.</p>'
        )
        self.resume_button.layout.display = None

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        self.start()
        return super()._repr_mimebundle_(**kwargs)


# --- code entry -----------------------------------------------------------------------------


class CodeEntry(widgets.VBox):
    """A sign-in form for a 6-digit code: field, Verify button, session countdown, status line.

    Pressing Enter or Verify answers with ``on_submit(code)``, the notebook's own function
    holding the boto3 call; it returns the response dict or raises botocore's ``ClientError``.
    The form shows who signed in (tokens redacted) or the helpers' explanation and the way on.
    While a call is in flight the form is disabled, and a code is never sent twice by one
    double click.

    :param on_submit: ``on_submit(code) -> response``.
    :param context: the session the code answers, its restart, the demo secret and the clock;
        default: no session (nothing counts down), no demo, the real clock.
    :param account_name: named in the hint, and by the demo authenticator.
    :param label: the form's heading.
    :param hint: the line under the heading; default: where to find the code.
    :param with_style: add the forms' stylesheet (a form nested in another one does not).
    """

    def __init__(
        self,
        on_submit: Submit,
        context: SignInContext | None = None,
        *,
        account_name: str | None = None,
        label: str = "Enter the 6-digit code from your authenticator app",
        hint: str | None = None,
        with_style: bool = True,
    ):
        context = context or SignInContext()
        self.on_submit = on_submit
        self.on_restart = context.on_restart
        self.clock = context.clock
        self.session = context.session
        self.session_validity_s = context.validity_s
        self.validity_known = context.validity_known
        self.arrival_of = context.arrival_of
        self.run_again = context.run_again
        self.built_at = context.clock()
        # Counted from when Cognito issued the Session if that is known, else from now.
        self.counts_from_arrival = context.started_at is not None
        self.session_started_at = (
            context.started_at
            if context.started_at is not None or context.session is None
            else self.built_at
        )
        self.result: Response | None = None
        self.done = threading.Event()
        self.state: Literal["ready", "sending", "done", "expired", "closed"] = "ready"
        self.last_outcome: Outcome | None = None
        self._attempted_text: str | None = None
        self._displayed = False
        self._lock = threading.RLock()
        self._ticker = _Ticker(self._tick, name="cognito-tutorial session countdown")

        self.heading, self.hint = self._build_heading(label, hint, account_name)
        self.code = self._code_field("")
        self.verify_button = self._build_verify_button()
        self.row = widgets.HBox([self.code, self.verify_button])
        self.row.add_class("ct-row")
        self.session_view = widgets.HTML()
        self.status = widgets.HTML()
        self.next_step = widgets.HTML()
        self.restart_button = self._build_restart_button()
        self.demo, self.demo_button, self.demo_box = self._build_demo(
            context.demo_secret, account_name
        )
        # Where a script returning the keyboard to the notebook runs (see return_focus).
        self.focus_script = widgets.Output(layout=widgets.Layout(height="0px", overflow="hidden"))
        children = [
            self.heading,
            self.hint,
            self.row,
            self.session_view,
            self.status,
            self.next_step,
            self.restart_button,
            self.demo_button,
            self.demo_box,
            self.focus_script,
        ]
        super().__init__(children=([_css()] if with_style else []) + children)
        self.add_class("ct-card")
        self.add_class("ct-code-entry")
        self.refresh()

    # -- the parts -------------------------------------------------------------------------

    @staticmethod
    def _build_heading(
        label: str, hint: str | None, account_name: str | None
    ) -> tuple[widgets.HTML, widgets.HTML]:
        if not hint:
            hint = "Open your authenticator app and type the code it shows"
            if account_name:
                hint += f" for {account_name}"
            hint += ". Press Enter to send."
        heading = widgets.HTML(f'<p class="ct-heading">{html.escape(label)}</p>')
        return heading, widgets.HTML(f'<p class="ct-sub">{html.escape(hint)}</p>')

    def _build_verify_button(self) -> widgets.Button:
        button = widgets.Button(
            description="Verify",
            button_style="primary",
            icon="check",
            tooltip="Send this code to Cognito",
        )
        button.add_class("ct-verify")
        button.on_click(self._on_verify_click)
        return button

    def _build_restart_button(self) -> widgets.Button:
        button = widgets.Button(
            description="Start the sign-in again",
            icon="redo",
            button_style="primary",
            tooltip="Call InitiateAuth again for a new session",
            layout=widgets.Layout(display="none", width="auto", align_self="flex-start"),
        )
        button.on_click(lambda _button: self.restart())
        return button

    def _build_demo(
        self, secret: str | None, account_name: str | None
    ) -> tuple[DemoAuthenticator | None, widgets.Button, widgets.VBox]:
        """The demo authenticator (None without a secret), the button that shows it, its box."""
        button = widgets.Button(
            description="No phone? Show a demo authenticator",
            icon="mobile",
            tooltip="Show codes computed here from the same secret",
            layout=widgets.Layout(
                width="auto",
                align_self="flex-start",
                display="none" if secret is None else None,
            ),
        )
        button.on_click(lambda _button: self.toggle_demo())
        demo = None
        if secret is not None:
            demo = DemoAuthenticator(
                secret, account_name=account_name, clock=self.clock, with_style=False
            )
        return demo, button, widgets.VBox()

    # -- what the handlers call ------------------------------------------------------------

    def _on_value(self, change: dict[str, Any]) -> None:
        # continuous_update=False: the value arrives when the learner presses Enter or leaves
        # the field, so a new value is an answer.
        if str(change["new"]).strip():
            self.answer(change["new"])
        elif self.state == "ready":
            self._fresh_field("")

    def _on_verify_click(self, _button: widgets.Button) -> None:
        text = self.code.value
        if not text.strip():
            if self.last_outcome is None:
                self.status.value = html_boxes.status(
                    "invalid", "Type the 6-digit code from your authenticator app first."
                )
            return
        # Leaving the field for the button already sent this text; a second click must not.
        if text != self._attempted_text:
            self.answer(text)

    def answer(self, text: str) -> Outcome | None:
        """Answer with ``text`` now, as Enter does; returns the outcome, or None if not sent.

        Nothing is sent while another answer is in flight or once the form is done or closed.
        """
        with self._lock:
            if self.state != "ready":
                return None
            if self._session_ran_out():
                self._expire()
                return None
            self._attempted_text = text
            self.state = "sending"
            self._show_busy()
        outcome = attempt(self.on_submit, text)
        self._apply(outcome)
        return outcome

    def restart(self) -> None:
        """Start the sign-in again through ``on_restart`` and open the form for the new session."""
        if self.on_restart is None:
            return
        with self._lock:
            if self.state == "sending":
                return
            self.state = "sending"
            self.restart_button.disabled = True
            self.status.value = html_boxes.status("busy", "Starting the sign-in again…")
        try:
            response = self.on_restart() or {}
        except Exception as exc:  # noqa: BLE001 - shown to the learner, explained
            with self._lock:
                self.state = "expired"
                self.restart_button.disabled = False
                self.status.value = _refusal_html(errors.explain(exc))
            return
        with self._lock:
            self.restart_button.disabled = False
            self.restart_button.layout.display = "none"
            self.last_outcome = None
            self._attempted_text = None
            if response.get("AuthenticationResult"):
                # Cognito signed the user in without asking for a code this time.
                self._finish(Outcome(kind="success", response=response))
                return
            self.session = response.get("Session", self.session)
            arrived = self.arrival_of(self.session) if self.session else None
            self.counts_from_arrival = arrived is not None
            self.session_started_at = arrived if arrived is not None else self.clock()
            self.state = "ready"
            self._fresh_field("")
            self._set_enabled(True)
            self.status.value = html_boxes.status(
                "busy", "New sign-in started", "<p>Type the code your app shows now.</p>"
            )
            self.next_step.value = ""
        self.refresh()
        if self._displayed:
            self._ticker.start()
        self.code.focus()

    def toggle_demo(self) -> None:
        """Show or hide the demo authenticator, starting or stopping its countdown."""
        if self.demo is None:
            return
        if self.demo_box.children:
            self.demo.stop()
            self.demo_box.children = ()
            self.demo_button.description = "No phone? Show a demo authenticator"
        else:
            self.demo_box.children = (self.demo,)
            self.demo.start()
            self.demo_button.description = "Hide the demo authenticator"

    def session_is_over(self) -> bool:
        """The form can no longer be answered and offers no restart of its own."""
        if self.on_restart is not None:
            return False
        if self.state == "expired":
            return True
        return self.last_outcome is not None and self.last_outcome.way_on == "restart_sign_in"

    def stop_waiting(self, message: str, title: str = "Stopped waiting") -> None:
        """Close the form because nobody is waiting for its answer any more: every button
        off, ``title`` and ``message`` in the status line, the keyboard back to the notebook."""
        with self._lock:
            if self.state in ("done", "closed"):
                return
            self.state = "closed"
            self._close_everything()
            self.status.value = html_boxes.status(
                "expired", title, f"<p>{html_boxes.code_spans(message)}</p>"
            )
            self.next_step.value = ""
            self.session_view.value = self._session_html()
        self._stop_countdowns()
        self.return_focus()

    def return_focus(self) -> None:
        """Give the keyboard back to the notebook, on the cell after this form's, so that
        Shift+Enter goes on (a disabled field would leave it on the page, where keys do
        nothing). Only if it is still in this form or nowhere: a learner who has moved on
        keeps their place. Runs as a script in the form's hidden output, which JupyterLab
        trusts because the kernel sent it while the learner ran the cell."""
        self.focus_script.outputs = (
            {
                "output_type": "display_data",
                "data": {"application/javascript": _RETURN_FOCUS_JS, "text/plain": ""},
                "metadata": {},
            },
        )

    # -- time ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Redraw the countdowns for the clock's current time; close the form if time is up."""
        with self._lock:
            self.session_view.value = self._session_html()
            if self.state == "ready" and self._session_ran_out():
                self._expire()
            elif self.last_outcome is not None and self.state == "ready":
                self.next_step.value = self._next_step_html(self.last_outcome)

    def start(self) -> None:
        """Start the live countdown (displaying the widget does this)."""
        self._displayed = True
        self.refresh()
        if self.state in ("ready", "sending") and self.session_started_at is not None:
            self._ticker.start()

    def close(self) -> None:
        self._stop_countdowns()
        if self.demo is not None:
            self.demo.close()
        super().close()

    @property
    def running(self) -> bool:
        """Whether a live countdown is ticking."""
        return self._ticker.running or (self.demo is not None and self.demo.running)

    def _tick(self) -> bool:
        self.refresh()
        return self.state in ("ready", "sending")

    def _session_ran_out(self) -> bool:
        if self.session_started_at is None:
            return False
        return (
            session_time_left(self.session_started_at, self.session_validity_s, self.clock()) <= 0
        )

    def _session_html(self) -> str:
        if self.session_started_at is None:
            return ""
        name = (
            f"<code>{html.escape(display.redact(self.session))}</code>"
            if self.session
            else "this sign-in"
        )
        if self.state == "done":
            return (
                f'<div class="ct-session"><span>Session {name}</span>'
                '<span class="ct-note">used: a session answers once.</span></div>'
            )
        left = session_time_left(self.session_started_at, self.session_validity_s, self.clock())
        css = "ct-out" if left <= 0 else "ct-low" if left <= LOW_TIME_S else ""
        when = "run out" if left <= 0 else f"{format_duration(left)} left"
        lasts = format_duration(self.session_validity_s)
        if self.validity_known:
            whose = "the app client's AuthSessionValidity"
        else:
            whose = "Cognito's default AuthSessionValidity: the app client's could not be read"
        since = "" if self.counts_from_arrival else ", counted from when this form appeared"
        return (
            f'<div class="ct-session"><span>Your code goes with Session {name}</span></div>'
            f'<div class="ct-session {css}">'
            f"{html_boxes.bar(left / self.session_validity_s, 'Session time left')}"
            f'<span class="ct-time">{when}</span>'
            f'<span class="ct-note">of {lasts} ({whose}{since})</span>'
            "</div>"
        )

    # -- showing outcomes ------------------------------------------------------------------

    def _show_busy(self) -> None:
        self._set_enabled(False)
        self.verify_button.description = "Verifying…"
        self.status.value = html_boxes.status("busy", "Checking the code with Cognito…")
        self.next_step.value = ""

    def _apply(self, outcome: Outcome) -> None:
        with self._lock:
            self.last_outcome = outcome
            self.verify_button.description = "Verify"
            if outcome.kind == "success":
                self._finish(outcome)
                return
            explanation = outcome.explanation
            assert explanation is not None
            # The field is made ready before the status line says what happened: a learner
            # who starts typing on reading it must not have the field cleared under them.
            then = WAY_ON_AFTER_REFUSAL.get(explanation.way_on, "keep")
            self.state = "expired" if then == "end" else "ready"
            if then != "end":
                self._fresh_field("" if then == "clear" else self._attempted_text or "")
            self._set_enabled(then != "end")
            if outcome.kind == "invalid":
                # Nothing reached Cognito: a short hint, not an error report.
                self.status.value = html_boxes.status(
                    "invalid",
                    explanation.title,
                    f"<p>{html.escape(explanation.meaning)} {html.escape(explanation.todo)}</p>",
                )
            else:
                self.status.value = _refusal_html(explanation, outcome.code)
            self.next_step.value = self._next_step_html(outcome)
            if then == "end":
                self._offer_restart()
        if self.state == "ready":
            self.code.focus()

    def _finish(self, outcome: Outcome) -> None:
        self.last_outcome = outcome
        self.result = outcome.response
        self.state = "done"
        self._set_enabled(False)
        accepted = describe_success(outcome.response or {})
        self.status.value = html_boxes.status(
            "success", f"✓ {accepted.title}", accepted.body_html()
        )
        self.next_step.value = ""
        self.session_view.value = self._session_html()
        self._close_everything()
        self.done.set()
        self.return_focus()

    def _expire(self) -> None:
        self.state = "expired"
        self._set_enabled(False)
        lasts = format_duration(self.session_validity_s)
        assert self.session_started_at is not None
        ran_out_at = self.session_started_at + self.session_validity_s
        if self.counts_from_arrival and ran_out_at <= self.built_at:
            when = (
                "It had run out before this form appeared: the Session arrived "
                f"{format_duration(self.built_at - self.session_started_at)} before it."
            )
        elif self.counts_from_arrival:
            when = (
                "The Session arrived "
                f"{format_duration(self.clock() - self.session_started_at)} ago."
            )
        else:
            when = ""
        whose = "the app client's" if self.validity_known else "Cognito's default"
        self.status.value = html_boxes.status(
            "expired",
            "This sign-in session has run out",
            f"<p>Cognito keeps a sign-in session for {lasts} ({whose} AuthSessionValidity). "
            f"{when} A code sent now would be refused with "
            "<code>NotAuthorizedException</code>, so the form is closed.</p>",
        )
        self.next_step.value = ""
        self._offer_restart()

    def _offer_restart(self) -> None:
        if self.on_restart is not None:
            self.restart_button.layout.display = None
            self.restart_button.focus()
        else:
            self.next_step.value = (
                f'<p class="ct-note">{html_boxes.code_spans(run_again_advice(self.run_again))}</p>'
            )
            self._close_everything()
            self.return_focus()

    def _close_everything(self) -> None:
        """A finished or dead form: no field, no button left to press, no countdown."""
        self._set_enabled(False)
        self.restart_button.layout.display = "none"
        self.demo_button.disabled = True
        self.demo_button.layout.display = "none"
        if self.demo is not None:
            # The demo's thread never waits for this form's lock, so joining it here is safe.
            self.demo.stop()
            self.demo_box.children = ()

    def _next_step_html(self, outcome: Outcome) -> str:
        way_on = outcome.way_on
        if way_on == "wait_for_next_code":
            return f'<p class="ct-note">{html.escape(self._next_code_hint(outcome.code))}</p>'

        if way_on == "retry" and self.session_started_at is not None:
            left = session_time_left(self.session_started_at, self.session_validity_s, self.clock())
            return (
                '<p class="ct-note">The challenge still stands: type the code your app shows '
                f"now. {format_duration(left)} left on this session.</p>"
            )
        return ""

    def _next_code_hint(self, sent: str | None) -> str:
        """When a code was already used: when the next one comes, as the learner's
        authenticator shows it. The demo authenticator's code is known here; a phone's is
        not, and it may have moved on already (a code is accepted a little after its step)."""
        wait = seconds_to_next_code(self.clock())
        if self.demo is not None and self.demo_box.children:
            shown, _ = totp.current_code(self.demo.secret, now=self.clock())
            if shown != sent:
                return "The demo authenticator already shows a new code: type that one."
            return f"The demo authenticator shows a new code in about {wait} s. Type that one."
        if sent:
            return (
                f"If your app still shows {sent[:3]} {sent[3:]}, it shows a new code in about "
                f"{wait} s: type that one. If it already shows another, type it now."
            )
        return f"Your authenticator shows a new code in about {wait} s. Type that one."

    def _set_enabled(self, enabled: bool) -> None:
        self.code.disabled = not enabled
        self.verify_button.disabled = not enabled

    def _code_field(self, text: str) -> widgets.Text:
        field = widgets.Text(
            value=text,
            placeholder="123456",
            description="6-digit code",
            tooltip="The 6-digit code your authenticator app shows now",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="20em"),
        )
        field.add_class("ct-code")
        field.observe(self._on_value, names="value")
        return field

    def _fresh_field(self, text: str) -> None:
        """Put a new code field, holding ``text``, where the last one was.

        While a cell awaits, ipykernel 7.4 handles widget messages without reporting itself
        idle afterwards, and the widgets front end holds a model's next change until that
        report comes. A field whose value arrived that way would never send another, so each
        answer gets a new field (a new model) for the next one.
        """
        old, self.code = self.code, self._code_field(text)
        self.row.children = (self.code, self.verify_button)
        old.close()

    def _stop_countdowns(self) -> None:
        self._ticker.stop()
        if self.demo is not None:
            self.demo.stop()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        self.start()
        return super()._repr_mimebundle_(**kwargs)


def _refusal_html(explanation: errors.Explanation, sent: str | None = None) -> str:
    """The helpers' explanation, laid out for the form: what happened, Cognito's own words,
    the likely cause and what to do. (The way on is the form's own next-step line.)"""
    said = f"<code>{html.escape(explanation.code)}</code>"
    if explanation.message and explanation.message != explanation.meaning:
        said += f": “{html.escape(explanation.message)}”"
    you_sent = f"You sent {sent[:3]} {sent[3:]}. " if sent else ""
    rows = [f'<p class="ct-note">{you_sent}Cognito answered {said}</p>']
    rows.append(f"<p>{html_boxes.code_spans(explanation.meaning)}</p>")
    if explanation.cause:
        rows.append(f"<p><b>Likely cause:</b> {html_boxes.code_spans(explanation.cause)}</p>")
    if explanation.todo:
        rows.append(f"<p><b>What to do:</b> {html_boxes.code_spans(explanation.todo)}</p>")
    return html_boxes.status("refused", f"✗ {explanation.title}", "".join(rows))


# --- enrolment ------------------------------------------------------------------------------


class EnrolmentWidget(widgets.VBox):
    """Link an authenticator app: QR code, the secret grouped for typing, then a code to verify.

    The code goes to ``on_verify(code)``, the notebook's function that calls
    VerifySoftwareToken. ``result`` and ``done`` mirror the inner :class:`CodeEntry`.

    :param secret: the ``SecretCode`` AssociateSoftwareToken returned (Base32).
    :param account_name: the account label the app shows, usually the user name.
    :param issuer: the issuer label the app shows.
    :param on_verify: ``on_verify(code) -> response``, raising ``ClientError`` on a wrong code.
    :param context: the MFA_SETUP ``Session`` when enrolling during sign-in (else none), its
        restart, the demo secret and the clock.
    """

    def __init__(
        self,
        secret: str,
        account_name: str,
        issuer: str,
        on_verify: Submit,
        context: SignInContext | None = None,
    ):
        self.secret = secret
        self.account_name = account_name
        self.issuer = issuer
        self.heading = widgets.HTML(
            '<p class="ct-heading">Set up your authenticator app</p>'
            '<p class="ct-sub">Any TOTP app works: Google Authenticator, Microsoft '
            "Authenticator, 1Password, Authy, or a password manager.</p>"
        )
        # The card (QR code, grouped secret, issuer, account) is totp's; revealed because this
        # widget is the learner's live path, never a headless run's committed output.
        self.card = widgets.HTML(
            totp.EnrolmentCard(secret, account_name, issuer, reveal=True)._repr_html_()
        )
        self.entry = CodeEntry(
            on_verify,
            context,
            account_name=account_name,
            label="Verify the app's code",
            hint="Cognito checks it with VerifySoftwareToken. Press Enter to send.",
            with_style=False,
        )
        # Nested cards: the inner form keeps its look without a second border.
        self.entry.remove_class("ct-card")
        super().__init__(children=[_css(), self.heading, self.card, self.entry])
        self.add_class("ct-card")
        self.add_class("ct-enrolment")

    @property
    def result(self) -> Response | None:
        return self.entry.result

    @property
    def done(self) -> threading.Event:
        return self.entry.done

    @property
    def running(self) -> bool:
        return self.entry.running

    def start(self) -> None:
        self.entry.start()

    def session_is_over(self) -> bool:
        return self.entry.session_is_over()

    def stop_waiting(self, message: str, title: str = "Stopped waiting") -> None:
        self.entry.stop_waiting(message, title)

    def close(self) -> None:
        self.entry.close()
        super().close()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        self.start()
        return super()._repr_mimebundle_(**kwargs)
