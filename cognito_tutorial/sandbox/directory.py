"""The directory: pools, app clients, users, passwords and tokens, kept by moto.

This module is the sandbox's one adapter to moto: nothing else touches moto's objects or
modules. moto answers every directory operation itself (CreateUserPool, AdminCreateUser, ...,
through `moto_wsgi_app`); the authentication layer reads what it needs here and writes back only
what sign-in changes: a new password, the TOTP flags moto reports in AdminGetUser, and the tokens
it issues through moto so that moto's own GetUser, GlobalSignOut and JWKS keep working with them.

Importing this module changes nothing in moto. `adapt_moto()`, called once by the sandbox app,
makes the two changes the sandbox needs (one shared signing key, the sandbox's clock for token
times); `MOTO_CONTRACT` lists what of moto this module relies on, and
tests/test_moto_contract.py names whatever a moto upgrade removed or renamed.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import secrets
import time as _time
import types
import uuid
from base64 import urlsafe_b64decode
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from joserfc import jwe, jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey, RSAKey
from moto.cognitoidp import models as _moto_models
from moto.cognitoidp.exceptions import UserNotFoundError
from moto.cognitoidp.models import (
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    cognitoidp_backends,
)
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.utils import get_service_model
from moto.utilities.utils import load_resource

from .errors import CognitoError, not_authorized

Pool = CognitoIdpUserPool
Client = CognitoIdpUserPoolClient
User = CognitoIdpUser

# Cognito's defaults for an app client created through the API (CreateUserPoolClient reference):
# with no ExplicitAuthFlows it allows SRP, custom auth and refresh; PreventUserExistenceErrors is
# LEGACY; AuthSessionValidity is 3 minutes.
DEFAULT_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
LEGACY_FLOW_NAMES = {
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY": "ALLOW_CUSTOM_AUTH",
}
DEFAULT_SESSION_VALIDITY_MINUTES = 3
MOTO_SIGNING_KEY = "cognitoidp/resources/jwks-private.json"  # every pool's, as moto loads it


def _backends() -> dict[str, Any]:
    return cognitoidp_backends[DEFAULT_ACCOUNT_ID]


def service_model() -> Any:
    """Cognito's API model, botocore's copy, as moto loads it to serialise its answers.

    Request validation checks against this same object, so the sandbox parses the model once.
    """
    return get_service_model("cognito-idp")


def moto_version() -> str:
    from importlib.metadata import version

    return version("moto")


def moto_wsgi_app() -> Any:
    """moto's own Cognito server, as a WSGI app: it answers every operation the auth layer
    does not."""
    from moto.moto_server.werkzeug_app import create_backend_app

    return create_backend_app("cognito-idp")


def prepare() -> None:
    """Load now what the first requests would otherwise wait for: the API model and the key."""
    service_model()
    _moto_models.jwk.RSAKey.import_key(load_resource(MOTO_SIGNING_KEY))


def find_pool(pool_id: str) -> Pool:
    region = pool_id.split("_", 1)[0]
    backend = _backends().get(region) if "_" in pool_id else None
    pool = backend.user_pools.get(pool_id) if backend else None
    if pool is None:
        raise CognitoError("ResourceNotFoundException", f"User pool {pool_id} does not exist.")
    return pool


def find_client(client_id: str) -> tuple[Pool, Client]:
    for backend in list(_backends().values()):
        for pool in backend.user_pools.values():
            if client_id in pool.clients:
                return pool, pool.clients[client_id]
    raise CognitoError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")


def pool_client(pool: Pool, client_id: str) -> Client:
    """The app client a sign-in's session names, which may have been deleted since."""
    client = pool.clients.get(client_id)
    if client is None:
        raise CognitoError(
            "ResourceNotFoundException", f"User pool client {client_id} does not exist."
        )
    return client


def find_user(pool: Pool, username: str) -> User | None:
    """The user by username or alias (email, phone) as the pool allows, or None."""
    try:
        return pool.backend.admin_get_user(pool.id, username)
    except UserNotFoundError:
        return None


