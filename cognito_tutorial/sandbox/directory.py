"""The directory: pools, app clients, users, passwords and tokens, kept by moto.

This module is the sandbox's one adapter to moto: nothing else touches moto's objects or
modules. moto answers every directory operation itself (CreateUserPool, AdminCreateUser, ...,
through `moto_wsgi_app`); the authentication layer reads what it needs here and writes back only
what sign-in changes: a new password, the TOTP flags moto reports in AdminGetUser, and the tokens
it issues through moto so that moto's own GetUser, GlobalSignOut and JWKS keep working with them.

Importing this module changes nothing in moto. `adapt_moto()`, called once by the sandbox app,
makes the changes the sandbox needs (one shared signing key, identifiers shaped like the
service's); `MOTO_CONTRACT` lists what of moto this module relies on, and
tests/test_moto_contract.py names whatever a moto upgrade removed or renamed.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import string
import types
import uuid
from base64 import urlsafe_b64decode
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
from moto.cognitoidp.utils import ID_HASH_STRATEGY
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.utils import get_service_model
from moto.utilities.utils import load_resource

from . import claims
from .errors import CognitoError, not_authorized
from .messages import DEFAULT_TEMPLATE, Template

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
JWKS_KEY_ID = "dummy"  # the key ID of that key in the JWKS moto serves


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


def software_token_mfa_allowed(pool: Pool) -> bool:
    """SetUserPoolMfaConfig turned SoftwareTokenMfaConfiguration on."""
    config = pool.token_mfa_config
    return isinstance(config, dict) and bool(config.get("Enabled"))


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


def set_totp_enabled(user: User, enabled: bool) -> None:
    """SetUserMFAPreference's Enabled: whether sign-ins ask for a TOTP code."""
    user.software_token_mfa_enabled = enabled


def set_totp_preferred(user: User, preferred: bool) -> None:
    if preferred:
        user.preferred_mfa_setting = "SOFTWARE_TOKEN_MFA"
    elif user.preferred_mfa_setting == "SOFTWARE_TOKEN_MFA":
        user.preferred_mfa_setting = ""


def forget_totp(user: User) -> None:
    """AdminDeleteSoftwareToken: no authenticator, no TOTP preference."""
    user.token_verified = False
    user.software_token_mfa_enabled = False
    set_totp_preferred(user, False)


# --- self-service accounts: sign-up, codes, attributes -------------------------------------


def sign_up(pool: Pool, client: Client, username: str, password: str, attributes: list) -> User:
    """A new UNCONFIRMED user, made by moto's SignUp (which also files an e-mail or phone
    username under its attribute, in a pool with UsernameAttributes)."""
    if find_user(pool, username) is not None:
        # [SEEN] quoted by amplify-js apps' error handling and their UI tests.
        raise CognitoError("UsernameExistsException", "User already exists")
    user, _ = pool.backend.sign_up(client.id, username, password, attributes)
    return user


def user_status(user: User) -> str:
    """UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED, ..."""
    return str(getattr(user.status, "value", user.status))


def confirm_user(user: User) -> None:
    user.status = _moto_models.UserStatus.CONFIRMED


def mark_verified(user: User, attribute: str) -> None:
    """``email_verified`` or ``phone_number_verified`` becomes true."""
    user.update_attributes([{"Name": f"{attribute}_verified", "Value": "true"}])


def auto_verified_attributes(pool: Pool) -> list[str]:
    """The pool's AutoVerifiedAttributes: where Cognito sends a new user's code."""
    return list(pool.extended_config.get("AutoVerifiedAttributes") or [])


def account_recovery(pool: Pool) -> list[str]:
    """AccountRecoverySetting's mechanisms, by priority (verified_email, verified_phone_number,
    admin_only). Without one, the legacy order: phone first, then e-mail (CreateUserPool)."""
    setting = pool.extended_config.get("AccountRecoverySetting") or {}
    mechanisms = setting.get("RecoveryMechanisms") if isinstance(setting, dict) else None
    if not mechanisms:
        return ["verified_phone_number", "verified_email"]
    ordered = sorted(mechanisms, key=lambda mechanism: mechanism.get("Priority", 0))
    return [mechanism.get("Name", "") for mechanism in ordered]


