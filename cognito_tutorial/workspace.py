"""What the tutorial creates (a pool, three app clients, a demo user), set up and cleaned up.

`setup()` is idempotent: it reads the record this backend keeps, checks each resource still
exists, creates only what is missing (saying so), and records the result, so later notebooks find
the same pool and `cleanup()` removes exactly what the tutorial made. Every name starts with
`cognito-tutorial-` and the pool carries the tag `project=cognito-tutorial`; a record naming a
pool without both is never acted on (set-up makes a new pool, clean-up deletes nothing).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import string
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .backend import describe_target

PREFIX = "cognito-tutorial-"
TAG_KEY, TAG_VALUE = "project", "cognito-tutorial"
DEMO_USERNAME = "learner"
MFA_MODES = ("OFF", "OPTIONAL", "ON")
# Cognito's default policy for a pool created through the API, stated so it is visible.
PASSWORD_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
}

# One app client per way of signing in the lessons show. ExplicitAuthFlows match the lesson.
CLIENTS = {
    "public": {
        "ClientName": PREFIX + "public",
        "GenerateSecret": False,
        "ExplicitAuthFlows": [
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    },
    "secret": {
        "ClientName": PREFIX + "with-secret",
        "GenerateSecret": True,
        "ExplicitAuthFlows": [
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    },
    "admin": {
        "ClientName": PREFIX + "server-side",
        "GenerateSecret": False,
        "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    },
}


@dataclass
class Workspace:
    """Ids and names of what the tutorial created on one backend."""

    backend: str
    region: str
    pool_id: str = ""
    pool_name: str = ""
    public_client_id: str = ""
    secret_client_id: str = ""
    secret_client_secret: str = field(default="", repr=False)
    admin_client_id: str = ""
    username: str = DEMO_USERNAME
    password: str = field(default="", repr=False)
    totp_secret: str = field(default="", repr=False)  # the demo user's authenticator, if any


def record_path(cognito: Any) -> Path:
    """Where this backend's workspace record lives (per user, beside the sandbox state)."""
    from .sandbox.paths import state_dir

    target = describe_target(cognito)
    if target.backend == "local":
        name = "workspace-local.json"
    else:
        name = f"workspace-aws-{target.account}-{target.region}.json"
    return state_dir() / name


def load(cognito: Any) -> Workspace | None:
    """The record for this backend, or None if there is none or it cannot be read as one.

    An unreadable record (not JSON, or a value that is not a string) is ignored with one line,
    as if missing: set-up then starts afresh instead of failing in every notebook.
    """
    path = record_path(cognito)
    if not path.exists():
        return None
    known = {f.name for f in fields(Workspace)}
    try:
        data = json.loads(path.read_text())
        kept = {key: value for key, value in data.items() if key in known}
        if not all(isinstance(value, str) for value in kept.values()):
            raise ValueError("a value is not a string")
        return Workspace(**kept)
    except (ValueError, AttributeError, TypeError) as error:
        print(f"The workspace record {path} is unreadable ({error}); ignoring it.", file=sys.stderr)
        return None


def save(cognito: Any, workspace: Workspace) -> None:
    path = record_path(cognito)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(workspace), indent=2))
    os.chmod(tmp, 0o600)  # holds the demo password and the client secret
    os.replace(tmp, path)