def user_by_username(pool: Pool, username: str) -> User:
    user = pool.users.get(username)
    if user is None:
        raise CognitoError("UserNotFoundException", "User does not exist.")
    return user


# --- app client settings -----------------------------------------------------------------


def allowed_flows(client: Client) -> set[str]:
    flows = client.extended_config.get("ExplicitAuthFlows") or DEFAULT_FLOWS
    return {LEGACY_FLOW_NAMES.get(flow, flow) for flow in flows}


def client_secret(client: Client) -> str | None:
    return client.secret if client.generate_secret else None


def prevents_user_existence_errors(client: Client) -> bool:
    return client.extended_config.get("PreventUserExistenceErrors", "LEGACY") == "ENABLED"


def session_validity_seconds(client: Client) -> int:
    """The client's AuthSessionValidity, in seconds.

    Requests are checked against the API model's range (3 to 15 minutes), but a state file from
    an older sandbox may hold anything: a value outside the range counts as its nearest bound,
    and anything but a whole number as the default, so one client's setting can neither raise
    nor reach another pool's sign-ins.
    """
    minutes = client.extended_config.get("AuthSessionValidity")
    return bounded_session_seconds(minutes * 60 if _is_whole_number(minutes) else None)


def bounded_session_seconds(seconds: Any) -> int:
    """A session validity within the API model's range; the default for anything else."""
    if not _is_whole_number(seconds):
        return DEFAULT_SESSION_VALIDITY_MINUTES * 60
    low, high = _model_range("AuthSessionValidityType")
    return min(max(seconds, low * 60), high * 60)


@cache  # housekeeping asks for every session a request
def _model_range(shape_name: str) -> tuple[int, int]:
    metadata = service_model().shape_for(shape_name).metadata
    return metadata["min"], metadata["max"]


def _is_whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- pool settings -----------------------------------------------------------------------


def mfa_configuration(pool: Pool) -> str:
    """OFF, ON or OPTIONAL, as SetUserPoolMfaConfig or CreateUserPool left it."""
    return pool.mfa_config or "OFF"


def settle_mfa_configuration(pool_id: str) -> None:
    """After moto's CreateUserPool or UpdateUserPool: the MfaConfiguration sent is the pool's.

    moto keeps the request's MfaConfiguration in the pool's extended config, which
    DescribeUserPool reports over the mode it actually uses (`mfa_config`, which UpdateUserPool
    leaves alone and SetUserPoolMfaConfig changes): after either call the two could disagree.
    Moving the value into `mfa_config` makes UpdateUserPool set the mode, as Cognito's does, and
    DescribeUserPool report the mode in use.
    """
    pool = find_pool(pool_id)
    mode = pool.extended_config.pop("MfaConfiguration", None)
    if mode is not None:
        pool.mfa_config = mode


def device_configuration(pool: Pool) -> dict[str, Any]:
    """The pool's DeviceConfiguration as CreateUserPool or UpdateUserPool set it ({} if none)."""
    config = pool.extended_config.get("DeviceConfiguration")
    return config if isinstance(config, dict) else {}


def pool_arn(pool: Pool) -> str:
    return pool.arn


def check_password_policy(pool: Pool, password: str) -> None:
    """Raise InvalidPasswordException as Cognito words it, if the pool's policy refuses it.

    Defaults are Cognito's for a pool created through the API: 8 characters with upper case,
    lower case, numbers and symbols.
    """
    policy = pool.extended_config.get("Policies", {}).get("PasswordPolicy", {})
    rules = [
        (len(password) >= policy.get("MinimumLength", 8), "Password not long enough"),
        (
            not policy.get("RequireUppercase", True) or re.search(r"[A-Z]", password),
            "Password must have uppercase characters",
        ),
        (
            not policy.get("RequireLowercase", True) or re.search(r"[a-z]", password),
            "Password must have lowercase characters",
        ),
        (
            not policy.get("RequireNumbers", True) or re.search(r"[0-9]", password),
            "Password must have numeric characters",
        ),
        (
            not policy.get("RequireSymbols", True) or re.search(r"[^A-Za-z0-9\s]", password),
            "Password must have symbol characters",
        ),
    ]
    for passed, reason in rules:
        if not passed:
            raise CognitoError(
                "InvalidPasswordException",
                f"Password did not conform with password policy: {reason}",
            )


