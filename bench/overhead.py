"""Per-call latency of the sandbox against plain moto's server, measured in the same run.

Three servers, each in its own process: the sandbox in memory (`--fresh`), the sandbox in its
default persistent mode (a state file, saved before every answer that changes something), and
moto's own server with MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP. Each round runs the same calls on
each server in turn, so drift in the machine's speed affects all three alike:

  InitiateAuth (password, no MFA)  ->  tokens                                       [timed]
  a new user signs in, AssociateSoftwareToken, then VerifySoftwareToken (its code)  [timed]
  SetUserMFAPreference, then AdminInitiateAuth  ->  SOFTWARE_TOKEN_MFA              [timed]
  AdminRespondToAuthChallenge with a code  ->  tokens                               [timed]

The sandbox refuses a code twice (RFC 6238 5.2), and the enrolment used the current step's
code, so its answer uses the next step's code (one step ahead is accepted). moto checks the
current step only. Also: the cost of one USER_SRP_AUTH sign-in on the sandbox.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import statistics
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import servers

OPERATIONS = (
    "InitiateAuth",
    "AdminInitiateAuth",
    "AdminRespondToAuthChallenge",
    "VerifySoftwareToken",
)
ROUNDS = 100
WARM_UP_ROUNDS = 3
SRP_SIGN_INS = 20
PASSWORD = "Bench-pass-1!"
FLOWS = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


@dataclass
class Target:
    """One server under measurement, with the pool and users made on it."""

    name: str
    server: servers.Server
    code_step_ahead: int  # 1 on the sandbox (replay protection), 0 on moto
    cognito: Any = None
    pool_id: str = ""
    client_id: str = ""
    samples: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPERATIONS})

    def set_up(self, users: int) -> None:
        self.cognito = servers.client(self.server)
        self.pool_id = self.cognito.create_user_pool(PoolName="bench")["UserPool"]["Id"]
        self.cognito.set_user_pool_mfa_config(
            UserPoolId=self.pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration="OPTIONAL",
        )
        self.client_id = self.cognito.create_user_pool_client(
            UserPoolId=self.pool_id, ClientName="bench", ExplicitAuthFlows=FLOWS
        )["UserPoolClient"]["ClientId"]
        for name in ["plain", *(f"mfa-{i}" for i in range(users))]:
            self.cognito.admin_create_user(
                UserPoolId=self.pool_id, Username=name, MessageAction="SUPPRESS"
            )
            self.cognito.admin_set_user_password(
                UserPoolId=self.pool_id, Username=name, Password=PASSWORD, Permanent=True
            )

    def timed(self, operation: str, call: Callable[[], dict], keep: bool) -> dict:
        started = time.perf_counter()
        response = call()
        if keep:
            self.samples[operation].append(time.perf_counter() - started)
        return response

    def one_round(self, index: int, keep: bool = True) -> None:
        cognito, user = self.cognito, f"mfa-{index}"
        password_auth = {"USERNAME": "plain", "PASSWORD": PASSWORD}
        self.timed(
            "InitiateAuth",
            lambda: cognito.initiate_auth(
                ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=password_auth
            ),
            keep,
        )
        access = cognito.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]["AccessToken"]
        secret = cognito.associate_software_token(AccessToken=access)["SecretCode"]
        code = totp_code(secret, away_from_a_step_edge())
        self.timed(
            "VerifySoftwareToken",
            lambda: cognito.verify_software_token(AccessToken=access, UserCode=code),
            keep,
        )
        cognito.set_user_mfa_preference(
            AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
        )
        challenge = self.timed(
            "AdminInitiateAuth",
            lambda: cognito.admin_initiate_auth(
                UserPoolId=self.pool_id,
                ClientId=self.client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
            ),
            keep,
        )
        assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA", challenge
        code = totp_code(secret, away_from_a_step_edge() + 30 * self.code_step_ahead)
        answer = self.timed(
            "AdminRespondToAuthChallenge",
            lambda: cognito.admin_respond_to_auth_challenge(
                UserPoolId=self.pool_id,
                ClientId=self.client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=challenge["Session"],
                ChallengeResponses={"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": code},
            ),
            keep,
        )
        assert "AuthenticationResult" in answer, answer

    def summary(self) -> dict[str, float]:
        figures = {}
        for operation, samples in self.samples.items():
            figures[f"{operation}_p50_ms"] = round(1000 * statistics.median(samples), 2)
            figures[f"{operation}_p95_ms"] = round(1000 * servers.percentile(samples, 0.95), 2)
        figures["all_p50_ms"] = round(1000 * statistics.median(self.all_samples()), 2)
        return figures

    def all_samples(self) -> list[float]:
        return [sample for samples in self.samples.values() for sample in samples]


def totp_code(secret: str, moment: float) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s). Not pyotp: moto's fixed secret is too short for it."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(moment // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def away_from_a_step_edge() -> float:
    """Now, unless a TOTP step ends within 0.5 s: then just after it, so that a code computed
    here is still the server's current one when the request arrives."""
    now = time.time()
    left = 30 - now % 30
    if left < 0.5:
        time.sleep(left + 0.05)
        now = time.time()
    return now


