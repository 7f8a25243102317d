"""Throwaway users for making mistakes on purpose (lessons 04 and 04b), each with its own
password and its own authenticator app.

Mistakes have consequences in Cognito: wrong passwords count towards a lockout, and an accepted
code is spent. So the lessons on errors practise on users of their own and leave the demo user
alone. A practice user's "authenticator app" is a ``pyotp.TOTP``: it computes the codes a phone
would from the same secret. Creating one is set-up, not the lesson, so it lives here; a learner
can read it with ``practice_users.create??``. It uses the calls lessons 01 and 02 teach.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import pyotp

from cognito_tutorial.forms.answers import signed_in_user
from cognito_tutorial.workspace import Workspace, new_password

__all__ = ["PASSWORD", "PracticeUser", "create", "delete", "mistype", "report"]

PASSWORD = new_password()
"""Every practice user's password: random, one per kernel, never the demo user's."""


@dataclass(frozen=True)
class PracticeUser:
    """A practice user: name, authenticator app, and the code that linked the app (its
    password is :data:`PASSWORD`). The app's secret is not shown in the user's repr."""

    username: str
    app: pyotp.TOTP = field(repr=False)
    link_code: str = field(repr=False)


def create(
    cognito: Any,
    workspace: Workspace,
    username: str,
    *,
    link_with: Literal["previous code", "current code"] = "previous code",
    now: Callable[[], float] = time.time,
) -> PracticeUser:
    """A new user with :data:`PASSWORD` and a linked authenticator app, in the tutorial's pool.

    An older user of the same name is deleted first, so a lesson's cell can be run again. The
    user is created confirmed (AdminCreateUser, AdminSetUserPassword) and signs in once through
    the server-side app client, answering MFA_SETUP as lesson 02 does (AssociateSoftwareToken,
    VerifySoftwareToken, AdminRespondToAuthChallenge).

    :param link_with: which code links the app. Cognito accepts a code up to 30 s after its time
        step, so by default the app is linked with the *previous* step's code, which leaves the
        code the app shows now unused, ready for the first sign-in. ``"current code"`` links it
        as a person would, with the code on the screen (lesson 04, section 3, shows why that
        matters).
    :param now: the clock the app's codes are computed from.
    """
    delete(cognito, workspace, [username])
    cognito.admin_create_user(
        UserPoolId=workspace.pool_id, Username=username, MessageAction="SUPPRESS"
    )
    cognito.admin_set_user_password(
        UserPoolId=workspace.pool_id, Username=username, Password=PASSWORD, Permanent=True
    )
    setup = cognito.admin_initiate_auth(
        UserPoolId=workspace.pool_id,
        ClientId=workspace.admin_client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    associated = cognito.associate_software_token(Session=setup["Session"])
    app = pyotp.TOTP(associated["SecretCode"])
    when = now() - app.interval if link_with == "previous code" else now()
    link_code = app.at(when)
    verified = cognito.verify_software_token(Session=associated["Session"], UserCode=link_code)
    cognito.admin_respond_to_auth_challenge(
        UserPoolId=workspace.pool_id,
        ClientId=workspace.admin_client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": username},
    )
    return PracticeUser(username, app, link_code)


def delete(cognito: Any, workspace: Workspace, usernames: Iterable[str]) -> list[str]:
    """Delete the practice users that exist (AdminDeleteUser); returns those deleted."""
    deleted = []
    for username in usernames:
        try:
            cognito.admin_delete_user(UserPoolId=workspace.pool_id, Username=username)
        except cognito.exceptions.UserNotFoundException:
            continue
        deleted.append(username)
    return deleted


def mistype(code: str) -> str:
    """``code`` with its last digit one off: the typing slip the lessons make on purpose."""
    return code[:5] + str((int(code[5]) + 1) % 10)


def report(response: dict[str, Any]) -> None:
    """Print one line about a sign-in response: who is signed in, or the next challenge."""
    if "AuthenticationResult" in response:
        print(f"Signed in as {signed_in_user(response)}: Cognito returned the tokens.")
    else:
        print(f"Cognito asks for {response['ChallengeName']} next.")