def verification_template(pool: Pool) -> Template:
    """The pool's verification message (VerificationMessageTemplate, or the older
    EmailVerificationMessage, EmailVerificationSubject and SmsVerificationMessage)."""
    config = pool.extended_config
    template = config.get("VerificationMessageTemplate") or {}
    return Template(
        template.get("EmailSubject")
        or config.get("EmailVerificationSubject")
        or DEFAULT_TEMPLATE.subject,
        template.get("EmailMessage")
        or config.get("EmailVerificationMessage")
        or DEFAULT_TEMPLATE.email,
        template.get("SmsMessage") or config.get("SmsVerificationMessage") or DEFAULT_TEMPLATE.sms,
    )


def reset_password(pool: Pool, user: User) -> None:
    """AdminResetUserPassword: moto's checks (enabled, confirmed, a verified address), then
    RESET_REQUIRED."""
    pool.backend.admin_reset_user_password(pool.id, user.username)


def update_attributes(pool: Pool, user: User, attributes: list) -> None:
    """UpdateUserAttributes as moto applies it (an e-mail already used as a username in the
    pool is refused with AliasExistsException)."""
    pool.backend.admin_update_user_attributes(pool.id, user.username, attributes)


def delete_attributes(user: User, names: list[str]) -> None:
    user.delete_attributes(names)


def delete_user(pool: Pool, user: User) -> None:
    pool.backend.admin_delete_user(pool.id, user.username)


# --- tokens ------------------------------------------------------------------------------


def issue_tokens(pool: Pool, client: Client, user: User, now: float) -> dict[str, Any]:
    """A new AuthenticationResult: access, ID and refresh tokens of one new sign-in.

    Their times come from the sandbox's clock (`now`), so that a virtual clock ages them as it
    ages sessions. The access token is registered with moto, whose GetUser, GlobalSignOut and
    the like look it up there; the refresh token is sealed (`_seal_refresh_token`) and keeps
    nothing in the state, as Cognito's encrypted refresh tokens carry what they stand for.
    """
    sign_in = claims.SignIn.new(now)
    expires_at = math.ceil(now + refresh_token_validity_seconds(client))
    refresh_token = _seal_refresh_token(pool, client, user, sign_in, expires_at)
    return _authentication_result(pool, client, user, now, sign_in, refresh_token)


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
    """New access and ID tokens from a refresh token `refresh_token_user` accepted, for the
    same sign-in (its ``auth_time`` and ``origin_jti``). With refresh token rotation on the
    client (`rotates_refresh_tokens`), a new refresh token too, until the same expiry ("the
    overall refresh token lifetime remains fixed": AWS re:Post, *Rotated Refresh Token
    Validity*), and the one sent stops working once the client's grace period is over."""
    issued = _live_refresh_token(pool, refresh_token, now)
    sign_in = issued.sign_in(now)
    rotated = None
    if rotates_refresh_tokens(client):
        rotated = _seal_refresh_token(pool, client, user, sign_in, issued.expires_at)
        _rotated_out(pool)[refresh_token] = now + _retry_grace_seconds(client)
    return _authentication_result(pool, client, user, now, sign_in, rotated)


def rotates_refresh_tokens(client: Client) -> bool:
    """RefreshTokenRotation Feature ENABLED on the app client (CreateUserPoolClient)."""
    rotation = client.extended_config.get("RefreshTokenRotation")
    return isinstance(rotation, dict) and rotation.get("Feature") == "ENABLED"


def _retry_grace_seconds(client: Client) -> int:
    """RetryGracePeriodSeconds, 0 to 60; *inferred*: 0 when not set."""
    seconds = client.extended_config["RefreshTokenRotation"].get("RetryGracePeriodSeconds")
    return min(max(seconds, 0), 60) if _is_whole_number(seconds) else 0


def _rotated_out(pool: Pool) -> dict[str, float]:
    """Refresh tokens a rotation replaced, with the end of their grace period."""
    return pool.__dict__.setdefault("sandbox_rotated_refresh_tokens", {})


