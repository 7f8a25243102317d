"""The inbox a learner does not have: the last e-mail or text message the sandbox would have
sent a user, with a button to look again after asking for a new code (ipywidgets).

A view only: the reading is ``cognito_tutorial.outbox`` (plain functions, used headless too).
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from cognito_tutorial import errors, html_boxes, outbox


class Inbox(widgets.VBox):
    """Shows `outbox.latest_message(cognito, user)`; "Check again" reads the outbox anew.

    :param cognito: the client from `connect()`.
    :param user: the user's username, e-mail address or phone number.
    :param pool_id: only messages from this user pool (optional).
    """

    def __init__(self, cognito: Any, user: str, *, pool_id: str | None = None) -> None:
        self.cognito, self.user, self.pool_id = cognito, user, pool_id
        self.message = widgets.HTML()
        self.check_button = widgets.Button(
            description="Check again", icon="refresh", tooltip="Read the sandbox's outbox again"
        )
        self.check_button.on_click(lambda _button: self.check())
        super().__init__(children=(self.message, self.check_button))
        self.check()

    def check(self) -> outbox.Message | None:
        """Read the latest message into the view; None (and the reason shown) if there is none."""
        try:
            found = outbox.latest_message(self.cognito, self.user, pool_id=self.pool_id)
        except errors.TutorialError as error:
            self.message.value = html_boxes.box(
                html_boxes.paragraph(
                    f"<b>{html.escape(error.title)}.</b> "
                    f"{html_boxes.code_spans(f'{error.meaning} {error.todo}')}"
                ),
                role="status",
            )
            return None
        self.message.value = outbox.message_html(found)
        return found
