"""The authentication state machine: flows, challenges, sessions, TOTP and SRP.

This is what the tutorial teaches, so each rule names the Cognito document it follows. Sources:
  [API]    Cognito API reference: InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge,
           AdminRespondToAuthChallenge, AssociateSoftwareToken, VerifySoftwareToken, RevokeToken
  [FLOW]   Developer guide, "User pool authentication flow" (flows, sessions, lockout)
  [ERRORS] Developer guide, "Managing error responses" (PreventUserExistenceErrors)
  [TOTP]   Developer guide, "TOTP software token MFA"; RFC 6238
  [SRP]    amplify-js and pycognito's SRP client code (the service's half is not published)
  [DEVICES] Developer guide, "Working with user devices in your user pool"; devices.py
  [SEEN]   messages quoted in SDK issues and source (see docs/sandbox.md for each)
docs/sandbox.md lists every behaviour with its source and the test that checks it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
from base64 import b64encode
from dataclasses import dataclass, field, fields
from functools import partial
from typing import Any

from . import devices, directory, srp, totp
from .clock import SystemClock
from .devices import Device
from .directory import Client, Pool, User
from .errors import CognitoError, invalid_parameter, not_authorized
from .messages import Outbox

PUBLIC, ADMIN = "public", "admin"

# [API] Which AuthFlow each operation takes; the other API's password flow is refused with
# "Initiate Auth method not supported." (seen in aws-doc-sdk-examples issue 5289).
FLOWS_BY_API = {
    PUBLIC: {"USER_PASSWORD_AUTH", "USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"},
    ADMIN: {"ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_SRP_AUTH"}
    | {"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"},
}
# [API] The ExplicitAuthFlows entry each AuthFlow needs.
REQUIRED_CLIENT_FLOW = {
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
}
# [SEEN] The wording differs by flow.
FLOW_NOT_ENABLED = {
    "USER_PASSWORD_AUTH": "USER_PASSWORD_AUTH flow not enabled for this client",
    "USER_SRP_AUTH": "USER_SRP_AUTH is not enabled for the client.",
    "REFRESH_TOKEN_AUTH": "Refresh Token auth flow not enabled for this client",
    "REFRESH_TOKEN": "Refresh Token auth flow not enabled for this client",
}

# [FLOW] "Amazon Cognito allows five failed sign-in attempts; after that it starts temporary
# lockouts that double from 1 second, up to about 15 minutes." And: "To reset the lockout to its
# n=0 initial state, your user must either sign in successfully after a lockout period expires,
# or not initiate any sign-in attempts for 15 consecutive minutes at any time after a lockout."
FREE_ATTEMPTS = 5
MAX_LOCKOUT_SECONDS = 15 * 60
LOCKOUT_RESET_SECONDS = 15 * 60
# Spent and expired sessions are remembered this long after they expire, so their errors say why.
SESSION_MEMORY_SECONDS = 60 * 60
DEFAULT_DEVICE_NAME = "TOTP device"
SESSION_PREFIX = "AYABe"

WRONG_PASSWORD = "Incorrect username or password."
SESSION_EXPIRED = "Invalid session for the user, session is expired."
SESSION_USED = "Invalid session for the user, session can only be used once."
SESSION_INVALID = "Invalid session for the user."


@dataclass
class AuthSession:
    """What the service remembers behind one opaque Session string."""

    pool_id: str
    client_id: str
    username: str
    challenge: str
    created_at: float
    validity_s: int
    stage: str = ""  # MFA_SETUP: "" -> "associated" -> "verified"
    used: bool = False
    srp_challenge: srp.PasswordVerifierChallenge | None = None
    phantom: bool = False  # SRP for an unknown user when existence errors are prevented
    device_key: str = ""  # the DEVICE_KEY this sign-in came with, carried through its challenges

    def expires_at(self) -> float:
        """When the session stops answering. A record from an older sandbox's state file may
        hold any validity (a client once accepted 10**400 minutes): it counts within the API
        model's range, and a start that is not a finite time counts as long past, so that no
        record can raise here, live for ever, or break the sessions of other pools."""
        try:
            start = float(self.created_at)
        except (TypeError, ValueError, OverflowError):
            return -math.inf
        if not math.isfinite(start):
            return -math.inf
        return start + directory.bounded_session_seconds(self.validity_s)

    def remembered(self, now: float) -> bool:
        """Still known, live or not: until SESSION_MEMORY_SECONDS after it expired."""
        return now <= self.expires_at() + SESSION_MEMORY_SECONDS


@dataclass
class Authenticator:
    """A user's authenticator app, once VerifySoftwareToken accepted a code from it."""

    secret: str
    last_step: int
    device_name: str