def _authentication_result(
    pool: Pool,
    client: Client,
    user: User,
    now: float,
    sign_in: claims.SignIn,
    refresh_token: str | None,
) -> dict[str, Any]:
    issuer = f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}"
    subject = _subject(client, user)
    access_seconds = token_validity_seconds(client, "AccessToken")
    access_token = _sign(
        pool, claims.access_token(issuer, client.id, subject, sign_in, now, access_seconds)
    )
    pool.access_tokens[access_token] = (client.id, user.username)  # moto's GetUser reads it
    id_seconds = token_validity_seconds(client, "IdToken")
    id_token = _sign(pool, claims.id_token(issuer, client.id, subject, sign_in, now, id_seconds))
    result: dict[str, Any] = {
        "AccessToken": access_token,
        "ExpiresIn": access_seconds,
        "TokenType": "Bearer",
    }
    if refresh_token is not None:
        result["RefreshToken"] = refresh_token
    result["IdToken"] = id_token
    return result


def _subject(client: Client, user: User) -> claims.Subject:
    """The user as the tokens show them to this app client: the attributes in its
    ReadAttributes (all of them when it has none, as CreateUserPoolClient's default), never a
    developer-only (``dev:``) one, and the user's groups."""
    readable = client.extended_config.get("ReadAttributes")
    attributes = {
        name: value
        for name, value in user_attributes(user).items()
        if name != "sub" and not name.startswith("dev:") and (not readable or name in readable)
    }
    groups = tuple(
        claims.Group(group.group_name, group.role_arn or None, group.precedence)
        for group in user.groups
    )
    return claims.Subject(user.id, user.username, attributes, groups)


def _sign(pool: Pool, payload: dict[str, Any]) -> str:
    """A JWT signed with the pool's key, under the key ID its JWKS publishes."""
    return jwt.encode({"kid": JWKS_KEY_ID, "alg": "RS256"}, payload, pool.json_web_key)


# CreateUserPoolClient reference: AccessTokenValidity and IdTokenValidity, in
# TokenValidityUnits (hours unless set), range from five minutes to one day, default one hour.
DEFAULT_TOKEN_SECONDS = 60 * 60
TOKEN_SECONDS_RANGE = (5 * 60, 24 * 60 * 60)


def token_validity_seconds(client: Client, kind: str) -> int:
    """How long the client's access (``kind="AccessToken"``) or ID (``"IdToken"``) tokens
    last. A value outside Cognito's range is brought into it, and 0 or an unreadable value
    means the default (*inferred*: the service refuses such values when the client is made)."""
    seconds = _validity_seconds(client, kind, "hours")
    if seconds <= 0:
        return DEFAULT_TOKEN_SECONDS
    low, high = TOKEN_SECONDS_RANGE
    return min(max(seconds, low), high)


def _validity_seconds(client: Client, kind: str, default_unit: str) -> int:
    """``<kind>Validity`` times its unit in TokenValidityUnits, or 0 if it is not readable."""
    units = client.extended_config.get("TokenValidityUnits") or {}
    unit = units.get(kind, default_unit) if isinstance(units, dict) else default_unit
    try:
        value = int(client.extended_config.get(f"{kind}Validity") or 0)
        return value * SECONDS_PER_UNIT.get(unit, SECONDS_PER_UNIT[default_unit])
    except (TypeError, ValueError, OverflowError):
        return 0


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


# --- identifiers shaped like the service's ------------------------------------------------

# A pool id is the region, "_" and 9 letters and digits (us-east-1_cDd9TR9a5); an app client id
# 26 lower-case letters and digits (1irae6vkl1v4f8so6o09h787ev); both as the API reference's
# examples and the service's answers show them. A client secret: *inferred* 52 lower-case
# letters and digits (the API model allows 24-64 characters of [\w+]; moto's UUID, with its
# hyphens, does not even match that pattern, so RevokeToken could not take it back).
POOL_ID_ALPHABET = string.ascii_letters + string.digits
POOL_ID_LENGTH = 9
CLIENT_ID_ALPHABET = string.ascii_lowercase + string.digits
CLIENT_ID_LENGTH = 26
CLIENT_SECRET_LENGTH = 52
_moto_generate_id = _moto_models.generate_id
_moto_create_user_pool_client = _moto_models.CognitoIdpBackend.create_user_pool_client