# --- users -------------------------------------------------------------------------------


def password_matches(user: User, password: str) -> bool:
    return user.password is not None and user.password == password


def set_new_password(user: User, password: str) -> None:
    """Answering NEW_PASSWORD_REQUIRED sets the password and confirms the user."""
    user.password = password
    user.status = "CONFIRMED"


def user_attributes(user: User) -> dict[str, str]:
    return {attr["Name"]: attr["Value"] for attr in user.attributes}


def totp_enabled(user: User) -> bool:
    return bool(user.software_token_mfa_enabled)


def record_totp_verified(user: User, *, enable: bool) -> None:
    """A verified authenticator app; `enable` also turns it on as the preferred MFA.

    moto's SetUserMFAPreference reads `token_verified`, and AdminGetUser reports
    `software_token_mfa_enabled` and `preferred_mfa_setting`, so these stay moto's fields.
    """
    user.token_verified = True
    if enable:
        user.software_token_mfa_enabled = True
        user.preferred_mfa_setting = "SOFTWARE_TOKEN_MFA"


# --- tokens ------------------------------------------------------------------------------


def issue_tokens(pool: Pool, client: Client, user: User, now: float) -> dict[str, Any]:
    """A new AuthenticationResult: access, ID and refresh tokens.

    Their times come from the sandbox's clock (`now`), so that a virtual clock ages them as it
    ages sessions. The access token is registered with moto, whose GetUser, GlobalSignOut and
    the like look it up there; the refresh token is sealed (`_seal_refresh_token`) and keeps
    nothing in the state, as Cognito's encrypted refresh tokens carry what they stand for.
    """
    refresh_token, origin_jti = _seal_refresh_token(pool, client, user, now)
    with _moto_clock_at(now):
        access_token, expires_in = pool.create_access_token(client.id, user.username, origin_jti)
        id_token = _id_token(pool, client, user, origin_jti)
    return {
        "AccessToken": access_token,
        "ExpiresIn": expires_in,
        "TokenType": "Bearer",
        "RefreshToken": refresh_token,
        "IdToken": id_token,
    }


def refresh_token_user(pool: Pool, client: Client, refresh_token: str, now: float) -> User:
    """The user a live refresh token was issued to, if this client may use it (Cognito's
    checks): nothing is issued yet, so a refusal after this changes nothing."""
    issued = _live_refresh_token(pool, refresh_token, now)
    if issued.client_id != client.id:
        raise not_authorized("Invalid Refresh Token.")
    user = user_by_username(pool, issued.username)
    if issued.sub is not None and user.id != issued.sub:  # deleted; another took the name
        raise CognitoError("UserNotFoundException", "User does not exist.")
    return user


def refresh(
    pool: Pool, client: Client, user: User, refresh_token: str, now: float
) -> dict[str, Any]:
    """New access and ID tokens from a refresh token `refresh_token_user` accepted (no new
    refresh token, as Cognito)."""
    issued = _live_refresh_token(pool, refresh_token, now)
    with _moto_clock_at(now):
        access_token, expires_in = pool.create_access_token(
            client.id, user.username, issued.origin_jti
        )
        id_token = _id_token(pool, client, user, issued.origin_jti)
    return {
        "AccessToken": access_token,
        "ExpiresIn": expires_in,
        "TokenType": "Bearer",
        "IdToken": id_token,
    }


def refresh_token_owner(pool: Pool, refresh_token: str) -> str | None:
    issued = _refresh_token_contents(pool, refresh_token)
    return issued.username if issued else None


