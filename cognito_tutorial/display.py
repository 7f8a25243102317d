"""Show Cognito responses and requests to a learner, with every secret shortened by default.

:func:`show` displays a response dict; :func:`record_wire` and :func:`last_request` show the
HTTP request botocore really sent (the "wire view"). Redaction rules are shared by both:
:func:`is_secret_key` decides, :func:`redact` shortens.
"""

from __future__ import annotations

import html
import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cognito_tutorial import html_boxes
from cognito_tutorial.errors import TutorialError

SECRET_KEYS: frozenset[str] = frozenset(
    {
        "Session",
        "AccessToken",
        "IdToken",
        "RefreshToken",
        "SecretCode",
        "ClientSecret",
        "PASSWORD",
        "NEW_PASSWORD",
        "SECRET_HASH",
        "PASSWORD_CLAIM_SIGNATURE",
        "PASSWORD_CLAIM_SECRET_BLOCK",
        "SRP_A",
        "SRP_B",
        "SALT",
        "SECRET_BLOCK",
        "REFRESH_TOKEN",
        "UserCode",
        "SOFTWARE_TOKEN_MFA_CODE",
        "ConfirmationCode",
        "Code",
        "SMS_MFA_CODE",
        "EMAIL_OTP_CODE",
        "SMS_OTP_CODE",
        "ANSWER",
        "CREDENTIAL",
        "DeviceGroupKey",  # half of a device's SRP identity (PasswordVerifier and the device
        "Salt",  # password contain "password" and are hidden whole)
    }
)
"""Keys whose values are secrets (or one-time codes); matched exactly."""

SECRET_WORDS: tuple[str, ...] = ("token", "secret", "password")
"""A key containing one of these words (any case) is a secret too..."""

PUBLIC_KEYS: frozenset[str] = frozenset({"TokenType"})
"""...except these, which only look like it."""

_FULLY_HIDDEN_WORDS = ("password", "secretcode", "clientsecret")
_MASK = "••••"


def is_secret_key(key: str) -> bool:
    """Whether the value stored under ``key`` must be redacted.

    :param key: a response or request field name, e.g. ``"Session"`` or ``"NEW_PASSWORD"``.
    :returns: ``True`` for :data:`SECRET_KEYS` and keys containing :data:`SECRET_WORDS`,
        except :data:`PUBLIC_KEYS`.
    """
    if key in PUBLIC_KEYS:
        return False
    lowered = key.lower()
    return key in SECRET_KEYS or any(word in lowered for word in SECRET_WORDS)


def redact(value: str, keep: int = 4) -> str:
    """Shorten a secret to its first and last ``keep`` characters and its length.

    ``'eyJr…Q0xw (1021 chars)'``. Values shorter than ``8 * keep`` characters (so that at most a
    quarter would show) and any value with ``keep=0`` are masked completely: ``'•••• (12 chars)'``.

    :param value: the secret.
    :param keep: characters to keep at each end.
    :returns: a string that is safe to print or commit.
    """
    text = value if isinstance(value, str) else str(value)
    if not text:
        return ""
    size = f"({len(text)} char{'s' if len(text) != 1 else ''})"
    if keep <= 0 or len(text) < 8 * keep:
        return f"{_MASK} {size}"
    return f"{text[:keep]}…{text[-keep:]} {size}"


class _Redacted(str):
    """A redacted value, so that the HTML view can label it."""


def _redact_value(key: str, value: str) -> _Redacted:
    lowered = key.lower()
    keep = 0 if any(word in lowered for word in _FULLY_HIDDEN_WORDS) else 4
    return _Redacted(redact(value, keep=keep))