def _random_text(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _cognito_shaped_id(strategy: str | None, *args: Any) -> str:
    """Stands in for moto's ``generate_id``, which moto calls for a new pool with (region,
    name, settings) and for a new app client with (pool id, generate secret, settings).

    moto's HASH strategy (reproducible ids, set by an environment variable) is left as it is.
    Pools from an older state file keep moto's ids (``us-east-1_<32 hex>``) and work as before.
    """
    if strategy == ID_HASH_STRATEGY:
        return _moto_generate_id(strategy, *args)
    if "_" in str(args[0]):  # a pool id: this is an app client's
        return _random_text(CLIENT_ID_ALPHABET, CLIENT_ID_LENGTH)
    return _random_text(POOL_ID_ALPHABET, POOL_ID_LENGTH)


def _create_user_pool_client(self: Any, *args: Any, **kwargs: Any) -> Client:
    client = _moto_create_user_pool_client(self, *args, **kwargs)
    client.secret = _random_text(CLIENT_ID_ALPHABET, CLIENT_SECRET_LENGTH)
    return client


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


def adapt_moto() -> None:
    """Make moto's Cognito models sign with one shared key object (`_OneImportOfTheSharedKey`)
    and give new pools, app clients and secrets identifiers shaped like the service's
    (`_cognito_shaped_id`, `_create_user_pool_client`). Called once by the sandbox app, never at
    import: a process that only imports the sandbox's modules leaves moto as it is. Safe to call
    again."""
    if not isinstance(_moto_models.jwk, types.SimpleNamespace):
        _moto_models.jwk = types.SimpleNamespace(RSAKey=_OneImportOfTheSharedKey())
    _moto_models.generate_id = _cognito_shaped_id
    _moto_models.CognitoIdpBackend.create_user_pool_client = _create_user_pool_client


# What this module relies on in moto, checked by tests/test_moto_contract.py: module names,
# then the attributes of a backend, a pool, an app client and a user that it reads or writes.
MOTO_CONTRACT = {
    "moto.cognitoidp.models": [
        "cognitoidp_backends", "jwk", "generate_id", "CognitoIdpBackend", "UserStatus",
    ],
    "moto.cognitoidp.utils": ["ID_HASH_STRATEGY"],
    "CognitoIdpBackend": ["user_pools", "admin_get_user", "create_user_pool_client"],
    "CognitoIdpUserPool": [
        "id", "region", "backend", "clients", "users", "access_tokens", "id_tokens",
        "refresh_tokens", "json_web_key", "extended_config", "mfa_config", "sign_out",
    ],
    "CognitoIdpUserPoolClient": ["id", "secret", "generate_secret", "extended_config"],
    "CognitoIdpUser": [
        "id", "username", "password", "status", "enabled", "attributes", "token_verified",
        "software_token_mfa_enabled", "preferred_mfa_setting",
    ],
}  # fmt: skip


# CreateUserPoolClient reference: RefreshTokenValidity, in TokenValidityUnits.RefreshToken
# (days unless set), ranges from 60 minutes to 10 years and is 30 days when not set.
DEFAULT_REFRESH_TOKEN_SECONDS = 30 * 24 * 60 * 60
REFRESH_TOKEN_SECONDS_RANGE = (60 * 60, 10 * 365 * 24 * 60 * 60)
SECONDS_PER_UNIT = {"seconds": 1, "minutes": 60, "hours": 60 * 60, "days": 24 * 60 * 60}


def refresh_token_validity_seconds(client: Client) -> int:
    """How long the client's refresh tokens last. A value outside Cognito's range is brought
    into it, and 0 or an unreadable value means the default (*inferred*: the service refuses
    such values when the client is created)."""
    seconds = _validity_seconds(client, "RefreshToken", "days")
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
    auth_time: int | None = None  # None in tokens sealed before tokens carried the sign-in
    event_id: str | None = None

    def sign_in(self, now: float) -> claims.SignIn:
        """The sign-in this token continues (``now`` and a new event for an older token)."""
        return claims.SignIn(
            self.origin_jti,
            int(now) if self.auth_time is None else self.auth_time,
            self.event_id or str(uuid.uuid4()),
        )


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


def _seal_refresh_token(
    pool: Pool, client: Client, user: User, sign_in: claims.SignIn, expires_at: int | None
) -> str:
    """A refresh token that carries what it stands for, encrypted with the pool's key: a
    compact JWE, as Cognito's are. Nothing is stored for it; it expires at `expires_at` (the
    client's RefreshTokenValidity after the sign-in; None, from a bare UUID of an older
    state file, never)."""
    contents = {
        "client_id": client.id,
        "username": user.username,
        "origin_jti": sign_in.origin_jti,
        "sub": user.id,
        "exp": expires_at,
        "marker": _sign_out_marker(pool, user),
        "auth_time": sign_in.auth_time,
        "event_id": sign_in.event_id,
    }
    payload = json.dumps(contents, separators=(",", ":"))
    return jwe.encrypt_compact(_REFRESH_TOKEN_SEAL, payload, _refresh_token_key(pool))


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
            contents.get("auth_time"),
            contents.get("event_id"),
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
        if sealed.expires_at is not None and sealed.expires_at < now:
            raise not_authorized("Refresh Token has expired")
        marker = pool.refresh_tokens.get(_SIGN_OUT_MARKER + sealed.sub)
        if refresh_token in pool.refresh_tokens or not marker or marker[2] != sealed.marker:
            raise not_authorized("Refresh Token has been revoked")
        grace_ends = _rotated_out(pool).get(refresh_token)
        if grace_ends is not None and now > grace_ends:
            # The exception the API model names for this; its message is *inferred*.
            raise CognitoError(
                "RefreshTokenReuseException",
                "This refresh token was replaced by refresh token rotation; "
                "use the refresh token issued with it.",
            )
        return sealed
    if refresh_token not in pool.refresh_tokens or refresh_token.startswith(_SIGN_OUT_MARKER):
        raise not_authorized("Invalid Refresh Token.")
    issued = pool.refresh_tokens[refresh_token]
    if issued is None:
        raise not_authorized("Refresh Token has been revoked")
    return IssuedRefreshToken(*issued)


def forget_expired_tokens(now: float) -> int:
    """Forget the tokens moto holds that Cognito would no longer honour; returns how many.

    Access tokens past their ``exp`` (and ID tokens, which older state files hold); revocations
    of sealed refresh tokens once the token has expired; the sign-out markers of users who no
    longer exist. Each pool's dict of access tokens is in the order they were issued, nearly in
    expiry order (each app client's AccessTokenValidity, one hour by default, at most a day):
    reading it from the oldest and stopping at the first live token costs what is forgotten, not
    what is kept. A short-lived token issued after a longer-lived one waits for it (at most a
    day), and a clock set back, as tests do, only delays forgetting. A forgotten token answers
    as an expired one (`access_token_user` and `_live_refresh_token` check expiry first).
    Rotated-out refresh tokens are forgotten once they have expired.
    """
    forgotten = 0
    for backend in list(_backends().values()):
        for pool in backend.user_pools.values():
            forgotten += _forget_expired_jwts(pool.access_tokens, now)
            forgotten += _forget_expired_jwts(pool.id_tokens, now)
            forgotten += _forget_refresh_token_entries(pool, now)
            forgotten += _forget_rotated_out(pool, now)
    return forgotten


def _forget_rotated_out(pool: Pool, now: float) -> int:
    """Rotated-out refresh tokens once they have expired (they answer as expired then)."""
    rotated = pool.__dict__.get("sandbox_rotated_refresh_tokens")
    if not rotated:
        return 0
    stale = []
    for token in rotated:
        sealed = _unseal_refresh_token(pool, token)
        if sealed is None or (sealed.expires_at is not None and sealed.expires_at < now):
            stale.append(token)
    for token in stale:
        del rotated[token]
    return len(stale)


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
