"""Read and verify the JWTs Cognito issues (ID and access tokens).

:func:`decode` and :func:`show_token` read a token without checking it, for display only.
:func:`verify` does the checks an application must make before trusting one, as described in
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
(JWT: RFC 7519; keys: RFC 7517).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from datetime import UTC, datetime
from typing import Any

from cognito_tutorial import html_boxes
from cognito_tutorial.display import html_table, redact, text_lines
from cognito_tutorial.errors import TokenInvalid, TutorialError

TIME_CLAIMS = ("exp", "iat", "auth_time", "nbf")
TOKEN_USES = ("id", "access")
JWKS_TIMEOUT_S = 10


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64url_json(part: str, name: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise TokenInvalid.about("token_format", detail=f"the {name} is not Base64url JSON") from (
            error
        )
    if not isinstance(value, dict):
        raise TokenInvalid.about("token_format", detail=f"the {name} is not a JSON object")
    return value


def _split(token: str) -> list[str]:
    if not isinstance(token, str) or not token.strip():
        raise TokenInvalid.about("token_format", detail="it is empty")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise TokenInvalid.about(
            "token_format", detail=f"it has {len(parts)} dot-separated parts, not 3"
        )
    return parts


def decode(token: str) -> dict[str, dict[str, Any]]:
    """Read a JWT's header and claims WITHOUT checking it: for display, never for trust.

    :param token: an IdToken or AccessToken.
    :returns: ``{"header": {...}, "claims": {...}}``.
    :raises TokenInvalid: if the token is not a well-formed JWT (``check == "format"``).
    """
    header, claims, _ = _split(token)
    return {"header": _b64url_json(header, "header"), "claims": _b64url_json(claims, "claims")}


class TokenView:
    """A JWT's header and claims for reading, signature redacted; see :func:`show_token`."""

    def __init__(self, header: dict[str, Any], claims: dict[str, Any], signature: str) -> None:
        self.header = header
        self.claims = claims
        self.signature = signature

    def _claims_shown(self) -> dict[str, Any]:
        shown: dict[str, Any] = {}
        for name, value in self.claims.items():
            if name in TIME_CLAIMS and isinstance(value, int | float):
                shown[name] = f"{value} ({_utc(value)})"
            else:
                shown[name] = value
        return shown

    def __repr__(self) -> str:
        lines = [
            "JWT (not verified; signature redacted)",
            "  Header:",
            *text_lines(self.header, indent=4),
            "  Claims:",
            *text_lines(self._claims_shown(), indent=4),
            f"  Signature: {self.signature}",
        ]
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        rows = [
            ("Header", self.header),
            ("Claims", self._claims_shown()),
            ("Signature", f"{self.signature} (redacted)"),
        ]
        return html_boxes.box(html_table(rows, caption="JWT, decoded but not verified"))


def show_token(token: str) -> TokenView:
    """Show a JWT's header and claims, with times as UTC beside the epoch seconds.

    The signature is redacted and the token itself is not kept, so the output holds nothing
    that could be replayed.

    :param token: an IdToken or AccessToken.
    :returns: a display object.
    :raises TokenInvalid: if the token is not a well-formed JWT.
    """
    parts = decode(token)
    return TokenView(parts["header"], parts["claims"], redact(_split(token)[2]))


def issuer_for(region: str, user_pool_id: str) -> str:
    """The ``iss`` claim of tokens from this user pool.

    :returns: ``https://cognito-idp.{region}.amazonaws.com/{user_pool_id}``.
    """
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def local_jwks_url(endpoint_url: str, user_pool_id: str) -> str:
    """Where the local sandbox publishes a pool's keys (Cognito's own URL is the issuer's).

    :param endpoint_url: the sandbox's URL, e.g. ``http://127.0.0.1:5000``.
    :returns: ``{endpoint_url}/{user_pool_id}/.well-known/jwks.json``.
    """
    return f"{endpoint_url.rstrip('/')}/{user_pool_id}/.well-known/jwks.json"


