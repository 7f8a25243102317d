"""Pre-flight check of the local sandbox: it answers, and a complete TOTP MFA sign-in passes.

The drill makes what a learner's notebooks make, with the workspace's own functions, in a
throwaway pool: a pool with MFA on, app clients and a user, an authenticator enrolled as
notebook 02 enrols one, then a sign-in answered with a code as notebook 03 answers it.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from typing import Any

from cognito_tutorial.backend import describe_target
from cognito_tutorial.instructor.preflight import FAIL, OK, Check
from cognito_tutorial.workspace import (
    PREFIX,
    Workspace,
    create_client,
    create_demo_user,
    create_pool,
    enrol_totp,
    set_mfa,
)


class DrillFailed(RuntimeError):
    """A step of the MFA sign-in drill did not answer as Cognito does; the message names it."""


def mfa_sign_in_drill(cognito: Any, *, now: Callable[[], float] = time.time) -> list[str]:
    """Create a throwaway pool, enrol an authenticator, and sign in with a TOTP code.

    The enrolment is ``workspace.enrol_totp`` (AdminInitiateAuth → MFA_SETUP,
    AssociateSoftwareToken, VerifySoftwareToken, AdminRespondToAuthChallenge); the sign-in is
    InitiateAuth answered with a code (SOFTWARE_TOKEN_MFA). The pool carries the tutorial's
    prefix and tag, so `cleanup` finds it if this is interrupted; it is deleted at the end
    either way.

    :param cognito: a client from ``connect`` (meant for the local sandbox: this creates a pool).
    :param now: the clock the authenticator codes are computed from.
    :returns: the steps that passed, in order.
    :raises DrillFailed: naming the step that went wrong and what came back.
    """
    import pyotp

    target = describe_target(cognito)
    drill = Workspace(target.backend, target.region)
    create_pool(
        cognito, drill, name=f"{PREFIX}check-{uuid.uuid4().hex[:6]}", tags={"purpose": "check"}
    )
    steps: list[str] = []
    try:
        set_mfa(cognito, drill.pool_id, "ON")
        for role in ("public", "admin"):
            create_client(cognito, drill, role)
        create_demo_user(cognito, drill)
        steps.append("Pool with MFA on, app clients, user")
        secret = enrol_totp(cognito, drill, now=now)
        steps.append("MFA_SETUP: AssociateSoftwareToken, VerifySoftwareToken → tokens")
        again = cognito.initiate_auth(
            ClientId=drill.public_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": drill.username, "PASSWORD": drill.password},
        )
        _expect(
            again.get("ChallengeName") == "SOFTWARE_TOKEN_MFA", "InitiateAuth → MFA code", again
        )
        # The enrolment used the previous time step's code, so this step's is still unspent.
        signed_in = cognito.respond_to_auth_challenge(
            ClientId=drill.public_client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=again["Session"],
            ChallengeResponses={
                "USERNAME": drill.username,
                "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).at(now()),
            },
        )
        _expect("AuthenticationResult" in signed_in, "SOFTWARE_TOKEN_MFA", signed_in)
        steps.append("InitiateAuth → SOFTWARE_TOKEN_MFA → tokens")
    except cognito.exceptions.ClientError as error:
        raise DrillFailed(f"after {len(steps)} step(s) Cognito answered {error}") from error
    except KeyError as error:
        raise DrillFailed(f"after {len(steps)} step(s) an answer had no {error}") from error
    finally:
        with contextlib.suppress(cognito.exceptions.ClientError):  # cleanup finds it by its tag
            cognito.delete_user_pool(UserPoolId=drill.pool_id)
    return steps


def _expect(condition: bool, step: str, response: dict[str, Any]) -> None:
    if not condition:
        keys = sorted(key for key in response if key != "ResponseMetadata")
        raise DrillFailed(f"{step}: unexpected answer with keys {keys}")


def check_sandbox(cognito: Any, *, now: Callable[[], float] = time.time) -> list[Check]:
    """The sandbox answers, and a complete MFA sign-in passes on it.

    :param cognito: a client from ``connect("local")``: the sandbox is already started.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    target = describe_target(cognito)
    rows = [Check("Sandbox", OK, f"answering: {target.sandbox_description()}")]
    started = time.monotonic()
    try:
        steps = mfa_sign_in_drill(cognito, now=now)
    except (DrillFailed, BotoCoreError, ClientError) as error:
        rows.append(
            Check(
                "MFA sign-in",
                FAIL,
                f"{error}. Restart the sandbox (`python -m cognito_tutorial sandbox --stop`, "
                "then run the check again); if it persists, see docs/sandbox.md.",
            )
        )
        return rows
    elapsed_ms = (time.monotonic() - started) * 1000
    rows.append(
        Check("MFA sign-in", OK, f"{len(steps)} steps, enrolment to tokens, in {elapsed_ms:.0f} ms")
    )
    return rows
