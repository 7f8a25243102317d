"""The e-mails and text messages the local sandbox would have sent, and the codes in them.

Cognito sends a code by e-mail or SMS when a user signs up, asks for the code again, forgets
their password or verifies an address. The sandbox sends nothing: it keeps each message in an
outbox, which this module reads over HTTP (``GET /_sandbox/outbox``, signed with the same key as
the client, because the codes are secrets). A learner sees "the e-mail you would have received"
(`latest_message`, or the live `cognito_tutorial.forms.inbox.Inbox`); a headless run reads the
code (`latest_code`) where a learner would read their inbox.

On AWS there is no outbox: the message is in the user's real inbox.
"""

from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from cognito_tutorial import html_boxes
from cognito_tutorial.errors import TutorialError

OUTBOX_PATH = "/_sandbox/outbox"
CODE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class Message:
    """One message as the user would have received it."""

    to: str
    medium: str  # EMAIL or SMS
    subject: str
    body: str
    purpose: str  # sign_up, forgot_password, verify:email, verify:phone_number
    sent_at: float
    username: str
    pool_id: str

    @property
    def code(self) -> str | None:
        """The 6-digit code in the message, if it carries one."""
        found = CODE.search(self.body)
        return found.group(1) if found else None

    def _repr_html_(self) -> str:
        return message_html(self)


def messages(cognito: Any, user: str | None = None, *, pool_id: str | None = None) -> list[Message]:
    """Every message in the sandbox's outbox, oldest first.

    :param cognito: the client from `connect()` (it says where the sandbox is, and signs).
    :param user: only this user's: their username, e-mail address or phone number.
    :param pool_id: only this user pool's.
    :raises TutorialError: the client points at AWS, or the sandbox refused or cannot be reached.
    """
    endpoint = cognito.meta.endpoint_url
    if urlsplit(endpoint).hostname.endswith(".amazonaws.com"):
        raise TutorialError.about("outbox_on_aws")
    query = urlencode({key: value for key, value in (("user", user), ("poolId", pool_id)) if value})
    url = f"{endpoint.rstrip('/')}{OUTBOX_PATH}" + (f"?{query}" if query else "")
    answer = _signed_get(cognito, url)
    return [
        Message(
            to=item["to"],
            medium=item["medium"],
            subject=item["subject"],
            body=item["body"],
            purpose=item["purpose"],
            sent_at=item["sentAt"],
            username=item["username"],
            pool_id=item["poolId"],
        )
        for item in answer["messages"]
    ]


def latest_message(cognito: Any, user: str, *, pool_id: str | None = None) -> Message:
    """The last message the sandbox would have sent to `user`.

    :raises TutorialError: there is none (yet).
    """
    found = messages(cognito, user, pool_id=pool_id)
    if not found:
        raise TutorialError.about("outbox_empty", user=user)
    return found[-1]


def latest_code(cognito: Any, user: str, *, pool_id: str | None = None) -> str:
    """The code in the last message to `user`: what a learner would copy from their inbox."""
    message = latest_message(cognito, user, pool_id=pool_id)
    if message.code is None:
        raise TutorialError.about("outbox_no_code", user=user)
    return message.code


def message_html(message: Message) -> str:
    """The message as the user would see it: who it went to, the subject, the text."""
    kind = "e-mail" if message.medium == "EMAIL" else "text message"
    sent = datetime.fromtimestamp(message.sent_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    rows = [("To", html.escape(message.to)), ("Sent", sent)]
    if message.subject:
        rows.append(("Subject", html.escape(message.subject)))
    body = html_boxes.table(rows, f"The {kind} you would have received") + (
        html_boxes.preformatted(message.body, wrapped=True)
    )
    return html_boxes.box(body, role="group", label=f"The {kind} you would have received")


def _signed_get(cognito: Any, url: str) -> dict[str, Any]:
    """GET `url`, signed as the client signs its requests (SigV4, botocore's own code)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    # botocore has no public accessor for a client's credentials (as backend.access_key_id).
    credentials = cognito._request_signer._credentials.get_frozen_credentials()
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(credentials, "cognito-idp", cognito.meta.region_name).add_auth(request)
    sent = urllib.request.Request(url, headers=dict(request.headers.items()), method="GET")
    try:
        with urllib.request.urlopen(sent, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read() or b"{}").get("message", str(error))
        raise TutorialError.about("outbox_refused", detail=detail) from None
    except OSError as error:
        raise TutorialError.about("outbox_unreachable", url=url, detail=str(error)) from None
