"""Client-side TOTP helpers for the notebooks: typed codes, enrolment QR codes, current codes.

TOTP is RFC 6238 (https://www.rfc-editor.org/rfc/rfc6238) with Cognito's parameters: SHA-1,
6 digits, 30-second steps. The sandbox checks codes on its own side; nothing here is used there.
"""

from __future__ import annotations

import base64
import binascii
import html
import math
import time
import unicodedata
from urllib.parse import quote, urlencode

import pyotp

from cognito_tutorial import html_boxes
from cognito_tutorial.display import redact
from cognito_tutorial.errors import CodeFormatError, TutorialError

DIGITS = 6
PERIOD = 30
MIN_SECRET_BITS = 112
"""pyotp's floor (NIST SP 800-63B); Cognito's own secrets are much longer."""

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def normalise_code(text: str | None) -> str:
    """Turn what a learner typed into the 6 ASCII digits Cognito expects.

    Spaces and dashes are dropped and any Unicode digits (full-width ``１２３``, Arabic-Indic and
    the like) become ASCII, so ``'１２３ ４５６'`` and ``'123-456'`` both give ``'123456'``.

    :param text: the typed code.
    :returns: exactly six ASCII digits.
    :raises CodeFormatError: if nothing was typed, it has non-digits, or not 6 digits.
    """
    if text is None or not str(text).strip():
        raise CodeFormatError.about("code_empty")
    cleaned = unicodedata.normalize("NFKC", str(text))
    cleaned = "".join(ch for ch in cleaned if not ch.isspace() and ch not in _DASHES)
    bad = sorted({ch for ch in cleaned if unicodedata.category(ch) != "Nd"})
    if bad:
        # Every one of them, up to a code's length: a list cut short names the wrong ones.
        shown = ", ".join(repr(ch) for ch in bad[:DIGITS])
        if len(bad) > DIGITS:
            shown += f" and {len(bad) - DIGITS} more"
        kind = "letters" if any(ch.isalpha() for ch in bad) else "characters that are not digits"
        raise CodeFormatError.about("code_not_digits", found=f"{kind} ({shown})")
    digits = "".join(str(unicodedata.decimal(ch)) for ch in cleaned)
    if len(digits) != DIGITS:
        hint = (
            "one or more digits are missing."
            if len(digits) < DIGITS
            else "an extra digit was typed, or two codes were pasted together."
        )
        raise CodeFormatError.about("code_wrong_length", digits=len(digits), hint=hint)
    return digits


def _clean_secret(secret: str) -> str:
    """Check a Base32 TOTP secret and return it upper-case, without spaces or padding."""
    cleaned = "".join(str(secret).split()).upper().rstrip("=")
    bad = sorted(set(cleaned) - _BASE32)
    if not cleaned or bad:
        found = (
            "nothing" if not cleaned else "characters outside Base32: " + ", ".join(map(repr, bad))
        )
        raise TutorialError.about("secret_not_base32", found=found)
    padded = cleaned + "=" * (-len(cleaned) % 8)
    try:
        bits = len(base64.b32decode(padded)) * 8
    except binascii.Error:
        raise TutorialError.about(
            "secret_not_base32", found=f"{len(cleaned)} characters, a length Base32 cannot have"
        ) from None
    if bits < MIN_SECRET_BITS:
        raise TutorialError.about("secret_too_short", chars=len(cleaned), bits=bits)
    return cleaned


def _check_label(field: str, value: str) -> str:
    if not value or not value.strip():
        raise TutorialError.about("label_empty", field=field)
    if ":" in value:
        raise TutorialError.about("label_has_colon", field=field, value=value)
    return value.strip()


def otpauth_uri(secret: str, account_name: str, issuer: str = "cognito-tutorial") -> str:
    """Build the ``otpauth://totp/...`` URI an authenticator app reads from a QR code.

    The issuer appears both in the label and as the ``issuer`` parameter, as the Key Uri Format
    recommends: https://github.com/google/google-authenticator/wiki/Key-Uri-Format

    :param secret: the Base32 ``SecretCode`` from AssociateSoftwareToken.
    :param account_name: what the app shows under the issuer, usually the username.
    :param issuer: the service name the app shows.
    :returns: the URI; it contains the secret, so treat it as one.
    :raises TutorialError: if the secret is not Base32 of at least 112 bits, or a name is empty
        or has a colon.
    """
    cleaned = _clean_secret(secret)
    account = _check_label("account name", account_name)
    issuer = _check_label("issuer", issuer)
    # Encode everything but the separating colon: a '/' or '?' in a username must not split
    # the label. Defaults (SHA1, 6 digits, 30 s) are left out, as the Key Uri Format allows.
    label = f"{quote(issuer, safe='')}:{quote(account, safe='')}"
    query = urlencode({"secret": cleaned, "issuer": issuer}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str, *, title: str = "QR code to add this account to an authenticator app") -> str:
    """Draw ``uri`` as an inline SVG QR code, black on white, with a ``<title>``.

    The white background and quiet zone are kept in dark themes too: scanners need them.

    :param uri: usually from :func:`otpauth_uri`.
    :param title: the accessible name of the image; never put the secret in it.
    :returns: an ``<svg>`` element as a string.
    """
    import segno  # 40 ms to import; only needed when a QR code is drawn

    qr = segno.make(uri, error="m", micro=False)
    svg = qr.svg_inline(scale=4, dark="#000", light="#fff", title=title, svgclass=None)
    return svg.replace("<svg ", '<svg role="img" ', 1)


