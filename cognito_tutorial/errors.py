"""Every error the tutorial can meet: the exceptions it raises, and explanations of any other.

The words are data, in ``catalogue/errors.toml``: :data:`COGNITO_ERRORS` covers what Cognito
(or botocore, on the way to it) can answer; :data:`HELPER_PROBLEMS` covers bad input caught by
this package's own helpers, raised as :class:`TutorialError`. :func:`explain` turns any
exception into an :class:`Explanation` that keeps the original code and message visible beside
the words for the learner.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from string import Template
from typing import Any, Literal, Self, get_args

from cognito_tutorial import catalogue, html_boxes

WayOn = Literal["retry", "wait_for_next_code", "restart_sign_in", "fix_input", "fix_setup", "wait"]
"""What the learner (or a widget) does next; ``catalogue/errors.toml`` says each in words."""

WAYS_ON: tuple[str, ...] = get_args(WayOn)

_WORDS = catalogue.load("errors")
_PHRASES: dict[str, str] = _WORDS["phrases"]
WAY_ON_TEXT: dict[str, str] = _WORDS["ways_on"]
API_REFERENCE = _PHRASES["api_reference"]


@dataclass(frozen=True)
class ErrorEntry:
    """One entry of :data:`COGNITO_ERRORS`.

    :param code: the error code (``Error.Code`` of a ClientError) or exception class name.
    :param pattern: a regular expression searched in the message (case-insensitive);
        ``None`` matches any message and acts as the fallback for ``code``.
    """

    code: str
    pattern: str | None
    title: str
    meaning: str
    cause: str
    todo: str
    way_on: WayOn


@dataclass(frozen=True)
class HelperProblem:
    """One entry of :data:`HELPER_PROBLEMS`: a mistake caught before anything reaches Cognito.

    ``meaning``, ``cause`` and ``todo`` are :meth:`str.format` templates filled in by the
    helper that raises.
    """

    key: str
    title: str
    meaning: str
    cause: str
    todo: str
    way_on: WayOn


def _with_phrases(entry: dict[str, str]) -> dict[str, str]:
    """The entry with each ``${phrase}`` in its words replaced by the catalogue's phrase."""
    words = ("title", "meaning", "cause", "todo")
    return {
        name: Template(text).substitute(_PHRASES) if name in words else text
        for name, text in entry.items()
    }


COGNITO_ERRORS: tuple[ErrorEntry, ...] = tuple(
    ErrorEntry(**{"pattern": None, **_with_phrases(entry)}) for entry in _WORDS["cognito_errors"]
)
UNKNOWN_ERROR = ErrorEntry("*", None, **_with_phrases(_WORDS["unknown_error"]))
HELPER_PROBLEMS: tuple[HelperProblem, ...] = tuple(
    HelperProblem(**_with_phrases(entry)) for entry in _WORDS["helper_problems"]
)
_PROBLEMS_BY_KEY: dict[str, HelperProblem] = {p.key: p for p in HELPER_PROBLEMS}


class TutorialError(Exception):
    """Bad input caught by a helper, with a message a learner can act on.

    Build it from a row of :data:`HELPER_PROBLEMS` with :meth:`about`, or directly with free text.

    :param meaning: what happened.
    :param cause: why that is a problem.
    :param todo: what to do next.
    :param way_on: one of :data:`WAYS_ON`.
    :param title: a short heading; defaults to the class's ``default_title``.
    :param problem: the :data:`HELPER_PROBLEMS` key it was built from, if any.
    """

    default_title = "The helper could not use that input"

    def __init__(
        self,
        meaning: str,
        cause: str = "",
        todo: str = "",
        *,
        way_on: WayOn = "fix_input",
        title: str | None = None,
        problem: str | None = None,
    ) -> None:
        self.meaning = meaning
        self.cause = cause
        self.todo = todo
        self.way_on: WayOn = way_on
        self.title = title or self.default_title
        self.problem = problem
        super().__init__(" ".join(part for part in (meaning, cause, todo) if part))

    @classmethod
    def about(cls, key: str, **fields: Any) -> Self:
        """Build the error for the ``HELPER_PROBLEMS`` row ``key``, filling in ``fields``.

        :param key: the row's key, e.g. ``"code_wrong_length"``.
        :returns: an instance of ``cls``, ready to raise.
        """
        row = _PROBLEMS_BY_KEY[key]
        return cls(
            row.meaning.format(**fields),
            row.cause.format(**fields),
            row.todo.format(**fields),
            way_on=row.way_on,
            title=row.title,
            problem=key,
        )


