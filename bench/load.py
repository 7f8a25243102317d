"""A workshop: many learners at once on one shared sandbox, each enrolling and signing in.

Every learner (a thread with its own boto3 client, released together) makes the calls the
tutorial teaches, on the public API, against one pool with MFA ON:

  AdminCreateUser, AdminSetUserPassword           (the learner's user)
  InitiateAuth -> MFA_SETUP                        (first sign-in)
  AssociateSoftwareToken -> VerifySoftwareToken    (enrolling an authenticator)
  RespondToAuthChallenge MFA_SETUP -> tokens       (acknowledged: the enrolment must survive)
  InitiateAuth -> SOFTWARE_TOKEN_MFA -> RespondToAuthChallenge -> tokens   (sign-in with MFA)

The enrolment spent this 30 s step's code, so the sign-in uses the next step's code, which the
sandbox accepts (one step ahead), instead of waiting 30 s. Each learner makes a fixed number of
calls with a read timeout, so the run ends by itself. Afterwards every acknowledged enrolment is
looked up (AdminGetUser); with a state file, also after each SIGKILL and restart.
Learners are threads of this one process, so the client side shares two cores and the GIL with
the calls being measured: the latencies are an upper bound on what a room of laptops sees.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
from botocore.exceptions import BotoCoreError, ClientError

from bench import servers

LEARNERS = 50
ROUNDS = 3
STATE_FILE = "workshop-state.pickle"
PASSWORD = "Workshop-pass-1!"
JOIN_TIMEOUT_S = 300


@dataclass
class Learner:
    username: str
    cognito: Any
    latencies: list[float] = field(default_factory=list)
    error: str | None = None
    enrolled: bool = False
    signed_in: bool = False

    def call(self, method: str, **params: Any) -> dict:
        started = time.perf_counter()
        try:
            return getattr(self.cognito, method)(**params)
        finally:
            self.latencies.append(time.perf_counter() - started)


def workshop_pool(server: servers.Server) -> tuple[str, str]:
    cognito = servers.client(server)
    pool_id = cognito.create_user_pool(PoolName="workshop")["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="workshop",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def learn(learner: Learner, pool_id: str, client_id: str, start: threading.Barrier) -> None:
    """One learner's session; any error is recorded and ends it."""
    start.wait(timeout=60)
    user, password = learner.username, {"USERNAME": learner.username, "PASSWORD": PASSWORD}
    try:
        learner.call(
            "admin_create_user", UserPoolId=pool_id, Username=user, MessageAction="SUPPRESS"
        )
        learner.call(
            "admin_set_user_password",
            UserPoolId=pool_id,
            Username=user,
            Password=PASSWORD,
            Permanent=True,
        )
        setup = learner.call(
            "initiate_auth",
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters=password,
        )
        associated = learner.call("associate_software_token", Session=setup["Session"])
        app = pyotp.TOTP(associated["SecretCode"])
        verified = learner.call(
            "verify_software_token", Session=associated["Session"], UserCode=app.now()
        )
        done = learner.call(
            "respond_to_auth_challenge",
            ClientId=client_id,
            ChallengeName="MFA_SETUP",
            Session=verified["Session"],
            ChallengeResponses={"USERNAME": user},
        )
        learner.enrolled = "AuthenticationResult" in done
        challenge = learner.call(
            "initiate_auth",
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters=password,
        )
        answer = learner.call(
            "respond_to_auth_challenge",
            ClientId=client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"],
            ChallengeResponses={
                "USERNAME": user,
                "SOFTWARE_TOKEN_MFA_CODE": app.at(time.time() + 30),
            },
        )
        learner.signed_in = "AuthenticationResult" in answer
    except (ClientError, BotoCoreError, KeyError) as error:
        learner.error = f"{type(error).__name__}: {error}"


def lost_enrolments(server: servers.Server, pool_id: str, learners: list[Learner]) -> set[str]:
    """Learners told their enrolment succeeded whose user or authenticator is not there."""
    cognito = servers.client(server)
    lost = set()
    for learner in learners:
        if not learner.enrolled:
            continue
        try:
            user = cognito.admin_get_user(UserPoolId=pool_id, Username=learner.username)
        except ClientError:
            user = {}
        if "SOFTWARE_TOKEN_MFA" not in user.get("UserMFASettingList", []):
            lost.add(f"{pool_id}/{learner.username}")
    return lost