@dataclass
class Failures:
    """A user's failed password attempts since their last sign-in, and the lockout they earned."""

    count: int = 0
    locked_until: float = 0.0
    last_attempt_at: float = 0.0  # any sign-in attempt, one refused by the lockout included

    def has_lapsed(self, now: float) -> bool:
        """[FLOW] Fifteen minutes without an attempt start the count again. *Inferred*: also
        for fewer than five failures (the guide speaks of the time after a lockout)."""
        return now - self.last_attempt_at >= LOCKOUT_RESET_SECONDS


@dataclass
class AuthState:
    """Everything the authentication layer keeps; pickled with moto's directory."""

    sessions: dict[str, AuthSession] = field(default_factory=dict)
    authenticators: dict[str, Authenticator] = field(default_factory=dict)
    pending_secrets: dict[str, str] = field(default_factory=dict)
    failures: dict[str, Failures] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    outbox: Outbox = field(default_factory=Outbox)  # codes sent, messages.py

    def __setstate__(self, saved: dict[str, Any]) -> None:
        """A state file from an older sandbox lacks the fields added since: they start
        empty, as in a new state."""
        self.__dict__.update(
            {item.name: item.default_factory() for item in fields(self)}  # type: ignore[misc]
        )
        self.__dict__.update(saved)


def _user_key(pool: Pool, user: User) -> str:
    return f"{pool.id}/{user.id}"


