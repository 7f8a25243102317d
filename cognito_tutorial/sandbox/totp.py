"""Server-side TOTP: fresh secrets, and code checks with replay protection.

RFC 6238 with the authenticator-app defaults Cognito uses: HMAC-SHA1, 6 digits, a 30 s step,
and one step of drift either way ("codes accepted within 30 s before or after", Cognito TOTP MFA
guide). RFC 6238 section 5.2: a verifier must not accept the same code twice, so each user keeps
the last time step it accepted and anything at or before it is refused.
"""

from __future__ import annotations

import base64
import hmac
import secrets

import pyotp

STEP_SECONDS = 30
DIGITS = 6
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommended length; 32 Base32 characters


def new_secret() -> str:
    """A random Base32 secret of 160 bits, as AssociateSoftwareToken returns in SecretCode."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step (within one step of `now`) whose code equals `code`, or None."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(now // STEP_SECONDS)
    for step in (current, current - 1, current + 1):
        expected = totp.generate_otp(step)
        if hmac.compare_digest(expected.encode(), code.encode()):
            return step
    return None