def workshop(server: servers.Server, learners: int) -> tuple[str, list[Learner], float]:
    pool_id, client_id = workshop_pool(server)
    people = [Learner(f"learner-{i:03d}", servers.client(server)) for i in range(learners)]
    start = threading.Barrier(learners + 1)
    threads = [
        threading.Thread(target=learn, args=(person, pool_id, client_id, start), daemon=True)
        for person in people
    ]
    for thread in threads:
        thread.start()
    start.wait(timeout=60)
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT_S)
    seconds = time.perf_counter() - began
    for person in people:
        if person.error is None and not person.signed_in:
            person.error = "did not finish in time"
    return pool_id, people, seconds


def summary(people: list[Learner], seconds: float, lost: set[str]) -> dict[str, Any]:
    latencies = [sample for person in people for sample in person.latencies]
    errors = [person.error for person in people if person.error]
    return {
        "errors": len(errors),
        "error_samples": errors[:3],
        "lost_users": len(lost),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * servers.percentile(latencies, 0.95), 1),
        "max_ms": round(1000 * max(latencies), 1),
        "calls": len(latencies),
        "seconds": round(seconds, 2),
        "calls_per_s": round(len(latencies) / seconds, 1),
        "sign_ins_per_s": round(sum(person.signed_in for person in people) / seconds, 1),
    }


def save_cost(state_file: Path, repeats: int = 20) -> dict[str, float]:
    """What the persistent sandbox does after each write, timed on the workshop's state: the
    whole directory pickled, written to a temporary file, fsynced, renamed. Loads the state
    into this process's moto (nothing else here uses it)."""
    from cognito_tutorial.sandbox import directory, state

    auth = state.load(state_file).auth
    copy = state_file.with_name("save-cost.pickle")
    started = time.perf_counter()
    for _ in range(repeats):
        state.save(copy, auth)
    saved = time.perf_counter()
    for _ in range(repeats):
        state.serialise({"directory": directory.snapshot(), "auth": auth})
    pickled = time.perf_counter()
    return {
        "load_state_save_ms": round(1000 * (saved - started) / repeats, 2),
        "load_state_pickle_ms": round(1000 * (pickled - saved) / repeats, 2),
    }


def run(state_dir: Path, learners: int = LEARNERS, rounds: int = ROUNDS) -> dict[str, Any]:
    """The workshop on a persistent sandbox (the default mode) and on a `--fresh` one.

    Persistent: `rounds` groups of learners on one state file, the sandbox SIGKILLed after each
    group (no clean shutdown: what was acknowledged must already be on disk) and started again
    from the file, whose state grows from round to round as a day's workshop does. `load_*`
    figures are the persistent sandbox's, over all rounds; `load_fresh_*` the in-memory one's.
    """
    results: dict[str, Any] = {}
    state_file = state_dir / STATE_FILE
    groups: list[tuple[str, list[Learner]]] = []
    seconds, lost, lost_after_restart = 0.0, set(), set()
    for _ in range(rounds + 1):
        server = servers.start_sandbox(state_file)
        try:
            for pool_id, group in groups:  # everything acknowledged before the last SIGKILL
                lost_after_restart |= lost_enrolments(server, pool_id, group)
            if len(groups) == rounds:
                break
            pool_id, group, took = workshop(server, learners)
            lost |= lost_enrolments(server, pool_id, group)
            groups.append((pool_id, group))
            seconds += took
        finally:
            server.kill()
    people = [person for _, group in groups for person in group]
    figures = summary(people, seconds, lost | lost_after_restart)
    results.update({f"load_{key}": value for key, value in figures.items()})
    results["load_learners"] = learners
    results["load_rounds"] = rounds
    results["load_lost_after_restart"] = len(lost_after_restart)
    results["load_state_file_bytes"] = state_file.stat().st_size
    results.update(save_cost(state_file))

    people, seconds, lost = [], 0.0, set()
    with servers.sandbox() as fresh:
        for _ in range(rounds):
            pool_id, group, took = workshop(fresh, learners)
            lost |= lost_enrolments(fresh, pool_id, group)
            people, seconds = people + group, seconds + took
    figures = summary(people, seconds, lost)
    results.update({f"load_fresh_{key}": value for key, value in figures.items()})
    results["load_fresh_learners"] = learners
    return results


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for key, value in run(Path(tmp)).items():
            print(f"{key:32} {value}")
