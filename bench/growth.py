"""Does the 5,000th sign-in cost what the 10th did, and what does a room's state cost to save?

Growth: two sandbox processes, each with its own state file and virtual clock
(``--clock-file``), each with one user who signs in with USER_PASSWORD_AUTH: on the young one
10 times, on the old one 5,000 times, its clock moving on by more than an hour every BATCH
sign-ins, past the tokens' expiry, as days pass on a learner's laptop. Both clocks then move on
once more, and the sandbox forgets what expired (sandbox/forget.py). Measured then: each state
file's size, and WINDOW more sign-ins on each, alternating between the two so that the
machine's drift (other work on it) slows both alike, as in bench/overhead.py.

Room: 100 attendees' pools as `provision` makes them, each with MFA ON, the demo user's
authenticator enrolled and a second user, then a day of sign-ins (30 each, with a TOTP code,
every 16 minutes of the sandbox's clock), on an in-memory sandbox in this process. Then the
save the persistent sandbox makes after every write, timed on that state.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import pyotp

from bench import servers

SIGN_INS = 5000
EARLY = 10
WINDOW = 100
BATCH = 500
PAST_THE_TOKENS_HOUR_S = 3700
PASSWORD = "Bench-pass-1!"

ATTENDEES = 100
SIGN_INS_PER_ATTENDEE = 30
BETWEEN_SIGN_INS_S = 16 * 60
SAVES = 20


class SigningIn:
    """One sandbox process with a state file and a clock file, and its one user."""

    def __init__(self, server: servers.Server, folder: Path) -> None:
        self.state_file, self.clock_file = folder / "state.pickle", folder / "clock"
        self.cognito = servers.client(server)
        pool_id = self.cognito.create_user_pool(PoolName="growth")["UserPool"]["Id"]
        self.client_id = self.cognito.create_user_pool_client(
            UserPoolId=pool_id, ClientName="growth", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        self.cognito.admin_create_user(
            UserPoolId=pool_id, Username="user", MessageAction="SUPPRESS"
        )
        self.cognito.admin_set_user_password(
            UserPoolId=pool_id, Username="user", Password=PASSWORD, Permanent=True
        )
        self.sign_ins = 0

    @classmethod
    def start(cls, folder: Path) -> tuple[servers.Server, SigningIn]:
        folder.mkdir(parents=True, exist_ok=True)
        server = servers.start_sandbox(folder / "state.pickle", clock_file=folder / "clock")
        try:
            return server, cls(server, folder)
        except BaseException:
            server.stop()
            raise

    def sign_in(self) -> float:
        """One InitiateAuth with the password; its seconds."""
        started = time.perf_counter()
        self.cognito.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "user", "PASSWORD": PASSWORD},
        )
        self.sign_ins += 1
        return time.perf_counter() - started

    def advance(self, seconds: float) -> None:
        from cognito_tutorial.sandbox.clock import read_offset, write_offset

        write_offset(self.clock_file, read_offset(self.clock_file) + seconds)

    def state_bytes(self) -> int:
        return self.state_file.stat().st_size


def growth(work: Path) -> dict[str, Any]:
    """Latency and state size after EARLY and after SIGN_INS sign-ins of one user."""
    started: list[servers.Server] = []
    try:
        server, young = SigningIn.start(work / "growth-young")
        started.append(server)
        server, old = SigningIn.start(work / "growth-old")
        started.append(server)
        while young.sign_ins < EARLY:
            young.sign_in()
        while old.sign_ins < SIGN_INS:
            if old.sign_ins % BATCH == 0:
                old.advance(PAST_THE_TOKENS_HOUR_S)
            old.sign_in()
        live_batch_bytes = old.state_bytes()
        for sandbox in (young, old):
            sandbox.advance(PAST_THE_TOKENS_HOUR_S)
            sandbox.sign_in()  # a write: the sandbox forgets what expired, then saves
        young_bytes, old_bytes = young.state_bytes(), old.state_bytes()
        samples: dict[str, list[float]] = {"young": [], "old": []}
        for round_number in range(WINDOW):
            pair = [("young", young), ("old", old)]
            for name, sandbox in pair if round_number % 2 else reversed(pair):
                samples[name].append(sandbox.sign_in())
    finally:
        for server in started:
            server.stop()
    young_p50, old_p50 = (statistics.median(samples[name]) for name in ("young", "old"))
    return {
        "growth_sign_ins": SIGN_INS,
        "growth_p50_ms_after_10": round(1000 * young_p50, 2),
        "growth_p50_ms_after_5000": round(1000 * old_p50, 2),
        "growth_latency_ratio": round(old_p50 / young_p50, 2),
        "growth_state_bytes_after_10": young_bytes,
        "growth_state_bytes_after_5000": old_bytes,
        "state_bytes_per_sign_in": round((old_bytes - young_bytes) / (SIGN_INS - EARLY), 1),
        "growth_bytes_per_live_sign_in": round((live_batch_bytes - old_bytes) / BATCH, 1),
    }


def room(work: Path) -> dict[str, Any]:
    """A room's day on an in-memory sandbox in this process, then its save, timed."""
    from cognito_tutorial.sandbox import directory, state
    from cognito_tutorial.sandbox.clock import ManualClock
    from cognito_tutorial.sandbox.server import serve_in_thread

    clock = ManualClock()
    running = serve_in_thread(clock=clock)
    try:
        cognito = servers.client(servers.Server(running.url, None, running.app.credentials))
        attendees = [attendee(cognito, clock, number) for number in range(1, ATTENDEES + 1)]
        for _ in range(SIGN_INS_PER_ATTENDEE):
            clock.advance(BETWEEN_SIGN_INS_S)
            for space, app in attendees:
                sign_in_with_mfa(cognito, space, app, clock)
        auth = running.app.auth.state
        path = work / "room" / "state.pickle"
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        for _ in range(SAVES):
            state.save(path, auth)
        save_s = (time.perf_counter() - started) / SAVES
        started = time.perf_counter()
        for _ in range(SAVES):
            state.serialise({"directory": directory.snapshot(), "auth": auth})
        pickle_s = (time.perf_counter() - started) / SAVES
        pools = [directory.find_pool(space.pool_id) for space, _ in attendees]
    finally:
        running.stop()
    return {
        "room_attendees": ATTENDEES,
        "room_sign_ins": ATTENDEES * SIGN_INS_PER_ATTENDEE,
        "room_state_bytes": path.stat().st_size,
        "room_save_ms": round(1000 * save_s, 2),
        "room_pickle_ms": round(1000 * pickle_s, 2),
        "room_live_access_tokens": sum(len(pool.access_tokens) for pool in pools),
        "room_sessions": len(auth.sessions),
    }