def _signing_key(url: str, kid: Any) -> Any:
    """The key ``kid`` of the key set at ``url``, fetched with PyJWT's ``PyJWKClient``."""
    import jwt

    try:
        client = jwt.PyJWKClient(url, timeout=JWKS_TIMEOUT_S)
    except jwt.PyJWKClientError:  # it takes http(s) URLs only
        raise TutorialError.about(
            "jwks_unreachable", jwks_url=url, detail="not an http(s) URL"
        ) from None
    try:
        keys = client.get_signing_keys()
    except jwt.PyJWKClientConnectionError as error:
        detail = str(error.__cause__ or error)
        raise TutorialError.about("jwks_unreachable", jwks_url=url, detail=detail) from None
    except ValueError:  # the body is not JSON
        raise TutorialError.about("jwks_invalid", jwks_url=url, detail="not JSON") from None
    except (jwt.PyJWKClientError, jwt.PyJWKSetError) as error:
        raise TutorialError.about("jwks_invalid", jwks_url=url, detail=str(error)) from None
    key = client.match_kid(keys, kid)
    if key is None:
        raise TokenInvalid.about("token_kid", kid=kid, jwks_url=url)
    return key.key


def verify(
    token: str,
    *,
    region: str,
    user_pool_id: str,
    client_id: str,
    token_use: str,
    jwks_url: str | None = None,
    leeway: int = 0,
) -> dict[str, Any]:
    """Verify a Cognito ID or access token and return its claims.

    Checks, in order: well-formed, RS256, a key with the token's ``kid`` in the pool's JWKS,
    the signature, ``exp``/``iat``/``nbf``, ``iss``, ``token_use``, and the app client
    (``aud`` for ID tokens, ``client_id`` for access tokens). The JWKS is fetched on each call.

    :param token: the IdToken or AccessToken from AuthenticationResult.
    :param region: the user pool's region, e.g. ``us-east-1``.
    :param user_pool_id: the user pool ID.
    :param client_id: the app client ID the token must be for.
    :param token_use: ``"id"`` or ``"access"``.
    :param jwks_url: where to fetch keys; defaults to the issuer's ``/.well-known/jwks.json``.
        On the local sandbox pass :func:`local_jwks_url`.
    :param leeway: seconds of clock difference to tolerate in the time checks.
    :returns: the verified claims.
    :raises TokenInvalid: naming the check that failed (``error.check``).
    :raises TutorialError: for a bad ``token_use`` argument or a JWKS that cannot be fetched.
    """
    import jwt

    if token_use not in TOKEN_USES:
        raise TutorialError.about("token_use_argument", value=token_use)
    header = decode(token)["header"]
    if header.get("alg") != "RS256":
        raise TokenInvalid.about("token_algorithm", alg=header.get("alg"))
    issuer = issuer_for(region, user_pool_id)
    url = jwks_url or issuer + "/.well-known/jwks.json"
    key = _signing_key(url, header.get("kid"))
    try:
        claims = jwt.decode(
            token.strip(),
            key,
            algorithms=["RS256"],
            issuer=issuer,
            leeway=leeway,
            # aud is checked below, after token_use, so that an access token passed as an ID
            # token is reported as the wrong kind rather than as missing an audience.
            options={"require": ["exp", "iat", "iss", "token_use"], "verify_aud": False},
        )
    except jwt.InvalidSignatureError:
        raise TokenInvalid.about("token_signature", kid=header.get("kid")) from None
    except jwt.ExpiredSignatureError:
        exp = decode(token)["claims"].get("exp", 0)
        raise TokenInvalid.about("token_expired", exp=_utc(exp), now=_utc(time.time())) from None
    except jwt.InvalidIssuerError:
        found = decode(token)["claims"].get("iss")
        raise TokenInvalid.about("token_issuer", found=found, expected=issuer) from None
    except jwt.MissingRequiredClaimError as error:
        raise TokenInvalid.about("token_missing_claim", claim=error.claim) from None
    except jwt.ImmatureSignatureError as error:
        raise TokenInvalid.about("token_not_yet_valid", detail=str(error)) from None
    except jwt.InvalidTokenError as error:
        raise TokenInvalid.about("token_format", detail=str(error)) from None
    if claims.get("token_use") != token_use:
        raise TokenInvalid.about(
            "token_token_use", found=claims.get("token_use"), expected=token_use
        )
    if token_use == "id":
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if client_id not in audiences:
            raise TokenInvalid.about("token_audience", found=audience, expected=client_id)
    elif claims.get("client_id") != client_id:
        raise TokenInvalid.about(
            "token_client_id", found=claims.get("client_id"), expected=client_id
        )
    return claims