def revoke_refresh_token(pool: Pool, client: Client, refresh_token: str) -> None:
    """RevokeToken: the refresh token and every access token issued from it stop working.

    The revocation is moto's own mark, the token's entry set to None; for a sealed token it is
    forgotten once the token has expired (`forget_expired_tokens`).
    """
    issued = _refresh_token_contents(pool, refresh_token)
    if not issued or issued.client_id != client.id:
        return
    pool.refresh_tokens[refresh_token] = None
    for token in list(pool.access_tokens):
        if unverified_claims(token).get("origin_jti") == issued.origin_jti:
            del pool.access_tokens[token]


def unverified_claims(token: str) -> dict[str, Any]:
    """A JWT's payload without checking it, or {} if it is not a JSON object: for tokens this
    sandbox issued itself, and to find the pool whose key checks a token."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, RecursionError):
        return {}
    return claims if isinstance(claims, dict) else {}


def access_token_user(access_token: str, now: float) -> tuple[Pool, User]:
    """The pool and user an access token belongs to, checked in Cognito's order.

    A token that is not one of the pool's access tokens, signed with its key, is an "Invalid
    Access Token" (malformed, tampered, `alg: none`, another key, an ID token); then a token past
    its `exp` has expired, even if its record is gone; then one moto no longer holds was revoked
    (GlobalSignOut, RevokeToken).
    """
    verified = _verified_access_claims(access_token)
    if verified is None:
        raise not_authorized("Invalid Access Token")
    pool, claims = verified
    # Expired before revoked: the sandbox forgets expired tokens, and one it forgot must answer
    # as an expired one does.
    if claims["exp"] < now:
        raise not_authorized("Access Token has expired")
    if access_token not in pool.access_tokens:
        raise not_authorized("Access Token has been revoked")
    _, username = pool.access_tokens[access_token]
    return pool, user_by_username(pool, username)


def _verified_access_claims(token: str) -> tuple[Pool, dict[str, Any]] | None:
    """The token's pool and claims if the pool signed it as an access token, else None."""
    issuer = unverified_claims(token).get("iss")
    if not isinstance(issuer, str):
        return None
    try:
        pool = find_pool(issuer.rsplit("/", 1)[-1])
    except CognitoError:
        return None
    try:
        claims = jwt.decode(token, pool.json_web_key, algorithms=["RS256"]).claims
    except (JoseError, ValueError, RecursionError):
        return None
    if (
        not isinstance(claims, dict)
        or claims.get("token_use") != "access"
        or claims.get("iss") != f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}"
        or not _is_whole_number(claims.get("exp"))
    ):
        return None
    return pool, claims


def require_pool_match(pool: Pool, user_pool_id: str) -> None:
    """Admin operations name the pool; the app client must belong to it."""
    if pool.id != user_pool_id:
        find_pool(user_pool_id)
        raise CognitoError("ResourceNotFoundException", "User pool client does not exist.")


# --- persistence -------------------------------------------------------------------------


def _reduce_rsa_key(key: RSAKey) -> tuple[Any, tuple[dict[str, Any]]]:
    return RSAKey.import_key, (key.as_dict(private=True),)


# moto keeps each pool's signing key as a joserfc key, which does not pickle by itself: the state
# file's pickler uses these reducers (state.save), so nothing is registered process-wide.
PICKLE_REDUCERS = {RSAKey: _reduce_rsa_key}


class _OneImportOfTheSharedKey:
    """Stands in for joserfc's ``jwk`` module inside ``moto.cognitoidp.models``.

    For every new pool moto imports the same published private key, from a file without its
    primes: about 80 ms of arithmetic a pool (most of CreateUserPool, and of a workshop's
    provisioning). This imports it once and hands every pool that one key object; moto only
    signs with it, and every pool shares moto's key anyway (docs/sandbox.md). Pickled state
    then holds the key once, too.
    """

    def __init__(self) -> None:
        self._imported: dict[str, RSAKey] = {}

    def import_key(self, value: Any, *args: Any, **kwargs: Any) -> RSAKey:
        if args or kwargs or not isinstance(value, dict):
            return RSAKey.import_key(value, *args, **kwargs)
        fingerprint = json.dumps(value, sort_keys=True)
        if fingerprint not in self._imported:
            self._imported[fingerprint] = RSAKey.import_key(value)
        return self._imported[fingerprint]