class AuthLayer:
    """Answers the authentication operations; everything else goes to moto."""

    OPERATIONS = (
        "InitiateAuth",
        "AdminInitiateAuth",
        "RespondToAuthChallenge",
        "AdminRespondToAuthChallenge",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "RevokeToken",
        *devices.OPERATIONS,
        "GetTokensFromRefreshToken",
        "SetUserMFAPreference",
        "AdminSetUserMFAPreference",
        "AdminDeleteSoftwareToken",
    )
    DEVICE_CHALLENGES = ("DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER")

    def __init__(self, state: AuthState | None = None, clock: Any = None) -> None:
        self.state = state or AuthState()
        self.clock = clock or SystemClock()

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = {
            "InitiateAuth": lambda p: self.initiate_auth(p, PUBLIC),
            "AdminInitiateAuth": lambda p: self.initiate_auth(p, ADMIN),
            "RespondToAuthChallenge": lambda p: self.respond_to_auth_challenge(p, PUBLIC),
            "AdminRespondToAuthChallenge": lambda p: self.respond_to_auth_challenge(p, ADMIN),
            "AssociateSoftwareToken": self.associate_software_token,
            "VerifySoftwareToken": self.verify_software_token,
            "RevokeToken": self.revoke_token,
            **{name: partial(self._device_operation, name) for name in devices.OPERATIONS},
            "GetTokensFromRefreshToken": self.get_tokens_from_refresh_token,
            "SetUserMFAPreference": self.set_user_mfa_preference,
            "AdminSetUserMFAPreference": self.admin_set_user_mfa_preference,
            "AdminDeleteSoftwareToken": self.admin_delete_software_token,
        }[operation]
        try:
            return handler(params)
        except CognitoError:
            raise
        except Exception as error:  # a moto error raised while reading the directory
            converted = directory.moto_error(error)
            if converted is None:
                raise
            raise converted from error

    def _device_operation(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """ConfirmDevice, ListDevices and the other device operations: devices.py."""
        return devices.handle(operation, params, self.state.devices, self.clock.now())

    # --- InitiateAuth / AdminInitiateAuth ---------------------------------------------------

    def initiate_auth(self, params: dict[str, Any], api: str) -> dict[str, Any]:
        pool, client = self._client(params, api)
        flow = params["AuthFlow"]
        auth = params.get("AuthParameters") or {}
        if flow not in FLOWS_BY_API[api]:
            raise invalid_parameter("Initiate Auth method not supported.")
        if REQUIRED_CLIENT_FLOW[flow] not in directory.allowed_flows(client):
            raise invalid_parameter(
                FLOW_NOT_ENABLED.get(flow, "Auth flow not enabled for this client")
            )
        if flow.startswith("REFRESH"):
            return self._refresh(pool, client, auth)
        username = _required(auth, "USERNAME")
        self._check_secret_hash(client, auth, username)
        device_key = auth.get("DEVICE_KEY") or ""
        if flow == "USER_SRP_AUTH":
            srp_a = _required(auth, "SRP_A")
            return self._start_srp(pool, client, username, srp_a, api, device_key)
        password = _required(auth, "PASSWORD")
        user = self._user_for_sign_in(pool, client, username)
        self._check_password(pool, user, directory.password_matches(user, password))
        return self._after_password(pool, client, user, device_key)

    def _refresh(self, pool: Pool, client: Client, auth: dict[str, str]) -> dict[str, Any]:
        token = _required(auth, "REFRESH_TOKEN")
        if directory.rotates_refresh_tokens(client):
            # [FLOW] "You can't authenticate with REFRESH_TOKEN_AUTH in app clients with
            # refresh token rotation enabled" (Refresh tokens); the wording is inferred.
            raise invalid_parameter(
                "Refresh token rotation is enabled for this app client: refresh with "
                "GetTokensFromRefreshToken."
            )
        owner = directory.refresh_token_owner(pool, token)
        if directory.client_secret(client):
            # Either the username or the user's sub is accepted in the hash for refreshes.
            names = [auth.get("USERNAME")] if auth.get("USERNAME") else []
            if owner:
                user = directory.find_user(pool, owner)
                names += [owner] + ([user.id] if user else [])
            self._check_secret_hash(client, auth, *names or [""])
        user = directory.refresh_token_user(pool, client, token, self.clock.now())
        self._check_user_can_sign_in(user)
        result = directory.refresh(pool, client, user, token, self.clock.now())
        return {"ChallengeParameters": {}, "AuthenticationResult": result}

    def _start_srp(
        self, pool: Pool, client: Client, username: str, srp_a: str, api: str, device_key: str
    ) -> dict[str, Any]:
        user = directory.find_user(pool, username)
        phantom = user is None and directory.prevents_user_existence_errors(client)
        if user is None and not phantom:
            raise CognitoError("UserNotFoundException", "User does not exist.")
        if user is not None:
            self._check_user_can_sign_in(user)
            self._check_not_locked(pool, user)
        user_id = user.username if user else username
        # [ERRORS] With existence errors prevented, an unknown user still gets a challenge
        # (for a password nobody knows) and fails only at PASSWORD_VERIFIER.
        password = user.password if user else secrets.token_urlsafe(24)
        try:
            challenge = srp.start_password_verifier(pool.id, user_id, password or "", srp_a)
        except ValueError as error:
            raise invalid_parameter(f"SRP_A: {error}") from None
        session = self._new_session(pool, client, user_id, "PASSWORD_VERIFIER", device_key)
        record = self.state.sessions[session]
        record.srp_challenge, record.phantom = challenge, phantom
        # [SEEN] measured against AWS (ministack PR 1758): PASSWORD_VERIFIER comes without a
        # Session; the SECRET_BLOCK, echoed back in the answer, names the challenge.
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": challenge.challenge_parameters(user_id, user_id),
        }

    # --- RespondToAuthChallenge / AdminRespondToAuthChallenge --------------------------------

    def respond_to_auth_challenge(self, params: dict[str, Any], api: str) -> dict[str, Any]:
        pool, client = self._client(params, api)
        name = params["ChallengeName"]
        answers = params.get("ChallengeResponses") or {}
        username = _required(answers, "USERNAME")
        self._check_secret_hash(client, answers, username)
        if name == "PASSWORD_VERIFIER":
            return self._password_verifier(pool, client, answers)
        session_token = params.get("Session")
        if name in self.DEVICE_CHALLENGES:
            return self._device_challenge(pool, client, name, session_token, answers)
        if not session_token:
            raise invalid_parameter("Missing required parameter Session")
        session = self._open_session(session_token, client, name)
        user = self._session_user(pool, session, username)
        self._check_user_can_sign_in(user)  # inferred: disabled mid-flow gets no tokens
        if name == "NEW_PASSWORD_REQUIRED":
            return self._new_password(pool, client, session, user, answers)
        if name == "MFA_SETUP":
            if session.stage != "verified":
                # Inferred: MFA_SETUP is answered with the Session VerifySoftwareToken returned.
                raise not_authorized(SESSION_INVALID)
            session.used = True
            return self._finish(pool, client, user, session.device_key)
        if name == "SOFTWARE_TOKEN_MFA":
            return self._software_token_mfa(pool, client, session, user, answers)
        raise invalid_parameter(f"{name} is not emulated by the local sandbox.")

    def _password_verifier(
        self, pool: Pool, client: Client, answers: dict[str, str]
    ) -> dict[str, Any]:
        block = _required(answers, "PASSWORD_CLAIM_SECRET_BLOCK")
        signature = _required(answers, "PASSWORD_CLAIM_SIGNATURE")
        timestamp = _required(answers, "TIMESTAMP")
        session = self._session_by_secret_block(block, client)
        user = None if session.phantom else directory.user_by_username(pool, session.username)
        if user is not None:
            self._check_user_can_sign_in(user)
        session.used = True
        challenge = session.srp_challenge
        # [SEEN] ministack PR 1758, measured: a TIMESTAMP not in Cognito's format (a zero-padded
        # day, a wrong weekday) fails like a wrong password; verify_password_claim checks it.
        verified = challenge is not None and srp.verify_password_claim(
            challenge, pool.id, session.username, block, timestamp, signature
        )
        if user is None:
            raise not_authorized(WRONG_PASSWORD)
        self._check_password(pool, user, verified)
        # amplify-js and AWS's examples name the device here, not at InitiateAuth.
        device_key = answers.get("DEVICE_KEY") or session.device_key
        return self._after_password(pool, client, user, device_key)

    def _new_password(
        self,
        pool: Pool,
        client: Client,
        session: AuthSession,
        user: User,
        answers: dict[str, str],
    ) -> dict[str, Any]:
        password = _required(answers, "NEW_PASSWORD")
        directory.check_password_policy(pool, password)  # the challenge stands if refused
        session.used = True
        directory.set_new_password(user, password)
        return self._mfa_step(pool, client, user, session.device_key)

    def _software_token_mfa(
        self,
        pool: Pool,
        client: Client,
        session: AuthSession,
        user: User,
        answers: dict[str, str],
    ) -> dict[str, Any]:
        code = _required(answers, "SOFTWARE_TOKEN_MFA_CODE")
        app = self.state.authenticators.get(_user_key(pool, user))
        if app is None:
            raise CognitoError(
                "SoftwareTokenMFANotFoundException",
                "Software Token MFA is not enabled for the user.",
            )
        step = totp.matching_step(app.secret, code, self.clock.now())
        if step is None:
            # [SEEN] amplify-js AuthErrorStrings; inferred: the challenge stands for a retry.
            raise CognitoError("CodeMismatchException", "Invalid code received for user")
        if step <= app.last_step:
            # [TOTP] RFC 6238 5.2: a code is accepted once. [SEEN] amplify-swift tests.
            raise CognitoError(
                "ExpiredCodeException", "Your software token has already been used once."
            )
        app.last_step = step
        session.used = True
        return self._finish(pool, client, user, session.device_key)

    # --- AssociateSoftwareToken / VerifySoftwareToken ---------------------------------------

    def associate_software_token(self, params: dict[str, Any]) -> dict[str, Any]:
        """[API] A new secret, pending until VerifySoftwareToken accepts a code from it; the
        user's current authenticator keeps working until then ("Amazon Cognito disassociates
        an existing software token when you verify the new token")."""
        secret = totp.new_secret()
        if params.get("Session"):
            session = self._open_session(params["Session"], None, "MFA_SETUP")
            if session.stage == "verified":
                raise not_authorized(SESSION_INVALID)
            pool = directory.find_pool(session.pool_id)
            user = directory.user_by_username(pool, session.username)
            client = directory.pool_client(pool, session.client_id)
            _check_pool_offers_totp(pool)
            session.used = True
            new_session = self._new_session(
                pool, client, user.username, "MFA_SETUP", session.device_key
            )
            self.state.sessions[new_session].stage = "associated"
            self.state.pending_secrets[_user_key(pool, user)] = secret
            return {"SecretCode": secret, "Session": new_session}
        if params.get("AccessToken"):
            pool, user = directory.access_token_user(params["AccessToken"], self.clock.now())
            _check_pool_offers_totp(pool)
            self.state.pending_secrets[_user_key(pool, user)] = secret
            return {"SecretCode": secret}
        raise invalid_parameter("Either AccessToken or Session must be provided.")

    def verify_software_token(self, params: dict[str, Any]) -> dict[str, Any]:
        code = params["UserCode"]
        device = params.get("FriendlyDeviceName") or DEFAULT_DEVICE_NAME
        if params.get("Session"):
            session = self._open_session(params["Session"], None, "MFA_SETUP")
            if session.stage != "associated":
                raise not_authorized(SESSION_INVALID)
            pool = directory.find_pool(session.pool_id)
            user = directory.user_by_username(pool, session.username)
            client = directory.pool_client(pool, session.client_id)
        elif params.get("AccessToken"):
            session = client = None
            pool, user = directory.access_token_user(params["AccessToken"], self.clock.now())
        else:
            raise invalid_parameter("Either AccessToken or Session must be provided.")
        key = _user_key(pool, user)
        secret = self.state.pending_secrets.get(key)
        if secret is None:
            raise CognitoError(
                "SoftwareTokenMFANotFoundException",
                "Software token has not been associated; call AssociateSoftwareToken first.",
            )
        step = totp.matching_step(secret, code, self.clock.now())
        if step is None:
            # [SEEN] aws-amplify-auth-starters issue 15. The associated secret stays pending.
            raise CognitoError(
                "EnableSoftwareTokenMFAException",
                "Code mismatch and fail enable Software Token MFA",
            )
        del self.state.pending_secrets[key]
        # The enrolment code counts as used: signing in with it again is refused.
        self.state.authenticators[key] = Authenticator(secret, step, device)
        if session is None:
            # [TOTP] With an access token, SetUserMFAPreference turns the verified app on.
            directory.record_totp_verified(user, enable=False)
            return {"Status": "SUCCESS"}
        directory.record_totp_verified(user, enable=True)
        session.used = True
        new_session = self._new_session(
            pool, client, user.username, "MFA_SETUP", session.device_key
        )
        self.state.sessions[new_session].stage = "verified"
        return {"Status": "SUCCESS", "Session": new_session}

    # --- RevokeToken -------------------------------------------------------------------------

    def revoke_token(self, params: dict[str, Any]) -> dict[str, Any]:
        pool, client = directory.find_client(params["ClientId"])
        _check_client_secret(client, params.get("ClientSecret"))
        token = params["Token"]
        if directory.unverified_claims(token):
            raise CognitoError("UnsupportedTokenTypeException", "Unsupported token type.")
        directory.revoke_refresh_token(pool, client, token)
        return {}

    # --- GetTokensFromRefreshToken ----------------------------------------------------------

    def get_tokens_from_refresh_token(self, params: dict[str, Any]) -> dict[str, Any]:
        """[API] New ID and access tokens, and with refresh token rotation on the client a new
        refresh token (the one sent then works until the client's RetryGracePeriodSeconds
        are over). The client's secret is sent whole, as for RevokeToken; the refresh flow
        must be allowed as for REFRESH_TOKEN_AUTH (*inferred*)."""
        pool, client = directory.find_client(params["ClientId"])
        _check_client_secret(client, params.get("ClientSecret"))
        if REQUIRED_CLIENT_FLOW["REFRESH_TOKEN_AUTH"] not in directory.allowed_flows(client):
            raise invalid_parameter(FLOW_NOT_ENABLED["REFRESH_TOKEN_AUTH"])
        token = params["RefreshToken"]
        user = directory.refresh_token_user(pool, client, token, self.clock.now())
        self._check_user_can_sign_in(user)
        result = directory.refresh(pool, client, user, token, self.clock.now())
        return {"AuthenticationResult": result}

    # --- MFA preferences and the authenticator ------------------------------------------------

    def set_user_mfa_preference(self, params: dict[str, Any]) -> dict[str, Any]:
        pool, user = directory.access_token_user(params["AccessToken"], self.clock.now())
        return self._set_mfa_preference(pool, user, params)

    def admin_set_user_mfa_preference(self, params: dict[str, Any]) -> dict[str, Any]:
        pool = directory.find_pool(params["UserPoolId"])
        user = directory.find_user(pool, params["Username"])
        if user is None:
            raise CognitoError("UserNotFoundException", "User does not exist.")
        return self._set_mfa_preference(pool, user, params)

    def _set_mfa_preference(self, pool: Pool, user: User, params: dict[str, Any]) -> dict:
        """SoftwareTokenMfaSettings. Turning TOTP on needs a verified authenticator: [SEEN]
        aws/aws-sdk-js-v3#4645 quotes the refusal. [API] SoftwareTokenMfaSettingsType: "You
        can't turn off TOTP MFA for any of your users when MFA is required in your user pool;
        you can only set the type that your user prefers": with MFA ON, Enabled false succeeds
        and changes nothing (as measured, Stack Overflow quoted in panther-labs/panther#317).
        SMS and e-mail MFA are refused as not emulated before this runs."""
        settings = params.get("SoftwareTokenMfaSettings")
        if not settings:
            return {}
        has_app = _user_key(pool, user) in self.state.authenticators
        turning_on = bool(settings.get("Enabled") or settings.get("PreferredMfa"))
        if turning_on and not has_app:
            raise invalid_parameter(
                "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"
            )
        enabled = settings.get("Enabled")
        if enabled is not None and not (not enabled and directory.mfa_configuration(pool) == "ON"):
            directory.set_totp_enabled(user, bool(enabled))
        if "PreferredMfa" in settings:
            directory.set_totp_preferred(user, bool(settings["PreferredMfa"]))
        return {}

    def admin_delete_software_token(self, params: dict[str, Any]) -> dict[str, Any]:
        """[API] AdminDeleteSoftwareToken: the user's authenticator and any TOTP preference
        go; with MFA ON the next sign-in asks for MFA_SETUP."""
        pool = directory.find_pool(params["UserPoolId"])
        user = directory.find_user(pool, params["Username"])
        if user is None:
            raise CognitoError("UserNotFoundException", "User does not exist.")
        key = _user_key(pool, user)
        self.state.authenticators.pop(key, None)
        self.state.pending_secrets.pop(key, None)
        directory.forget_totp(user)
        return {}

    # --- access tokens for the operations moto answers ------------------------------------

    def check_access_token(self, access_token: str) -> None:
        """Refuse a revoked, expired or unknown access token with Cognito's own messages
        ("Access Token has been revoked", seen in amplify-js issue 2205) before moto runs."""
        directory.access_token_user(access_token, self.clock.now())

    # --- shared steps ------------------------------------------------------------------------

    def _client(self, params: dict[str, Any], api: str) -> tuple[Pool, Client]:
        if api == ADMIN:
            directory.find_pool(params["UserPoolId"])
        pool, client = directory.find_client(params["ClientId"])
        if api == ADMIN:
            directory.require_pool_match(pool, params["UserPoolId"])
        return pool, client

    def _check_secret_hash(self, client: Client, values: dict[str, str], *names: str) -> None:
        check_secret_hash(client, values.get("SECRET_HASH"), *names)

    def _user_for_sign_in(self, pool: Pool, client: Client, username: str) -> User:
        user = directory.find_user(pool, username)
        if user is None:
            # [ERRORS] LEGACY (the API default) names the missing user; ENABLED hides it.
            if directory.prevents_user_existence_errors(client):
                raise not_authorized(WRONG_PASSWORD)
            raise CognitoError("UserNotFoundException", "User does not exist.")
        self._check_user_can_sign_in(user)
        self._check_not_locked(pool, user)
        return user

    def _check_user_can_sign_in(self, user: User) -> None:
        if not user.enabled:
            raise not_authorized("User is disabled.")
        if user.status == "UNCONFIRMED":
            # [SEEN] ministack PR 1758, measured: refused before the password is checked.
            raise CognitoError("UserNotConfirmedException", "User is not confirmed.")
        if user.status == "RESET_REQUIRED":
            raise CognitoError(
                "PasswordResetRequiredException", "Password reset required for the user"
            )

    def _check_not_locked(self, pool: Pool, user: User) -> None:
        record = self.state.failures.get(_user_key(pool, user))
        now = self.clock.now()
        if record and record.count >= FREE_ATTEMPTS and now < record.locked_until:
            # [FLOW] Refused attempts do not lengthen the lockout, but they are attempts: the
            # fifteen quiet minutes that reset the count start again.
            record.last_attempt_at = now
            raise not_authorized("Password attempts exceeded")

    def _check_password(self, pool: Pool, user: User, correct: bool) -> None:
        """Count failures for the lockout [FLOW]; a correct password clears the count."""
        key = _user_key(pool, user)
        if correct:
            self.state.failures.pop(key, None)
            return
        now = self.clock.now()
        record = self.state.failures.get(key)
        if record is None or record.has_lapsed(now):
            record = self.state.failures[key] = Failures()
        record.count += 1
        record.last_attempt_at = now
        if record.count >= FREE_ATTEMPTS:
            lockout = min(2 ** (record.count - FREE_ATTEMPTS), MAX_LOCKOUT_SECONDS)
            record.locked_until = now + lockout
        raise not_authorized(WRONG_PASSWORD)

    def _after_password(
        self, pool: Pool, client: Client, user: User, device_key: str = ""
    ) -> dict[str, Any]:
        if user.status == "FORCE_CHANGE_PASSWORD":
            # [API] AdminCreateUser with a temporary password: the first sign-in must set one.
            attributes = {
                name: value
                for name, value in directory.user_attributes(user).items()
                if name != "sub"
            }
            session = self._new_session(
                pool, client, user.username, "NEW_PASSWORD_REQUIRED", device_key
            )
            return {
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": session,
                "ChallengeParameters": {
                    "USER_ID_FOR_SRP": user.username,
                    "requiredAttributes": "[]",
                    "userAttributes": json.dumps(attributes),
                },
            }
        return self._mfa_step(pool, client, user, device_key)

    def _mfa_step(
        self, pool: Pool, client: Client, user: User, device_key: str = ""
    ) -> dict[str, Any]:
        """[TOTP] ON: every user needs a factor, so one without gets MFA_SETUP. OPTIONAL: only
        users who enabled TOTP are challenged. OFF: no MFA. [DEVICES] A remembered device may
        skip the code (devices.skips_mfa); a device that does not exist ends the sign-in."""
        if device_key and devices.tracking(pool):
            device = devices.for_sign_in(self.state.devices, pool, user, device_key)
            if devices.skips_mfa(device, pool):
                return self._finish(pool, client, user, device_key)
        mode = directory.mfa_configuration(pool)
        if mode != "OFF" and directory.totp_enabled(user):
            app = self.state.authenticators.get(_user_key(pool, user))
            session = self._new_session(
                pool, client, user.username, "SOFTWARE_TOKEN_MFA", device_key
            )
            return {
                "ChallengeName": "SOFTWARE_TOKEN_MFA",
                "Session": session,
                "ChallengeParameters": {
                    "FRIENDLY_DEVICE_NAME": app.device_name if app else DEFAULT_DEVICE_NAME,
                    "USER_ID_FOR_SRP": user.username,
                },
            }
        if mode == "ON":
            session = self._new_session(pool, client, user.username, "MFA_SETUP", device_key)
            return {
                "ChallengeName": "MFA_SETUP",
                "Session": session,
                # A JSON-encoded list in a string, as amplify-js parses it.
                "ChallengeParameters": {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'},
            }
        return self._finish(pool, client, user, device_key)

    def _finish(self, pool: Pool, client: Client, user: User, device_key: str) -> dict[str, Any]:
        """The end of the password and MFA steps. [DEVICES] A sign-in that named its device now
        proves it (DEVICE_SRP_AUTH); one without a device, in a pool that remembers devices,
        gets tokens and a new device key (NewDeviceMetadata)."""
        if not devices.tracking(pool):
            return self._tokens(pool, client, user)
        if device_key:
            session = self._new_session(pool, client, user.username, "DEVICE_SRP_AUTH", device_key)
            # Inferred: the parameters of this challenge are not published; USERNAME is what
            # amplify-js reads from it.
            return {
                "ChallengeName": "DEVICE_SRP_AUTH",
                "Session": session,
                "ChallengeParameters": {"USERNAME": user.username},
            }
        result = self._tokens(pool, client, user)
        result["AuthenticationResult"]["NewDeviceMetadata"] = devices.issue(
            self.state.devices, pool, user, self.clock.now()
        )
        return result

    # --- DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER ---------------------------------------------

    def _device_challenge(
        self,
        pool: Pool,
        client: Client,
        name: str,
        session_token: str | None,
        answers: dict[str, str],
    ) -> dict[str, Any]:
        """[DEVICES] The device's own SRP: DEVICE_SRP_AUTH sends its SRP_A, DEVICE_PASSWORD_VERIFIER
        its password claim. [SEEN] AWS's Python and Java device examples and pycognito answer
        both without a Session: DEVICE_SRP_AUTH is then matched to the user's pending challenge
        for that device (*inferred*), DEVICE_PASSWORD_VERIFIER to its SECRET_BLOCK."""
        device_key = _required(answers, "DEVICE_KEY")
        username = answers["USERNAME"]
        if name == "DEVICE_SRP_AUTH":
            srp_a = _required(answers, "SRP_A")
            session = (
                self._open_session(session_token, client, name)
                if session_token
                else self._pending_device_session(pool, client, username, device_key)
            )
        else:
            block = _required(answers, "PASSWORD_CLAIM_SECRET_BLOCK")
            signature = _required(answers, "PASSWORD_CLAIM_SIGNATURE")
            timestamp = _required(answers, "TIMESTAMP")
            session = (
                self._open_session(session_token, client, name)
                if session_token
                else self._session_by_secret_block(block, client, name)
            )
        user = self._session_user(pool, session, username)
        self._check_user_can_sign_in(user)
        if session.device_key != device_key:
            raise not_authorized(SESSION_INVALID)  # inferred: the session is another device's
        device = devices.for_sign_in(self.state.devices, pool, user, device_key)
        if name == "DEVICE_SRP_AUTH":
            challenge = devices.start_srp(device, srp_a)
            session.used = True
            token = self._new_session(
                pool, client, user.username, "DEVICE_PASSWORD_VERIFIER", device_key
            )
            self.state.sessions[token].srp_challenge = challenge
            return {
                "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
                "Session": token,
                "ChallengeParameters": devices.challenge_parameters(
                    device, challenge, user.username
                ),
            }
        session.used = True
        challenge = session.srp_challenge
        if challenge is None or not devices.verify_claim(
            device, challenge, block, timestamp, signature
        ):
            # [SEEN] aws/aws-sdk-net-extensions-cognito#73: a wrong device password.
            raise not_authorized(WRONG_PASSWORD)
        device.last_authenticated_at = self.clock.now()
        return self._tokens(pool, client, user)

    def _pending_device_session(
        self, pool: Pool, client: Client, username: str, device_key: str
    ) -> AuthSession:
        """The newest live DEVICE_SRP_AUTH challenge of this client, user and device."""
        user = directory.find_user(pool, username)
        now = self.clock.now()
        for token, session in reversed(self.state.sessions.items()):
            if (
                user is not None
                and session.challenge == "DEVICE_SRP_AUTH"
                and session.client_id == client.id
                and session.username == user.username
                and session.device_key == device_key
                and not session.used
                and now <= session.expires_at()
            ):
                return self._open_session(token, client, "DEVICE_SRP_AUTH")
        raise not_authorized(SESSION_INVALID)

    def _tokens(self, pool: Pool, client: Client, user: User) -> dict[str, Any]:
        self.state.failures.pop(_user_key(pool, user), None)
        result = directory.issue_tokens(pool, client, user, self.clock.now())
        return {"ChallengeParameters": {}, "AuthenticationResult": result}

    # --- sessions ----------------------------------------------------------------------------

    def _new_session(
        self, pool: Pool, client: Client, username: str, challenge: str, device_key: str = ""
    ) -> str:
        token = new_session_string()
        self.state.sessions[token] = AuthSession(
            pool_id=pool.id,
            client_id=client.id,
            username=username,
            challenge=challenge,
            created_at=self.clock.now(),
            validity_s=directory.session_validity_seconds(client),
            device_key=device_key,
        )
        return token

    def _open_session(self, token: str, client: Client | None, challenge: str) -> AuthSession:
        """[FLOW] A session lasts the client's AuthSessionValidity and answers one challenge.
        [SEEN] amplify-js AuthErrorStrings for the two messages."""
        session = self.state.sessions.get(token)
        now = self.clock.now()
        # One the sandbox has not forgotten yet (forget.py) answers as a forgotten one would.
        if (
            session is None
            or not session.remembered(now)
            or (client is not None and session.client_id != client.id)
        ):
            raise not_authorized(SESSION_INVALID)
        if session.used:
            raise not_authorized(SESSION_USED)
        if now > session.expires_at():
            raise not_authorized(SESSION_EXPIRED)
        if session.challenge != challenge:
            # Inferred: the service's wording for a mismatched ChallengeName is not published.
            raise invalid_parameter(
                f"The session is for the {session.challenge} challenge, not {challenge}."
            )
        return session

    def _session_by_secret_block(
        self, block: str, client: Client, challenge_name: str = "PASSWORD_VERIFIER"
    ) -> AuthSession:
        for token, session in self.state.sessions.items():
            challenge = session.srp_challenge
            if challenge is not None and challenge.secret_block_b64 == block:
                return self._open_session(token, client, challenge_name)
        raise not_authorized(SESSION_INVALID)

    def _session_user(self, pool: Pool, session: AuthSession, username: str) -> User:
        user = directory.user_by_username(pool, session.username)
        if directory.find_user(pool, username) is not user:
            raise not_authorized(SESSION_INVALID)
        return user


def check_secret_hash(client: Client, sent: str | None, *names: str) -> None:
    """[API] A client with a secret needs SECRET_HASH = Base64(HMAC-SHA256(secret,
    username + client id)) on every sign-in call, and as SecretHash on SignUp, ForgotPassword
    and the like. [SEEN] amplify-android issue 2504 and laravel-aws-cognito-auth issue 26 quote
    the two messages."""
    secret = directory.client_secret(client)
    if not secret:
        return
    if not sent:
        raise not_authorized(
            f"Client {client.id} is configured with secret but SECRET_HASH was not received"
        )
    for name in names:
        digest = hmac.new(secret.encode(), (name + client.id).encode(), hashlib.sha256)
        if hmac.compare_digest(b64encode(digest.digest()), sent.encode()):
            return
    raise not_authorized(f"Unable to verify secret hash for client {client.id}")


def _check_pool_offers_totp(pool: Pool) -> None:
    """[TOTP] A pool whose SoftwareTokenMfaConfiguration is not enabled gives no secret."""
    if not directory.software_token_mfa_allowed(pool):
        raise CognitoError(
            "SoftwareTokenMFANotFoundException",
            "Software Token MFA has not been enabled by the userPool",
        )


def _check_client_secret(client: Client, sent: str | None) -> None:
    """RevokeToken and GetTokensFromRefreshToken take the client's secret itself."""
    secret = directory.client_secret(client)
    if secret and not hmac.compare_digest((sent or "").encode(), secret.encode()):
        raise not_authorized(f"Unable to verify secret hash for client {client.id}")


def new_session_string() -> str:
    """An opaque Session. Cognito's begin with ``AYABe`` (the Base64 of the header of the
    encrypted message they are: AWS CLI admin-initiate-auth example, answers quoted in issues),
    never with ``-``, which a command line would read as an option (``aws ... --session -x``
    fails to parse)."""
    return SESSION_PREFIX + secrets.token_urlsafe(192)


def _required(values: dict[str, str], name: str) -> str:
    value = values.get(name)
    if not value:
        raise invalid_parameter(f"Missing required parameter {name}")
    return value
