"""Messages Cognito would send: confirmation and verification codes, and the sandbox's outbox.

Cognito e-mails or texts a code when a user signs up, asks for it again, forgets their
password, or verifies an attribute. The sandbox sends nothing anywhere: it makes a real code,
remembers it until it expires, and puts the message it would have sent in a local outbox that a
learner (or a headless run) reads through ``GET /_sandbox/outbox`` (signed with the sandbox's
key: a code is a secret). Sources, in docs/sandbox.md:

- codes are 6 digits; sign-up confirmation and attribute verification codes last 24 hours,
  forgot-password codes 1 hour (an AWS engineer in amazon-cognito-identity-js#189; the
  developer guide's quotas page for the hour);
- a wrong code: `CodeMismatchException` "Invalid verification code provided, please try
  again."; an expired one: `ExpiredCodeException` "Invalid code provided, please request a
  code again." (aws-sdk-ios-samples#144); a new code replaces the old one (*inferred*);
- `CodeDeliveryDetails.Destination` masks the address as Cognito does: ``b***@g***`` for
  blog3@gmail.com, ``+*******1234`` (a star for each hidden digit) for a phone number.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from .errors import CognitoError

CODE_DIGITS = 6
SIGN_UP_CODE_SECONDS = 24 * 60 * 60
VERIFY_ATTRIBUTE_CODE_SECONDS = 24 * 60 * 60
FORGOT_PASSWORD_CODE_SECONDS = 60 * 60
# The outbox keeps a message as long as the longest code in it can be used, and a bounded
# number in all: it is a practice inbox, not an archive (*inferred*, the sandbox's own rule).
KEEP_MESSAGES_SECONDS = SIGN_UP_CODE_SECONDS
MAX_MESSAGES = 500

SIGN_UP, FORGOT_PASSWORD, VERIFY = "sign_up", "forgot_password", "verify"
CODE_MISMATCH = "Invalid verification code provided, please try again."
CODE_EXPIRED = "Invalid code provided, please request a code again."
EMAIL, SMS = "EMAIL", "SMS"
MEDIUM_OF_ATTRIBUTE = {"email": EMAIL, "phone_number": SMS}


@dataclass
class IssuedCode:
    """A code the sandbox sent, for one purpose of one user, until it expires."""

    code: str
    attribute: str  # the attribute it was sent to: email or phone_number
    expires_at: float


@dataclass
class Message:
    """One message in the outbox: what the user would have received."""

    pool_id: str
    username: str
    to: str  # the full address or phone number: the outbox is the user's own inbox
    medium: str  # EMAIL or SMS
    subject: str
    body: str
    purpose: str
    sent_at: float

    def as_json(self) -> dict[str, Any]:
        return {
            "poolId": self.pool_id,
            "username": self.username,
            "to": self.to,
            "medium": self.medium,
            "subject": self.subject,
            "body": self.body,
            "purpose": self.purpose,
            "sentAt": self.sent_at,
        }


@dataclass
class Outbox:
    """The codes that can still be used, and the messages that carried them."""

    codes: dict[str, IssuedCode] = field(default_factory=dict)  # "pool/sub/purpose" -> code
    messages: list[Message] = field(default_factory=list)

    def send_code(
        self,
        *,
        pool_id: str,
        sub: str,
        username: str,
        purpose: str,
        attribute: str,
        to: str,
        template: Template,
        now: float,
        lifetime: int,
    ) -> dict[str, str]:
        """Make a new code for `purpose` (replacing any earlier one), put the message in the
        outbox, and return the CodeDeliveryDetails Cognito answers with."""
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        self.codes[code_key(pool_id, sub, purpose)] = IssuedCode(code, attribute, now + lifetime)
        medium = MEDIUM_OF_ATTRIBUTE[attribute]
        body = template.sms if medium == SMS else template.email
        self.messages.append(
            Message(
                pool_id=pool_id,
                username=username,
                to=to,
                medium=medium,
                subject=template.subject if medium == EMAIL else "",
                body=body.replace("{####}", code),
                purpose=purpose,
                sent_at=now,
            )
        )
        del self.messages[:-MAX_MESSAGES]
        return delivery_details(attribute, to)

    def check_code(self, *, pool_id: str, sub: str, purpose: str, code: str, now: float) -> str:
        """Spend the code the user typed; returns the attribute it was sent to.

        :raises CognitoError: `ExpiredCodeException` when no code is live for this purpose
            (never sent, expired, already used), `CodeMismatchException` when it differs.
        """
        key = code_key(pool_id, sub, purpose)
        issued = self.codes.get(key)
        if issued is None or now > issued.expires_at:
            raise CognitoError("ExpiredCodeException", CODE_EXPIRED)
        if not hmac.compare_digest(issued.code.encode(), code.strip().encode()):
            raise CognitoError("CodeMismatchException", CODE_MISMATCH)
        del self.codes[key]
        return issued.attribute

    def has_code(self, *, pool_id: str, sub: str, purpose: str) -> bool:
        return code_key(pool_id, sub, purpose) in self.codes

    def read(self, *, pool_id: str | None = None, user: str | None = None) -> list[Message]:
        """The messages, oldest first, for one pool and one user (their username or the
        address the message went to) if given."""
        return [
            message
            for message in self.messages
            if (pool_id is None or message.pool_id == pool_id)
            and (user is None or user in (message.username, message.to))
        ]

    def forget(self, now: float, users: dict[str, set[str]]) -> int:
        """Forget expired codes, codes of users that no longer exist, and messages older than
        KEEP_MESSAGES_SECONDS; returns how many."""
        stale = [
            key
            for key, issued in self.codes.items()
            if now > issued.expires_at or not _user_exists(users, key)
        ]
        for key in stale:
            del self.codes[key]
        kept = [m for m in self.messages if now - m.sent_at <= KEEP_MESSAGES_SECONDS]
        forgotten = len(stale) + len(self.messages) - len(kept)
        self.messages[:] = kept
        return forgotten


@dataclass(frozen=True)
class Template:
    """A pool's verification message: an e-mail subject and body, an SMS text; ``{####}``
    stands for the code (CreateUserPool VerificationMessageTemplate)."""

    subject: str
    email: str
    sms: str


# Cognito's default verification message (as moto and the console show it).
DEFAULT_TEMPLATE = Template(
    subject="Your verification code",
    email="Your verification code is {####}. ",
    sms="Your verification code is {####}. ",
)


def code_key(pool_id: str, sub: str, purpose: str) -> str:
    return f"{pool_id}/{sub}/{purpose}"


def _user_exists(users: dict[str, set[str]], key: str) -> bool:
    pool_id, sub, _ = key.split("/", 2)
    return sub in users.get(pool_id, ())


def delivery_details(attribute: str, to: str) -> dict[str, str]:
    """CodeDeliveryDetails, with the destination masked as Cognito masks it."""
    return {
        "Destination": mask(attribute, to),
        "DeliveryMedium": MEDIUM_OF_ATTRIBUTE[attribute],
        "AttributeName": attribute,
    }


def mask(attribute: str, to: str) -> str:
    """``b***@g***`` for blog3@gmail.com; ``+*******1234`` for +12065551234."""
    if attribute == "email":
        local, _, domain = to.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    digits = to.lstrip("+")
    return "+" + "*" * max(len(digits) - 4, 0) + digits[-4:]