class CodeFormatError(TutorialError, ValueError):
    """A typed TOTP code is not 6 digits (checked before it is sent to Cognito)."""

    default_title = "That is not a 6-digit code"


class TokenInvalid(TutorialError):
    """A JWT failed a verification check; :attr:`check` names which one."""

    default_title = "The token did not pass verification"

    @property
    def check(self) -> str:
        """The failed check: ``"format"``, ``"algorithm"``, ``"kid"``, ``"signature"``,
        ``"expired"``, ``"not_yet_valid"``, ``"missing_claim"``, ``"issuer"``, ``"token_use"``,
        ``"audience"`` or ``"client_id"`` (the problem key without its ``token_`` prefix)."""
        return (self.problem or "").removeprefix("token_")


@dataclass(frozen=True)
class Explanation:
    """An error explained for a learner, with Cognito's own code and message kept beside it.

    Shown as text (``str``) or as an HTML block in JupyterLab (light and dark themes).
    """

    code: str
    message: str
    title: str
    meaning: str
    cause: str
    todo: str
    way_on: str
    operation: str | None = None

    def _lines(self) -> list[tuple[str, str]]:
        rows = [("What it means", self.meaning)]
        if self.cause:
            rows.append(("Likely cause", self.cause))
        if self.todo:
            rows.append(("What to do", self.todo))
        rows.append(("Way on", WAY_ON_TEXT.get(self.way_on, self.way_on)))
        return rows

    def _original(self) -> str:
        where = f" (calling {self.operation})" if self.operation else ""
        if self.message and self.message != self.meaning:
            return f"{self.code}{where}: {self.message}"
        return f"{self.code}{where}"

    def __str__(self) -> str:
        lines = [f"Error: {self.title}", f"  {self._original()}"]
        lines += [f"{label}: {text}" for label, text in self._lines()]
        return "\n".join(lines)

    __repr__ = __str__  # the text/plain form of notebook outputs stays readable

    def _repr_html_(self) -> str:
        return self.html()

    def html(self, after: str = "") -> str:
        """The explanation's box, with ``after`` (HTML) at its foot."""
        body = (
            html_boxes.paragraph(html.escape(f"Error: {self.title}"), "title")
            + html_boxes.paragraph(html_boxes.code(self._original()), "line")
            + html_boxes.terms(self._lines())
        )
        return html_boxes.box(
            body + after, style="explanation", role="note", label="Error explained"
        )


def lookup(code: str, message: str = "") -> ErrorEntry:
    """Find the table row for an error code and message.

    :param code: the Cognito error code or exception class name.
    :param message: the error message; rows for the same code are told apart by it.
    :returns: the first row whose code matches and whose pattern is found in the message,
        else the row for the code with no pattern, else :data:`UNKNOWN_ERROR`.
    """
    fallback = None
    for entry in COGNITO_ERRORS:
        if entry.code != code:
            continue
        if entry.pattern is None:
            fallback = fallback or entry
        elif re.search(entry.pattern, message, re.IGNORECASE):
            return entry
    return fallback or UNKNOWN_ERROR


def explain(error: BaseException) -> Explanation:
    """Explain an exception for a learner.

    Works for botocore ``ClientError`` (and the modelled ``cognito.exceptions.*``), botocore
    connection and validation errors, :class:`TutorialError`, and anything else (a safe
    default that keeps the original type and message).

    :param error: the exception caught around a Cognito call or a helper.
    :returns: an :class:`Explanation`; display it in a notebook, or ``print`` it.
    """
    if isinstance(error, TutorialError):
        return Explanation(
            code=type(error).__name__,
            message=error.meaning,
            title=error.title,
            meaning=error.meaning,
            cause=error.cause,
            todo=error.todo,
            way_on=error.way_on,
        )
    response = getattr(error, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        code = str(response["Error"].get("Code", "")) or type(error).__name__
        message = str(response["Error"].get("Message", ""))
        entry = lookup(code, message)
        operation = getattr(error, "operation_name", None)
    else:
        code = type(error).__name__
        message = str(error)
        # Match the class or its nearest known base, so that e.g. ConnectTimeoutError is
        # explained by the ConnectionError row.
        entry = UNKNOWN_ERROR
        for cls in type(error).__mro__:
            entry = lookup(cls.__name__, message)
            if entry is not UNKNOWN_ERROR:
                break
        operation = None
    return Explanation(
        code=code,
        message=message,
        title=entry.title,
        meaning=entry.meaning,
        cause=entry.cause,
        todo=entry.todo,
        way_on=entry.way_on,
        operation=operation,
    )