def srp_cost(target: Target, sign_ins: int = SRP_SIGN_INS) -> dict[str, float]:
    """One USER_SRP_AUTH sign-in: client-side arithmetic (SRP_A, the password claim) and the
    two calls (the server's half: B, then checking the claim)."""
    from cognito_tutorial.srp import SrpSignIn

    client_s, server_s, total_s = [], [], []
    for _ in range(sign_ins):
        started = time.perf_counter()
        srp = SrpSignIn("plain", PASSWORD, target.pool_id, target.client_id)
        sent = time.perf_counter()
        challenge = target.cognito.initiate_auth(
            ClientId=target.client_id,
            AuthFlow="USER_SRP_AUTH",
            AuthParameters=srp.auth_parameters(),
        )
        received = time.perf_counter()
        answers = srp.answer_password_verifier(challenge["ChallengeParameters"])
        answered = time.perf_counter()
        result = target.cognito.respond_to_auth_challenge(
            ClientId=target.client_id,
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=answers,
        )
        done = time.perf_counter()
        assert "AuthenticationResult" in result, result
        client_s.append((sent - started) + (answered - received))
        server_s.append((received - sent) + (done - answered))
        total_s.append(done - started)
    return {
        "srp_sign_in_ms": round(1000 * statistics.median(total_s), 2),
        "srp_client_ms": round(1000 * statistics.median(client_s), 2),
        "srp_calls_ms": round(1000 * statistics.median(server_s), 2),
    }


def run(state_dir: Path, rounds: int = ROUNDS) -> dict[str, Any]:
    """Measure all three servers; `state_dir` holds the persistent sandbox's state file."""
    with (
        servers.sandbox() as fresh,
        servers.sandbox(state_dir / "overhead-state.pickle") as persistent,
        servers.plain_moto() as moto,
    ):
        targets = [
            Target("sandbox_fresh", fresh, code_step_ahead=1),
            Target("sandbox_persistent", persistent, code_step_ahead=1),
            Target("moto", moto, code_step_ahead=0),
        ]
        for target in targets:
            target.set_up(users=rounds + WARM_UP_ROUNDS)
        for index in range(WARM_UP_ROUNDS):
            for target in targets:
                target.one_round(rounds + index, keep=False)
        for index in range(rounds):
            for target in targets:
                target.one_round(index)
        srp = srp_cost(targets[0])
        state_bytes = (state_dir / "overhead-state.pickle").stat().st_size

    by_name = {target.name: target for target in targets}
    moto_median = statistics.median(by_name["moto"].all_samples())
    results: dict[str, Any] = {
        "sandbox_overhead_ratio": round(
            statistics.median(by_name["sandbox_persistent"].all_samples()) / moto_median, 2
        ),
        "sandbox_overhead_ratio_fresh": round(
            statistics.median(by_name["sandbox_fresh"].all_samples()) / moto_median, 2
        ),
        "overhead_rounds": rounds,
        "overhead_state_file_bytes": state_bytes,
        **srp,
    }
    results["srp_extra_ms"] = round(
        srp["srp_sign_in_ms"] - by_name["sandbox_fresh"].summary()["InitiateAuth_p50_ms"], 2
    )
    for target in targets:
        for name, value in target.summary().items():
            results[f"{target.name}_{name}"] = value
    return results


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for key, value in run(Path(tmp), rounds=30).items():
            print(f"{key:55} {value}")