def attendee(cognito: Any, clock: Any, number: int) -> tuple[Any, pyotp.TOTP]:
    """An attendee's pool as `provision` makes it, MFA ON, the demo user enrolled, one more
    user as the lessons add; the workspace and the demo user's authenticator."""
    from cognito_tutorial import workspace

    space = workspace.Workspace("local", "us-east-1")
    workspace.create_pool(cognito, space, name=f"cognito-tutorial-bench-room-{number:03d}")
    for role in workspace.CLIENTS:
        workspace.create_client(cognito, space, role)
    workspace.create_demo_user(cognito, space)
    cognito.admin_create_user(UserPoolId=space.pool_id, Username="sam", MessageAction="SUPPRESS")
    cognito.set_user_pool_mfa_config(
        UserPoolId=space.pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    setup = cognito.initiate_auth(
        ClientId=space.public_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": space.username, "PASSWORD": space.password},
    )
    associated = cognito.associate_software_token(Session=setup["Session"])
    app = pyotp.TOTP(associated["SecretCode"])
    verified = cognito.verify_software_token(
        Session=associated["Session"], UserCode=app.at(clock.now())
    )
    cognito.respond_to_auth_challenge(
        ClientId=space.public_client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": space.username},
    )
    return space, app


def sign_in_with_mfa(cognito: Any, space: Any, app: pyotp.TOTP, clock: Any) -> None:
    challenge = cognito.initiate_auth(
        ClientId=space.public_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": space.username, "PASSWORD": space.password},
    )
    answer = cognito.respond_to_auth_challenge(
        ClientId=space.public_client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={
            "USERNAME": space.username,
            "SOFTWARE_TOKEN_MFA_CODE": app.at(clock.now()),
        },
    )
    assert "AuthenticationResult" in answer, answer


def run(work: Path) -> dict[str, Any]:
    return growth(work) | room(work)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for key, value in run(Path(tmp)).items():
            print(f"{key:36} {value}")
