"""The directory: pools, app clients, users, passwords and tokens, kept by moto.

This module is the only place the authentication layer touches moto's objects. moto answers
every directory operation itself (CreateUserPool, AdminCreateUser, ...); the authentication layer
reads what it needs here and writes back only what sign-in changes: a new password, the TOTP
flags moto reports in AdminGetUser, and the tokens it issues through moto so that moto's own
GetUser, GlobalSignOut and JWKS keep working with them.
"""

from __future__ import annotations

import copyreg
import json
import re
import types
from base64 import urlsafe_b64decode
from functools import cache
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
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


def issue_tokens(pool: Pool, client: Client, user: User) -> dict[str, Any]:
    """A new AuthenticationResult: access, ID and refresh tokens, registered with moto."""
    refresh_token, origin_jti = pool.create_refresh_token(client.id, user.username)
    access_token, expires_in = pool.create_access_token(client.id, user.username, origin_jti)
    id_token, _ = pool.create_id_token(client.id, user.username, origin_jti)
    return {
        "AccessToken": access_token,
        "ExpiresIn": expires_in,
        "TokenType": "Bearer",
        "RefreshToken": refresh_token,
        "IdToken": id_token,
    }


def refresh_token_user(pool: Pool, client: Client, refresh_token: str) -> User:
    """The user a refresh token was issued to, if this client may use it (Cognito's checks)."""
    if refresh_token not in pool.refresh_tokens:
        raise not_authorized("Invalid Refresh Token.")
    issued = pool.refresh_tokens[refresh_token]
    if issued is None:
        raise not_authorized("Refresh Token has been revoked")
    token_client_id, username, _ = issued
    if token_client_id != client.id:
        raise not_authorized("Invalid Refresh Token.")
    return user_by_username(pool, username)


def refresh(pool: Pool, refresh_token: str) -> dict[str, Any]:
    """New access and ID tokens from a refresh token `refresh_token_user` accepted (no new
    refresh token, as Cognito)."""
    access_token, id_token, expires_in = pool.create_tokens_from_refresh_token(refresh_token)
    return {
        "AccessToken": access_token,
        "ExpiresIn": expires_in,
        "TokenType": "Bearer",
        "IdToken": id_token,
    }


def refresh_token_owner(pool: Pool, refresh_token: str) -> str | None:
    issued = pool.refresh_tokens.get(refresh_token)
    return issued[1] if issued else None


def revoke_refresh_token(pool: Pool, client: Client, refresh_token: str) -> None:
    """RevokeToken: the refresh token and every access token issued from it stop working."""
    issued = pool.refresh_tokens.get(refresh_token)
    if not issued or issued[0] != client.id:
        return
    origin_jti = issued[2]
    pool.refresh_tokens[refresh_token] = None
    for token in list(pool.access_tokens):
        if unverified_claims(token).get("origin_jti") == origin_jti:
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


# moto keeps each pool's signing key as a joserfc key, which does not pickle by itself.
copyreg.pickle(RSAKey, _reduce_rsa_key)


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


_moto_models.jwk = types.SimpleNamespace(RSAKey=_OneImportOfTheSharedKey())


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