def setup(cognito: Any, *, mfa: str = "ON", quiet: bool = False) -> Workspace:
    """The tutorial's pool, app clients and demo user, created if missing; MFA set to `mfa`.

    :param cognito: a client from `connect()`.
    :param mfa: the pool's MfaConfiguration for this lesson: "OFF", "OPTIONAL" or "ON".
    :param quiet: don't print what was created or repaired.
    :returns: the workspace, also saved for the next notebook and for `cleanup()`.
    """
    from .errors import TutorialError

    if mfa not in MFA_MODES:
        raise TutorialError(f"mfa must be one of {', '.join(MFA_MODES)}, not {mfa!r}.")
    target = describe_target(cognito)
    say = (lambda _message: None) if quiet else print
    workspace = load(cognito) or Workspace(target.backend, target.region)
    pool = _describe_pool(cognito, workspace.pool_id) if workspace.pool_id else None
    if workspace.pool_id and pool is None:
        say(f"The recorded pool {workspace.pool_id} no longer exists; creating a new one.")
        workspace = Workspace(target.backend, target.region)
    elif pool is not None and not _made_by_tutorial(pool):
        _warn_foreign(pool, "leaving it alone and creating a new one")
        pool, workspace = None, Workspace(target.backend, target.region)
    if not workspace.pool_id:
        create_pool(cognito, workspace)
        say(f"Created user pool {workspace.pool_name} ({workspace.pool_id}).")
    if (pool or {}).get("DeviceConfiguration"):
        # Lesson 07 turns device tracking on; the other lessons expect a pool without it.
        settings = pool_settings(cognito, pool)
        del settings["DeviceConfiguration"]
        cognito.update_user_pool(**settings)
    if (pool or {}).get("MfaConfiguration", "OFF") != mfa:
        set_mfa(cognito, workspace.pool_id, mfa)
    existing = _client_ids(cognito, workspace.pool_id) if pool else set()
    for role in CLIENTS:
        if getattr(workspace, _client_attr(role)) not in existing:
            create_client(cognito, workspace, role)
            say(f"Created app client {CLIENTS[role]['ClientName']}.")
    if not _user_exists(cognito, workspace):
        with contextlib.suppress(cognito.exceptions.UserNotFoundException):
            # a demo user whose password this record lost: start it again
            cognito.admin_delete_user(UserPoolId=workspace.pool_id, Username=workspace.username)
        create_demo_user(cognito, workspace)
        say(f"Created the demo user '{workspace.username}'.")
    save(cognito, workspace)
    return workspace


def cleanup(cognito: Any, *, quiet: bool = False) -> list[str]:
    """Delete the recorded pool (with its clients and users) and the record; safe to repeat.

    :returns: the ids of the pools deleted (empty when there was nothing to delete).
    """
    workspace = load(cognito)
    pool = _describe_pool(cognito, workspace.pool_id) if workspace and workspace.pool_id else None
    deleted = []
    if pool is not None and not _made_by_tutorial(pool):
        _warn_foreign(pool, "leaving it alone")
    elif pool is not None:
        cognito.delete_user_pool(UserPoolId=workspace.pool_id)
        deleted.append(workspace.pool_id)
        if not quiet:
            print(f"Deleted user pool {workspace.pool_name} ({workspace.pool_id}).")
    elif not quiet:
        print("Nothing to clean up: the tutorial's pool does not exist.")
    record_path(cognito).unlink(missing_ok=True)
    return deleted


def remember_totp_secret(cognito: Any, workspace: Workspace, secret: str) -> None:
    """Keep the demo user's authenticator secret so headless runs can make codes later."""
    workspace.totp_secret = secret
    save(cognito, workspace)


def ensure_totp(
    cognito: Any, workspace: Workspace, *, reveal: bool = False, quiet: bool = False
) -> str | None:
    """Make sure the demo user has an authenticator app, for lessons that start signed up.

    If the user has none (the learner skipped notebook 02), this enrols one
    (:func:`enrol_totp`), records its secret (the demo authenticator and headless runs make
    codes from it), says so and shows the enrolment card: a learner with a phone scans its QR
    code to type codes from the phone. The card hides the QR code and the secret unless
    ``reveal`` (a notebook passes its ``interactive`` parameter: a headless run's saved output
    must hold no secret).

    :param reveal: show the QR code and the secret on the card.
    :param quiet: say nothing, show nothing.
    :returns: the secret, or None when the learner enrolled their own phone in notebook 02.
    """
    user = cognito.admin_get_user(UserPoolId=workspace.pool_id, Username=workspace.username)
    if "SOFTWARE_TOKEN_MFA" in user.get("UserMFASettingList", []):
        if not quiet:
            print(
                f"The demo user '{workspace.username}' already has an authenticator app "
                "(linked in notebook 02): nothing to do."
            )
        return workspace.totp_secret or None
    secret = enrol_totp(cognito, workspace)
    remember_totp_secret(cognito, workspace, secret)
    if not quiet:
        _show_enrolment(workspace.username, secret, reveal=reveal)
    return secret