def snapshot() -> dict[str, Any]:
    """Everything moto holds for the sandbox's account, by region, ready to pickle."""
    return {region: backend for region, backend in _backends().items()}


def restore(saved: dict[str, Any]) -> None:
    backends = _backends()
    backends.clear()
    for region, backend in saved.items():
        backends[region] = backend


def reset() -> None:
    _backends().clear()


def moto_error(error: Exception) -> CognitoError | None:
    """A moto exception raised while the auth layer read the directory, as a Cognito error."""
    if hasattr(error, "error_type") and hasattr(error, "message"):
        return CognitoError(error.error_type, error.message)
    return None


# --- token lifetimes, and forgetting what Cognito would no longer honour ------------------


class _SandboxTime:
    """Stands in for the ``time`` module inside ``moto.cognitoidp.models``.

    moto stamps each token's ``iat`` and ``exp`` with ``time.time()``. While the sandbox issues
    tokens (`_moto_clock_at`) that reads the sandbox's clock instead, so that a virtual clock
    (tests, headless runs) ages tokens as it ages sessions, and tokens expire in the order they
    were issued. Everything else is the real module.
    """

    def __init__(self) -> None:
        self.now: float | None = None

    def time(self) -> float:
        return _time.time() if self.now is None else self.now

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)


_SANDBOX_TIME = _SandboxTime()


def adapt_moto() -> None:
    """Make moto's Cognito models sign with one shared key object and date tokens by the
    sandbox's clock (`_OneImportOfTheSharedKey`, `_SandboxTime`). Called once by the sandbox
    app, never at import: a process that only imports the sandbox's modules leaves moto as it
    is. Safe to call again."""
    if not isinstance(_moto_models.jwk, types.SimpleNamespace):
        _moto_models.jwk = types.SimpleNamespace(RSAKey=_OneImportOfTheSharedKey())
    _moto_models.time = _SANDBOX_TIME


# What this module relies on in moto, checked by tests/test_moto_contract.py: module names,
# then the attributes of a pool, an app client and a user that it reads or writes.
MOTO_CONTRACT = {
    "moto.cognitoidp.models": ["cognitoidp_backends", "jwk", "time", "CognitoIdpUserPool"],
    "CognitoIdpBackend": ["user_pools", "admin_get_user"],
    "CognitoIdpUserPool": [
        "id", "region", "backend", "clients", "users", "access_tokens", "id_tokens",
        "refresh_tokens", "json_web_key", "extended_config", "mfa_config", "sign_out",
        "create_access_token", "create_id_token",
    ],
    "CognitoIdpUserPoolClient": ["id", "secret", "generate_secret", "extended_config"],
    "CognitoIdpUser": [
        "id", "username", "password", "status", "enabled", "attributes", "token_verified",
        "software_token_mfa_enabled", "preferred_mfa_setting",
    ],
}  # fmt: skip


@contextlib.contextmanager
def _moto_clock_at(now: float) -> Iterator[None]:
    _SANDBOX_TIME.now = now
    try:
        yield
    finally:
        _SANDBOX_TIME.now = None


# CreateUserPoolClient reference: RefreshTokenValidity, in TokenValidityUnits.RefreshToken
# (days unless set), ranges from 60 minutes to 10 years and is 30 days when not set.
DEFAULT_REFRESH_TOKEN_SECONDS = 30 * 24 * 60 * 60
REFRESH_TOKEN_SECONDS_RANGE = (60 * 60, 10 * 365 * 24 * 60 * 60)
SECONDS_PER_UNIT = {"seconds": 1, "minutes": 60, "hours": 60 * 60, "days": 24 * 60 * 60}


