"""Errors raised in a notebook cell, shown the way the tutorial explains them.

Without this, a Cognito error raised in a cell (a cell run out of order, a spent Session) prints
forty lines of botocore where the rest of the tutorial explains. ``connect()`` calls
:func:`install` in a notebook's kernel; from then on:

- a botocore error (Cognito's ``ClientError``, a connection or parameter error) shows
  ``errors.explain``'s box: what it means, the likely cause, what to do, Cognito's own code and
  message, with the full traceback folded under it, one click away;
- the tutorial's own errors (``TutorialError``) show as one paragraph, with the traceback
  folded the same way.

Either is followed by a one-line ``error`` output, so the cell still fails as it must: Run All
stops there, and papermill and nbval report the failure (they look for that output).
"""

from __future__ import annotations

import html
import traceback
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from cognito_tutorial import errors, html_boxes

__all__ = ["CellError", "install", "one_line"]


@dataclass(frozen=True)
class CellError:
    """An error raised in a cell, explained, with its traceback kept for one click."""

    error: BaseException
    traceback_text: str

    def __repr__(self) -> str:
        if isinstance(self.error, errors.TutorialError):
            return f"{self.error.title}. {self.error}"
        return str(errors.explain(self.error))

    __str__ = __repr__

    def _repr_html_(self) -> str:
        folded = html_boxes.details(
            "Full traceback", html_boxes.preformatted(self.traceback_text, wrapped=True)
        )
        if isinstance(self.error, errors.TutorialError):
            body = html_boxes.paragraph(
                f"<b>{html.escape(self.error.title)}.</b> {html_boxes.code_spans(str(self.error))}"
            )
            return html_boxes.box(
                body + folded, style="explanation", role="note", label="Error explained"
            )
        return errors.explain(self.error).html(after=folded)


def one_line(error: BaseException) -> str:
    """The single line of the cell's ``error`` output, under the explanation."""
    if isinstance(error, errors.TutorialError):
        return f"{type(error).__name__}: {error.title} (explained above)"
    explained = errors.explain(error)
    return f"{explained.code}: {explained.message or explained.title} (explained above)"


def install(shell: Any = None) -> bool:
    """Show Cognito's and the tutorial's errors explained in this IPython shell's cells.

    Leaves a shell alone that already has another custom handler (someone chose it).

    :param shell: the IPython shell; default: the running one.
    :returns: whether the handler is installed (False outside IPython).
    """
    if shell is None:
        import sys

        if "IPython" not in sys.modules:
            return False
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    from botocore.exceptions import BotoCoreError, ClientError

    explained = (ClientError, BotoCoreError, errors.TutorialError)
    if shell.custom_exceptions not in ((), explained):
        return False
    shell.set_custom_exc(explained, _show_explained)
    return True


def _show_explained(
    shell: Any,
    etype: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
    tb_offset: int | None = None,
) -> list[str]:
    """IPython's custom exception handler: the explanation, then the one-line error output.

    IPython ignores what a handler returns when it runs a cell, so the error output is sent
    here, through ``_showtraceback``: the method IPython documents for front ends to override,
    and the one ipykernel turns into the ``error`` message a notebook keeps.
    """
    from IPython.display import display

    # The first frame is IPython's own run_code: the learner's code starts at the next.
    shown_tb = tb.tb_next if tb is not None and tb.tb_next is not None else tb
    text = "".join(traceback.format_exception(etype, value, shown_tb))
    display(CellError(value, text))
    line = [one_line(value)]
    shell._showtraceback(etype, value, line)
    return line