def redact_tree(value: Any, *, reveal: bool = False, key: str = "") -> Any:
    """Copy a JSON-like structure with every secret string redacted.

    :param value: a dict, list or scalar from a response or request body.
    :param reveal: return the value unchanged.
    :param key: the field name ``value`` was stored under (decides whether it is secret).
    :returns: a copy that is safe to show.
    """
    if reveal:
        return value
    if isinstance(value, Mapping):
        return {k: redact_tree(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_tree(v, key=key) for v in value]
    if isinstance(value, str) and key and is_secret_key(key):
        return _redact_value(key, value)
    return value


# --- Rendering shared by the display objects ------------------------------------------------

REVEAL_NOTE = "Secrets are shortened (redacted); pass reveal=True to see them in full."
DECODED_NOTE = "JSON string, decoded"


@dataclass(frozen=True)
class Decoded:
    """A value Cognito sent as a JSON-encoded string, shown decoded."""

    value: Any


def html_value(value: Any) -> str:
    """Render a JSON-like value as HTML: dicts as nested tables, lists as lists.

    :param value: already redacted where needed.
    :returns: an HTML fragment, everything escaped.
    """
    if isinstance(value, Decoded):
        return f"{html_value(value.value)} <small>({DECODED_NOTE})</small>"
    if isinstance(value, Mapping):
        return html_table(value.items()) if value else html_boxes.code("{}")
    if isinstance(value, list | tuple):
        return html_boxes.bulleted(map(html_value, value)) if value else html_boxes.code("[]")
    if isinstance(value, _Redacted):
        return f"{html_boxes.code(value)} <em>redacted</em>"
    if isinstance(value, str):
        return html_boxes.code(value)
    return html_boxes.code(json.dumps(value, default=str))


def html_table(rows: Any, caption: str | None = None) -> str:
    """Render ``(name, value)`` pairs as a two-column table with row headers.

    :param rows: pairs of field name and (already redacted) value.
    :param caption: an optional visible caption.
    :returns: a ``<table>`` element.
    """
    return html_boxes.table(((name, html_value(value)) for name, value in rows), caption)


def text_lines(mapping: Mapping[str, Any], indent: int = 2) -> list[str]:
    """Render a JSON-like mapping as indented ``name: value`` lines.

    :param mapping: already redacted where needed.
    :param indent: spaces before each top-level line.
    :returns: the lines, without newlines.
    """
    pad = " " * indent
    lines = []
    for name, value in mapping.items():
        note = ""
        if isinstance(value, Decoded):
            value, note = value.value, f"  ({DECODED_NOTE})"
        if isinstance(value, Mapping) and value:
            lines.append(f"{pad}{name}:{note[1:]}")
            lines.extend(text_lines(value, indent + 2))
        elif isinstance(value, str):
            lines.append(f"{pad}{name}: {value}{note}")
        else:
            lines.append(f"{pad}{name}: {json.dumps(value, ensure_ascii=False, default=str)}{note}")
    return lines


# --- show(response) -------------------------------------------------------------------------

_RESPONSE_ORDER = (
    "ChallengeName",
    "AvailableChallenges",
    "ChallengeParameters",
    "Session",
    "AuthenticationResult",
    "SecretCode",
    "Status",
)


def _decode_json_string(value: Any) -> Any:
    """Decode a string that holds a JSON list or object; leave anything else alone."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            decoded = json.loads(value)
        except ValueError:
            return None
        if isinstance(decoded, list | dict):
            return decoded
    return None


def _challenge_parameters(params: Mapping[str, Any], reveal: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, value in params.items():
        decoded = None if is_secret_key(name) else _decode_json_string(value)
        if decoded is not None:
            shown[name] = Decoded(redact_tree(decoded, reveal=reveal))
        else:
            shown[name] = redact_tree(value, reveal=reveal, key=name)
    return shown


class ResponseView:
    """A Cognito response laid out for reading; build it with :func:`show`."""

    def __init__(self, fields: dict[str, Any], *, reveal: bool) -> None:
        self.fields = fields
        self.reveal = reveal

    def __repr__(self) -> str:
        lines = ["Cognito response", *text_lines(self.fields)]
        if not self.reveal:
            lines.append(REVEAL_NOTE)
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        note = "" if self.reveal else html_boxes.paragraph(f"<small>{REVEAL_NOTE}</small>")
        table = html_table(self.fields.items(), caption="Cognito response")
        return html_boxes.box(table + note)


def show(response: Mapping[str, Any], *, reveal: bool = False) -> ResponseView:
    """Lay out an InitiateAuth, RespondToAuthChallenge, AssociateSoftwareToken or
    VerifySoftwareToken response (or any other Cognito response) for a learner.

    JSON-string challenge parameters (``MFAS_CAN_SETUP``, ``userAttributes``,
    ``requiredAttributes``) are decoded; secrets (see :func:`is_secret_key`) are redacted unless
    ``reveal``; of ``ResponseMetadata`` only the HTTP status is kept.

    :param response: the dict a boto3 call returned.
    :param reveal: show secrets in full (never in a committed notebook).
    :returns: a display object; the last expression of a cell shows it.
    :raises TutorialError: if ``response`` is not a dict.
    """
    if not isinstance(response, Mapping):
        raise TutorialError.about("not_a_response", kind=type(response).__name__)
    names = [n for n in _RESPONSE_ORDER if n in response]
    names += [n for n in response if n not in _RESPONSE_ORDER and n != "ResponseMetadata"]
    fields: dict[str, Any] = {}
    for name in names:
        value = response[name]
        if name == "ChallengeParameters" and isinstance(value, Mapping):
            fields[name] = _challenge_parameters(value, reveal)
        else:
            fields[name] = redact_tree(value, reveal=reveal, key=name)
    metadata = response.get("ResponseMetadata")
    if isinstance(metadata, Mapping) and "HTTPStatusCode" in metadata:
        fields["HTTP status"] = metadata["HTTPStatusCode"]
    return ResponseView(fields, reveal=reveal)


# --- The wire view --------------------------------------------------------------------------


@dataclass(frozen=True)
class WireRecord:
    """One HTTP request as botocore prepared it, captured just before sending.

    :param body: the JSON body, parsed; the raw text if it was not JSON.
    """

    method: str
    url: str
    target: str | None
    content_type: str | None
    body: Any

    @property
    def path(self) -> str:
        """The URL path, ``/`` for Cognito's JSON API."""
        return urlsplit(self.url).path or "/"

    @property
    def operation(self) -> str | None:
        """The operation named by X-Amz-Target, e.g. ``RespondToAuthChallenge``."""
        return self.target.rpartition(".")[2] if self.target else None


def _header(headers: Any, name: str) -> str | None:
    value = headers.get(name)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _body(raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(raw, bytes | bytearray):
        raw = bytes(raw).decode("utf-8", "replace")
    if not isinstance(raw, str):
        return f"<{type(raw).__name__} body not captured>"
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


class WireTap:
    """Keeps the last request a boto3 client sent; a ``before-send`` event handler.

    Made and registered by :func:`record_wire`. It only reads the request and returns ``None``,
    so botocore sends it as usual. It holds no reference to the client.
    """

    def __init__(self) -> None:
        self.last: WireRecord | None = None

    def __call__(self, request: Any, **_: Any) -> None:
        headers = request.headers
        self.last = WireRecord(
            method=str(request.method),
            url=str(request.url),
            target=_header(headers, "X-Amz-Target"),
            content_type=_header(headers, "Content-Type"),
            body=_body(request.body),
        )

    def view(self, *, reveal: bool = False) -> WireView:
        """The last request as a display object.

        :param reveal: show secrets in full.
        :raises TutorialError: if nothing was sent since recording started.
        """
        if self.last is None:
            raise TutorialError.about("wire_nothing_yet")
        return WireView(self.last, reveal=reveal)


class WireView:
    """An HTTP request as it went over the wire, secrets redacted; see :func:`last_request`."""

    def __init__(self, record: WireRecord, *, reveal: bool = False) -> None:
        self.record = record
        self.reveal = reveal

    def _text(self) -> str:
        rec = self.record
        lines = [f"{rec.method} {rec.path}"]
        if rec.target:
            lines.append(f"X-Amz-Target: {rec.target}")
        if rec.content_type:
            lines.append(f"Content-Type: {rec.content_type}")
        body = redact_tree(rec.body, reveal=self.reveal)
        if body is not None:
            if not isinstance(body, str):
                body = json.dumps(body, indent=2, ensure_ascii=False)
            lines += ["", body]
        return "\n".join(lines)

    def __repr__(self) -> str:
        note = "" if self.reveal else f"\n\n{REVEAL_NOTE}"
        return self._text() + note

    __str__ = __repr__

    def _repr_html_(self) -> str:
        operation = self.record.operation or "request"
        caption = f"The {operation} request botocore sent"
        if not self.reveal:
            caption += " (secrets redacted)"
        caption_style = html_boxes.STYLES["figure_caption"]
        body = f'<figcaption style="{caption_style}">{html.escape(caption)}</figcaption>'
        return html_boxes.box(
            body + html_boxes.preformatted(self._text(), wrapped=True), tag="figure"
        )


_TAPS: weakref.WeakKeyDictionary[Any, WireTap] = weakref.WeakKeyDictionary()
_TAP_ID = "cognito-tutorial-wire-tap"


def record_wire(client: Any) -> WireTap:
    """Start keeping the last request ``client`` sends, for :func:`last_request`.

    Registers a handler on botocore's ``before-send.<service>`` event, which sees the signed,
    ready-to-send request (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/events.html).
    Calling it again for the same client changes nothing.

    :param client: a boto3 client, e.g. ``boto3.client("cognito-idp")``.
    :returns: the client's :class:`WireTap`.
    """
    tap = _TAPS.get(client)
    if tap is None:
        tap = WireTap()
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-send.{service}", tap, unique_id=_TAP_ID)
        _TAPS[client] = tap
    return tap


def last_request(client: Any, *, reveal: bool = False) -> WireView:
    """The last request ``client`` sent since :func:`record_wire`, as a display object.

    Shows the method, path, ``X-Amz-Target`` and ``Content-Type`` headers and the JSON body,
    exactly as botocore built them, with secrets redacted unless ``reveal``.

    :param client: a boto3 client passed to :func:`record_wire` before the call.
    :param reveal: show secrets in full (never in a committed notebook).
    :returns: a :class:`WireView`.
    :raises TutorialError: if the client is not recorded or has sent nothing since.
    """
    tap = _TAPS.get(client)
    if tap is None:
        raise TutorialError.about("wire_not_recording")
    return tap.view(reveal=reveal)