def refresh_token_validity_seconds(client: Client) -> int:
    """How long the client's refresh tokens last. A value outside Cognito's range is brought
    into it, and 0 or an unreadable value means the default (*inferred*: the service refuses
    such values when the client is created)."""
    units = client.extended_config.get("TokenValidityUnits") or {}
    unit = units.get("RefreshToken", "days") if isinstance(units, dict) else "days"
    try:
        seconds = int(client.extended_config.get("RefreshTokenValidity") or 0)
        seconds *= SECONDS_PER_UNIT.get(unit, SECONDS_PER_UNIT["days"])
    except (TypeError, ValueError, OverflowError):
        seconds = 0
    if seconds <= 0:
        return DEFAULT_REFRESH_TOKEN_SECONDS
    low, high = REFRESH_TOKEN_SECONDS_RANGE
    return min(max(seconds, low), high)


@dataclass(frozen=True)
class IssuedRefreshToken:
    """What a refresh token stands for. `sub`, `expires_at` and `marker` are None for a bare
    UUID that moto issued before the sandbox sealed its refresh tokens (it never expires)."""

    client_id: str
    username: str
    origin_jti: str
    sub: str | None = None
    expires_at: int | None = None
    marker: str | None = None  # the user's sign-out marker when it was issued


# moto's GlobalSignOut and AdminUserGlobalSignOut (pool.sign_out) set every entry of the user in
# pool.refresh_tokens to None. Each user with sealed refresh tokens has one entry there, its
# sign-out marker; each sealed token names the marker it was issued under, and is revoked once
# moto's sign-out has ended that marker. No client id is empty, so no refresh answers to one.
_SIGN_OUT_MARKER = "sandbox-sign-out-marker/"
_REFRESH_TOKEN_SEAL = {"alg": "dir", "enc": "A256GCM"}


def _refresh_token_key(pool: Pool) -> OctKey:
    """The pool's own key for sealing refresh tokens, made when the pool first needs it."""
    raw = pool.__dict__.get("sandbox_refresh_token_key")
    if raw is None:
        raw = pool.__dict__["sandbox_refresh_token_key"] = secrets.token_bytes(32)
    return OctKey.import_key(raw)


def _sign_out_marker(pool: Pool, user: User) -> str:
    key = _SIGN_OUT_MARKER + user.id
    entry = pool.refresh_tokens.get(key)
    if entry is None:  # never signed in, or signed out since
        entry = pool.refresh_tokens[key] = ("", user.username, str(uuid.uuid4()))
    return entry[2]


def _seal_refresh_token(pool: Pool, client: Client, user: User, now: float) -> tuple[str, str]:
    """A refresh token that carries what it stands for, encrypted with the pool's key: a
    compact JWE, as Cognito's are. Nothing is stored for it; its expiry comes from the client's
    RefreshTokenValidity. Returns the token and its ``origin_jti``."""
    origin_jti = str(uuid.uuid4())
    contents = {
        "client_id": client.id,
        "username": user.username,
        "origin_jti": origin_jti,
        "sub": user.id,
        "exp": math.ceil(now + refresh_token_validity_seconds(client)),
        "marker": _sign_out_marker(pool, user),
    }
    payload = json.dumps(contents, separators=(",", ":"))
    return jwe.encrypt_compact(_REFRESH_TOKEN_SEAL, payload, _refresh_token_key(pool)), origin_jti


def _unseal_refresh_token(pool: Pool, refresh_token: str) -> IssuedRefreshToken | None:
    """A refresh token this pool sealed, opened; None for any other string."""
    if "sandbox_refresh_token_key" not in pool.__dict__:
        return None
    try:
        opened = jwe.decrypt_compact(
            refresh_token, _refresh_token_key(pool), algorithms=["dir", "A256GCM"]
        )
        contents = json.loads(opened.plaintext)
        return IssuedRefreshToken(
            contents["client_id"],
            contents["username"],
            contents["origin_jti"],
            contents["sub"],
            contents["exp"],
            contents["marker"],
        )
    except (JoseError, ValueError, TypeError, KeyError):
        return None