def group_secret(secret: str) -> str:
    """Split a Base32 secret into groups of 4 (``'JBSW Y3DP ...'``) for typing by hand.

    :param secret: the Base32 secret; spaces and case do not matter.
    :returns: the upper-case secret in space-separated groups of 4.
    """
    cleaned = _clean_secret(secret)
    return " ".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def current_code(secret: str, now: float | None = None) -> tuple[str, int]:
    """The TOTP code for ``secret`` now (or at ``now``), and the whole seconds it has left.

    RFC 6238 with SHA-1, 6 digits and a 30-second step, as Cognito uses.

    :param secret: the Base32 secret.
    :param now: Unix time in seconds; defaults to the current time.
    :returns: ``(code, seconds_left)``; ``seconds_left`` is 1-30, rounded up as authenticator
        apps count down.
    """
    when = time.time() if now is None else now
    code = pyotp.TOTP(_clean_secret(secret)).at(when)
    seconds_left = math.ceil(PERIOD - when % PERIOD)
    return code, seconds_left


class EnrolmentCard:
    """What a learner needs to add the account to an authenticator app: QR code and secret.

    Hidden by default. Committed notebook outputs come from headless runs and must hold no
    usable TOTP secret, so unless ``reveal=True`` neither the text nor the HTML view contains
    the secret or a QR code of it. The learner's live path (the enrolment widget, or a cell run
    with the notebook's ``interactive`` parameter) passes ``reveal=True`` explicitly; the
    choice is never guessed from the environment.

    :param secret: the Base32 ``SecretCode`` from AssociateSoftwareToken.
    :param account_name: the username shown in the app.
    :param issuer: the service name shown in the app.
    :param reveal: show the QR code and the secret.
    """

    __slots__ = ("_secret", "account_name", "issuer", "reveal")

    def __init__(
        self,
        secret: str,
        account_name: str,
        issuer: str = "cognito-tutorial",
        *,
        reveal: bool = False,
    ) -> None:
        self._secret = _clean_secret(secret)
        self.account_name = _check_label("account name", account_name)
        self.issuer = _check_label("issuer", issuer)
        self.reveal = reveal

    @property
    def uri(self) -> str:
        """The otpauth:// URI (contains the secret)."""
        return otpauth_uri(self._secret, self.account_name, self.issuer)

    def _shown_secret(self) -> str:
        return group_secret(self._secret) if self.reveal else redact(self._secret, keep=0)

    def __repr__(self) -> str:
        hint = "" if self.reveal else "  (hidden: pass reveal=True to show it)"
        return (
            f"TOTP enrolment for {self.account_name!r}, issuer {self.issuer!r}\n"
            f"Secret: {self._shown_secret()}{hint}"
        )

    __str__ = __repr__

    def _repr_html_(self) -> str:
        rows = [
            ("Issuer", html.escape(self.issuer)),
            ("Account", html.escape(self.account_name)),
            (
                "Secret",
                f'<code style="{html_boxes.STYLES["large_code"]}">'
                f"{html.escape(self._shown_secret())}</code>",
            ),
        ]
        if self.reveal:
            label = f"QR code to add {self.account_name} ({self.issuer}) to an authenticator app"
            picture = (
                f'<div style="{html_boxes.STYLES["picture"]}">{qr_svg(self.uri, title=label)}</div>'
            )
            note = (
                "Scan the QR code with your authenticator app, or type the secret by hand "
                "(time-based, 6 digits). Keep it private: anyone with it can make your codes."
            )
        else:
            picture = ""
            note = (
                "The QR code and secret are hidden so that they never land in a saved "
                "notebook. Pass reveal=True to show them while you work."
            )
        body = (
            html_boxes.paragraph("Add this account to an authenticator app", "title")
            + picture
            + html_boxes.table(rows)
            + html_boxes.paragraph(html.escape(note))
        )
        return html_boxes.box(body, style="card", role="group", label="TOTP enrolment")
