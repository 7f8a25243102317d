"""Requests that arrive together: one TOTP code used twice at once, one user signing in from
many places at once. The sandbox serialises requests with one lock; these tests check that what
the lock protects (replay protection, single-use sessions, the failure count) holds."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError
from support import PASSWORD, client_for


def all_at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in parallel threads released together; each result or its ClientError."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        start.wait(timeout=10)
        try:
            return call()
        except ClientError as error:
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as threads:
        return list(threads.map(run, calls))


def outcome(result: object) -> str:
    """ "tokens", the challenge's name, or the error's code."""
    if isinstance(result, ClientError):
        return result.response["Error"]["Code"]
    return "tokens" if "AuthenticationResult" in result else result["ChallengeName"]


def message(result: object) -> str:
    return result.response["Error"]["Message"] if isinstance(result, ClientError) else ""


def answer_call(pool, client, user: str, session: str, code: str) -> Callable[[], dict]:
    return lambda: client.admin_respond_to_auth_challenge(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=session,
        ChallengeResponses={"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": code},
    )


def sign_in_call(pool, client, user: str, password: str = PASSWORD) -> Callable[[], dict]:
    return lambda: client.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": password},
    )


@pytest.mark.parametrize(
    ("sessions", "loser"),
    [("two sign-ins", "ExpiredCodeException"), ("one sign-in", "NotAuthorizedException")],
)
def test_one_code_sent_twice_at_once_succeeds_once(sandbox_url, make_pool, clock, sessions, loser):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    authenticator = pool.enrol_totp(user, clock)
    clients = [client_for(sandbox_url) for _ in range(2)]
    for _ in range(5):  # a fresh time step each round
        clock.advance(30)
        first = pool.sign_in(user)["Session"]
        second = pool.sign_in(user)["Session"] if sessions == "two sign-ins" else first
        code = authenticator.at(clock.now())
        results = all_at_once(
            [
                answer_call(pool, clients[0], user, first, code),
                answer_call(pool, clients[1], user, second, code),
            ]
        )
        assert sorted(map(outcome, results)) == sorted(["tokens", loser])


def test_concurrent_sign_ins_of_one_user_keep_its_state(sandbox_url, make_pool, clock):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    authenticator = pool.enrol_totp(user, clock)
    clients = [client_for(sandbox_url) for _ in range(8)]

    # Eight sign-ins at once: eight distinct challenges.
    clock.advance(30)
    challenges = all_at_once([sign_in_call(pool, client, user) for client in clients])
    assert [outcome(result) for result in challenges] == ["SOFTWARE_TOKEN_MFA"] * 8
    sessions = {result["Session"] for result in challenges}
    assert len(sessions) == 8

    # All eight answered with one code at once: one wins, the code is spent for the others.
    code = authenticator.at(clock.now())
    answers = all_at_once(
        [answer_call(pool, c, user, s, code) for c, s in zip(clients, sessions, strict=True)]
    )
    assert Counter(map(outcome, answers)) == {"tokens": 1, "ExpiredCodeException": 7}

    # Eight wrong passwords at once: each counted, none lost, so the lockout starts at five.
    wrong = all_at_once([sign_in_call(pool, client, user, "Wrong-pass1!") for client in clients])
    assert Counter(map(message, wrong)) == {
        "Incorrect username or password.": 5,
        "Password attempts exceeded": 3,
    }
    with pytest.raises(ClientError, match="Password attempts exceeded"):
        sign_in_call(pool, clients[0], user)()
    clock.advance(2)  # the first lockout lasts one second

    # The user is whole: the right password, then the next code, sign in as before.
    clock.advance(30)
    challenge = pool.sign_in(user)
    final = answer_call(pool, clients[0], user, challenge["Session"], authenticator.at(clock.now()))
    assert "AuthenticationResult" in final()
    settings = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=user)
    assert settings["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def test_concurrent_password_sign_ins_all_get_working_tokens(sandbox_url, make_pool):
    """Twenty sign-ins of one user at once: twenty distinct token sets, each accepted."""
    pool = make_pool()
    user = pool.create_user()
    clients = [client_for(sandbox_url) for _ in range(20)]
    results = all_at_once([sign_in_call(pool, client, user) for client in clients])
    tokens = [result["AuthenticationResult"]["AccessToken"] for result in results]
    assert len(set(tokens)) == 20
    for client, token in zip(clients, tokens, strict=True):
        assert client.get_user(AccessToken=token)["Username"] == user