def _refresh_token_contents(pool: Pool, refresh_token: str) -> IssuedRefreshToken | None:
    """What a refresh token of this pool stands for, live or not; None if it is not one."""
    sealed = _unseal_refresh_token(pool, refresh_token)
    if sealed is not None:
        return sealed
    issued = pool.refresh_tokens.get(refresh_token)
    if issued is None or refresh_token.startswith(_SIGN_OUT_MARKER):
        return None
    return IssuedRefreshToken(*issued)


def _live_refresh_token(pool: Pool, refresh_token: str, now: float) -> IssuedRefreshToken:
    """The refresh token's contents, or Cognito's refusal: expired first, then revoked, so that
    a revoked token the sandbox forgot (once it expired) answers as it did before."""
    sealed = _unseal_refresh_token(pool, refresh_token)
    if sealed is not None:
        # [SEEN] amplify-js issue 4542 quotes the message.
        if sealed.expires_at < now:
            raise not_authorized("Refresh Token has expired")
        marker = pool.refresh_tokens.get(_SIGN_OUT_MARKER + sealed.sub)
        if refresh_token in pool.refresh_tokens or not marker or marker[2] != sealed.marker:
            raise not_authorized("Refresh Token has been revoked")
        return sealed
    if refresh_token not in pool.refresh_tokens or refresh_token.startswith(_SIGN_OUT_MARKER):
        raise not_authorized("Invalid Refresh Token.")
    issued = pool.refresh_tokens[refresh_token]
    if issued is None:
        raise not_authorized("Refresh Token has been revoked")
    return IssuedRefreshToken(*issued)


def _id_token(pool: Pool, client: Client, user: User, origin_jti: str) -> str:
    """A new ID token. moto records each one, but nothing reads that record (no Cognito
    operation takes an ID token): dropping it keeps the state to what is used."""
    id_token, _ = pool.create_id_token(client.id, user.username, origin_jti)
    pool.id_tokens.pop(id_token, None)
    return id_token


def forget_expired_tokens(now: float) -> int:
    """Forget the tokens moto holds that Cognito would no longer honour; returns how many.

    Access tokens past their ``exp`` (and ID tokens, which older state files hold); revocations
    of sealed refresh tokens once the token has expired; the sign-out markers of users who no
    longer exist. moto issues every access token for one hour of the sandbox's clock, so each
    pool's dict of them is in expiry order: reading it from the oldest and stopping at the first
    live token costs what is forgotten, not what is kept (a clock set back, as tests do, only
    delays forgetting). A forgotten token answers as an expired one (`access_token_user` and
    `_live_refresh_token` check expiry first).
    """
    forgotten = 0
    for backend in list(_backends().values()):
        for pool in backend.user_pools.values():
            forgotten += _forget_expired_jwts(pool.access_tokens, now)
            forgotten += _forget_expired_jwts(pool.id_tokens, now)
            forgotten += _forget_refresh_token_entries(pool, now)
    return forgotten


def _forget_refresh_token_entries(pool: Pool, now: float) -> int:
    """Revocations of expired sealed tokens, and markers of deleted users. Bare UUIDs from
    before the sandbox sealed its tokens never expire, so they stay."""
    users = {user.id for user in pool.users.values()}
    stale = []
    for token, issued in pool.refresh_tokens.items():
        if token.startswith(_SIGN_OUT_MARKER):
            if token.removeprefix(_SIGN_OUT_MARKER) not in users:
                stale.append(token)
        elif issued is None:
            sealed = _unseal_refresh_token(pool, token)
            if sealed is not None and sealed.expires_at < now:
                stale.append(token)
    for token in stale:
        del pool.refresh_tokens[token]
    return len(stale)


def _forget_expired_jwts(tokens: dict[str, Any], now: float) -> int:
    expired = []
    for token in tokens:
        if unverified_claims(token).get("exp", 0) >= now:
            break
        expired.append(token)
    for token in expired:
        del tokens[token]
    return len(expired)


def user_ids_by_pool() -> dict[str, set[str]]:
    """Every pool's id with the ids (``sub``) of its users: what the auth layer may remember."""
    return {
        pool.id: {user.id for user in pool.users.values()}
        for backend in list(_backends().values())
        for pool in backend.user_pools.values()
    }