def _show_enrolment(username: str, secret: str, *, reveal: bool) -> None:
    """Say what ensure_totp did, and show the card an authenticator app reads."""
    from .totp import EnrolmentCard

    print(
        f"The demo user '{username}' had no authenticator app, so one was linked now with the "
        "calls notebook 02 teaches (AdminInitiateAuth, AssociateSoftwareToken, "
        "VerifySoftwareToken, AdminRespondToAuthChallenge). Add it to your authenticator app "
        "to type codes from your phone, or use the demo authenticator the code forms offer."
    )
    card = EnrolmentCard(secret, username, reveal=reveal)
    try:
        from IPython.display import display
    except ImportError:  # outside Jupyter: the card's text says the same
        print(card)
    else:
        display(card)


def enrol_totp(cognito: Any, workspace: Workspace, *, now: Callable[[], float] = time.time) -> str:
    """Enrol an authenticator for the workspace's user with the calls notebook 02 teaches.

    Signs in with AdminInitiateAuth and answers MFA_SETUP (AssociateSoftwareToken,
    VerifySoftwareToken, AdminRespondToAuthChallenge), or, in a pool where MFA is optional,
    enrols with the access token and turns TOTP on. It verifies with the previous 30 s step's
    code, which Cognito still accepts, so the next sign-in can use the current code at once
    instead of waiting for the next one. Records nothing.

    :param now: the clock the authenticator's codes are computed from.
    :returns: the authenticator's secret.
    """
    started = cognito.admin_initiate_auth(
        UserPoolId=workspace.pool_id,
        ClientId=workspace.admin_client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": workspace.username, "PASSWORD": workspace.password},
    )
    if started.get("ChallengeName") == "MFA_SETUP":
        associated = cognito.associate_software_token(Session=started["Session"])
        secret = associated["SecretCode"]
        verified = cognito.verify_software_token(
            Session=associated["Session"], UserCode=_previous_code(secret, now())
        )
        cognito.admin_respond_to_auth_challenge(
            UserPoolId=workspace.pool_id,
            ClientId=workspace.admin_client_id,
            ChallengeName="MFA_SETUP",
            Session=verified["Session"],
            ChallengeResponses={"USERNAME": workspace.username},
        )
    else:
        access_token = started["AuthenticationResult"]["AccessToken"]
        secret = cognito.associate_software_token(AccessToken=access_token)["SecretCode"]
        cognito.verify_software_token(
            AccessToken=access_token, UserCode=_previous_code(secret, now())
        )
        cognito.set_user_mfa_preference(
            AccessToken=access_token,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
    return secret


def _previous_code(secret: str, now: float) -> str:
    import pyotp

    totp = pyotp.TOTP(secret)
    return totp.at(now - totp.interval)


# --- the parts ---------------------------------------------------------------------------


def _describe_pool(cognito: Any, pool_id: str) -> dict[str, Any] | None:
    """DescribeUserPool's pool, or None when it no longer exists."""
    try:
        return cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    except cognito.exceptions.ResourceNotFoundException:
        return None


def is_tutorial_pool(name: str, tags: dict[str, str]) -> bool:
    """True only for a pool with the tutorial's name prefix and its project tag."""
    return name.startswith(PREFIX) and tags.get(TAG_KEY) == TAG_VALUE


def _made_by_tutorial(pool: dict[str, Any]) -> bool:
    """The pool has the tutorial's name prefix and tag: a record may name no other pool.

    A record is a file anyone with the learner's account can edit; this keeps an edited one
    from making set-up reconfigure, or clean-up delete, a pool the tutorial never made.
    """
    return is_tutorial_pool(pool["Name"], pool.get("UserPoolTags") or {})


def _warn_foreign(pool: dict[str, Any], action: str) -> None:
    """One line, even when quiet: an edited or foreign record is worth knowing about."""
    missing = []
    if not pool["Name"].startswith(PREFIX):
        missing.append(f"no {PREFIX} name")
    if (pool.get("UserPoolTags") or {}).get(TAG_KEY) != TAG_VALUE:
        missing.append(f"no tag {TAG_KEY}={TAG_VALUE}")
    print(
        f"The workspace record names pool {pool['Name']} ({pool['Id']}), which this tutorial "
        f"did not create ({', '.join(missing)}); {action}.",
        file=sys.stderr,
    )


def create_pool(
    cognito: Any, workspace: Workspace, *, name: str = "", tags: dict[str, str] | None = None
) -> None:
    """A tagged pool with Cognito's default password policy, recorded in `workspace`."""
    name = name or PREFIX + secrets.token_hex(3)
    pool = cognito.create_user_pool(
        PoolName=name,
        UserPoolTags={TAG_KEY: TAG_VALUE, **(tags or {})},
        Policies={"PasswordPolicy": PASSWORD_POLICY},
    )["UserPool"]
    workspace.pool_id, workspace.pool_name = pool["Id"], name


def set_mfa(cognito: Any, pool_id: str, mfa: str) -> None:
    """Set the pool's MfaConfiguration (OFF, OPTIONAL or ON), with TOTP as its MFA."""
    options: dict[str, Any] = {"UserPoolId": pool_id, "MfaConfiguration": mfa}
    if mfa != "OFF":
        options["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    cognito.set_user_pool_mfa_config(**options)


def pool_settings(cognito: Any, pool: dict[str, Any]) -> dict[str, Any]:
    """UpdateUserPool's arguments that leave `pool` as it is, to change one setting among them.

    UpdateUserPool sets every setting it is not given back to its default (API reference), so a
    call meant to change one setting sends all the others too: each member of UpdateUserPool's
    request that DescribeUserPool returned, less deprecated ones it still reports.

    :param cognito: a client from `connect()` (its API model names the members).
    :param pool: DescribeUserPool's ``UserPool``.
    :returns: keyword arguments for ``cognito.update_user_pool``, ``UserPoolId`` included.
    """
    members = cognito.meta.service_model.operation_model("UpdateUserPool").input_shape.members
    settings = {name: pool[name] for name in members if name in pool}
    settings["UserPoolId"] = pool["Id"]
    admin_create_user = settings.get("AdminCreateUserConfig") or {}
    if "UnusedAccountValidityDays" in admin_create_user:
        # Deprecated for PasswordPolicy's TemporaryPasswordValidityDays, and refused beside it.
        settings["AdminCreateUserConfig"] = {
            key: value
            for key, value in admin_create_user.items()
            if key != "UnusedAccountValidityDays"
        }
    if "VerificationMessageTemplate" in settings:
        # The template replaced these three; sending both could disagree.
        for key in (
            "EmailVerificationMessage",
            "EmailVerificationSubject",
            "SmsVerificationMessage",
        ):
            settings.pop(key, None)
    return settings


def _client_attr(role: str) -> str:
    return f"{role}_client_id"


def _client_ids(cognito: Any, pool_id: str) -> set[str]:
    """The ids of the pool's app clients (the tutorial's pool has three)."""
    listed = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)
    return {client["ClientId"] for client in listed["UserPoolClients"]}


def create_client(cognito: Any, workspace: Workspace, role: str) -> None:
    """The app client for `role` (a key of CLIENTS), recorded in `workspace`."""
    created = cognito.create_user_pool_client(UserPoolId=workspace.pool_id, **CLIENTS[role])
    client = created["UserPoolClient"]
    setattr(workspace, _client_attr(role), client["ClientId"])
    if role == "secret":
        workspace.secret_client_secret = client["ClientSecret"]


def _user_exists(cognito: Any, workspace: Workspace) -> bool:
    if not workspace.password:
        return False
    try:
        cognito.admin_get_user(UserPoolId=workspace.pool_id, Username=workspace.username)
        return True
    except cognito.exceptions.UserNotFoundException:
        return False


def create_demo_user(cognito: Any, workspace: Workspace) -> None:
    """The demo user, confirmed, with a new random password, recorded in `workspace`."""
    workspace.password = new_password()
    workspace.totp_secret = ""
    cognito.admin_create_user(
        UserPoolId=workspace.pool_id,
        Username=workspace.username,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": "learner@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    cognito.admin_set_user_password(
        UserPoolId=workspace.pool_id,
        Username=workspace.username,
        Password=workspace.password,
        Permanent=True,
    )


def new_password() -> str:
    """A random password that meets Cognito's default policy (upper, lower, digit, symbol)."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(14))
    return f"Tt{core}7!"
