"""Forgetting (sandbox/forget.py): the sandbox drops what Cognito would no longer honour, and
what it dropped answers as it did before: a forgotten token as an expired one.

Over HTTP against the in-thread sandbox. The forgetting pass runs on a request that changes
something, at most once a minute of the sandbox's clock; `a_write` makes such a request.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import jwt
import pytest
from expect import cognito_error
from support import ALL_FLOWS, PoolUnderTest, client_for

from cognito_tutorial.sandbox import directory
from cognito_tutorial.sandbox.auth import LOCKOUT_RESET_SECONDS, SESSION_MEMORY_SECONDS
from cognito_tutorial.sandbox.clock import ManualClock
from cognito_tutorial.sandbox.forget import FORGET_EVERY_SECONDS
from cognito_tutorial.sandbox.server import serve_in_thread

HOUR = 60 * 60
DAY = 24 * HOUR


def a_write(pool: PoolUnderTest) -> None:
    """A request that changes something, so that the forgetting pass runs if it is due."""
    pool.cognito.create_group(UserPoolId=pool.pool_id, GroupName=f"g-{uuid.uuid4().hex[:8]}")


def refresh(pool: PoolUnderTest, refresh_token: str) -> dict:
    return pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )


def new_pool(cognito, **client_options) -> PoolUnderTest:
    """A pool with one app client made with `client_options`, on the sandbox `cognito` calls."""
    pool_id = cognito.create_user_pool(PoolName=f"forget-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="forgetting", ExplicitAuthFlows=ALL_FLOWS, **client_options
    )["UserPoolClient"]
    return PoolUnderTest(cognito, pool_id, client["ClientId"], None)


def test_an_expired_access_token_is_forgotten_and_still_answers_expired(make_pool, clock):
    pool = make_pool()
    user = pool.create_user()
    old = pool.sign_in(user)["AuthenticationResult"]
    held = directory.find_pool(pool.pool_id)
    assert old["AccessToken"] in held.access_tokens
    assert not held.id_tokens  # nothing reads moto's record of ID tokens: never kept

    clock.advance(HOUR + 1)
    new = pool.sign_in(user)["AuthenticationResult"]  # a write: the pass runs
    assert old["AccessToken"] not in held.access_tokens
    with cognito_error("NotAuthorizedException", "Access Token has expired"):
        pool.cognito.get_user(AccessToken=old["AccessToken"])
    # The live token, issued after the jump, is kept and works.
    assert new["AccessToken"] in held.access_tokens
    assert pool.cognito.get_user(AccessToken=new["AccessToken"])["Username"] == user


def test_tokens_are_dated_by_the_sandbox_clock(make_pool, clock):
    """A token issued after the clock moved on is born live, not expired by the wall clock."""
    pool = make_pool()
    user = pool.create_user()
    clock.advance(3 * HOUR)
    tokens = pool.sign_in(user)["AuthenticationResult"]
    claims = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})
    assert abs(claims["iat"] - clock.now()) <= 1
    assert claims["exp"] == claims["iat"] + HOUR
    assert pool.cognito.get_user(AccessToken=tokens["AccessToken"])["Username"] == user


def test_a_revoked_access_token_answers_expired_once_it_would_have_expired(make_pool, clock):
    pool = make_pool()
    user = pool.create_user()
    tokens = pool.sign_in(user)["AuthenticationResult"]
    pool.cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.client_id)
    with cognito_error("NotAuthorizedException", "Access Token has been revoked"):
        pool.cognito.get_user(AccessToken=tokens["AccessToken"])
    clock.advance(HOUR + 1)
    with cognito_error("NotAuthorizedException", "Access Token has expired"):
        pool.cognito.get_user(AccessToken=tokens["AccessToken"])


def test_a_revoked_refresh_token_is_refused_while_live_then_forgotten(cognito, clock):
    an_hour = {"RefreshTokenValidity": 60, "TokenValidityUnits": {"RefreshToken": "minutes"}}
    pool = new_pool(cognito, **an_hour)
    user = pool.create_user()
    token = pool.sign_in(user)["AuthenticationResult"]["RefreshToken"]
    held = directory.find_pool(pool.pool_id).refresh_tokens
    pool.cognito.revoke_token(Token=token, ClientId=pool.client_id)

    clock.advance(59 * 60)
    a_write(pool)
    assert token in held and held[token] is None  # the revocation still matters
    with cognito_error("NotAuthorizedException", "Refresh Token has been revoked"):
        refresh(pool, token)

    clock.advance(2 * 60)
    a_write(pool)
    assert token not in held
    with cognito_error("NotAuthorizedException", "Refresh Token has expired"):
        refresh(pool, token)


def test_a_refresh_token_lasts_its_clients_validity_thirty_days_by_default(make_pool, clock):
    pool = make_pool()
    user = pool.create_user()
    token = pool.sign_in(user)["AuthenticationResult"]["RefreshToken"]
    clock.advance(30 * DAY - 60)
    assert "AccessToken" in refresh(pool, token)["AuthenticationResult"]
    clock.advance(2 * 60)
    with cognito_error("NotAuthorizedException", "Refresh Token has expired"):
        refresh(pool, token)
    with cognito_error("NotAuthorizedException", "Invalid Refresh Token."):
        refresh(pool, "not-a-token")


def test_refresh_tokens_keep_nothing_but_one_sign_out_marker_per_user(make_pool):
    pool = make_pool()
    user = pool.create_user()
    tokens = [pool.sign_in(user)["AuthenticationResult"]["RefreshToken"] for _ in range(5)]
    held = directory.find_pool(pool.pool_id).refresh_tokens
    assert len(held) == 1 and not set(tokens) & set(held)
    for token in tokens:
        assert "AccessToken" in refresh(pool, token)["AuthenticationResult"]


@pytest.mark.parametrize("admin", [False, True], ids=["GlobalSignOut", "AdminUserGlobalSignOut"])
def test_sign_out_revokes_earlier_refresh_tokens_only(make_pool, admin):
    pool = make_pool()
    user = pool.create_user()
    before = pool.sign_in(user)["AuthenticationResult"]
    if admin:
        pool.cognito.admin_user_global_sign_out(UserPoolId=pool.pool_id, Username=user)
    else:
        pool.cognito.global_sign_out(AccessToken=before["AccessToken"])
    with cognito_error("NotAuthorizedException", "Refresh Token has been revoked"):
        refresh(pool, before["RefreshToken"])
    after = pool.sign_in(user)["AuthenticationResult"]
    assert "AccessToken" in refresh(pool, after["RefreshToken"])["AuthenticationResult"]
    with cognito_error("NotAuthorizedException", "Refresh Token has been revoked"):
        refresh(pool, before["RefreshToken"])


def test_a_refresh_token_works_only_in_its_own_pool_and_unaltered(make_pool):
    first, second = make_pool(), make_pool()
    token = first.sign_in(first.create_user())["AuthenticationResult"]["RefreshToken"]
    second.sign_in(second.create_user())  # the second pool has a sealing key of its own
    with cognito_error("NotAuthorizedException", "Invalid Refresh Token."):
        refresh(second, token)
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with cognito_error("NotAuthorizedException", "Invalid Refresh Token."):
        refresh(first, altered)


def test_a_deleted_users_refresh_token_does_not_sign_in_a_new_user_of_that_name(make_pool):
    pool = make_pool()
    user = pool.create_user()
    token = pool.sign_in(user)["AuthenticationResult"]["RefreshToken"]
    pool.cognito.admin_delete_user(UserPoolId=pool.pool_id, Username=user)
    pool.create_user(user)
    with cognito_error("UserNotFoundException", "User does not exist."):
        refresh(pool, token)


def test_moto_reads_no_id_token_it_records():
    """The sandbox drops moto's record of each ID token it issues, because nothing reads it.
    If a moto upgrade starts reading ``id_tokens``, this names the place."""
    package = Path(directory._moto_models.__file__).parent
    uses = [
        f"{source.name}: {line.strip()}"
        for source in package.glob("*.py")
        for line in source.read_text().splitlines()
        if "id_tokens" in line
    ]
    assert sorted(uses) == [
        "models.py: self.id_tokens: dict[str, tuple[str, str]] = {}",
        "models.py: self.id_tokens[id_token] = (client_id, username)",
    ]


def enrolled_session(make_pool, clock):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    app = pool.enrol_totp(user, clock)
    clock.advance(30)
    return pool, user, app


def mfa_code(pool, session, username, code):
    return pool.cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=session,
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
    )


def test_spent_and_expired_sessions_keep_their_messages_until_forgotten(make_pool, clock, sandbox):
    pool, user, app = enrolled_session(make_pool, clock)
    spent = pool.sign_in(user)["Session"]
    mfa_code(pool, spent, user, app.at(clock.now()))
    unanswered = pool.sign_in(user)["Session"]
    sessions = sandbox.app.auth.state.sessions

    clock.advance(SESSION_MEMORY_SECONDS)  # expired 57 minutes ago: still remembered
    a_write(pool)
    assert spent in sessions and unanswered in sessions
    with cognito_error(
        "NotAuthorizedException", "Invalid session for the user, session can only be used once."
    ):
        mfa_code(pool, spent, user, app.at(clock.now()))
    with cognito_error(
        "NotAuthorizedException", "Invalid session for the user, session is expired."
    ):
        mfa_code(pool, unanswered, user, app.at(clock.now()))

    clock.advance(3 * 60 + 1)  # an hour after they expired
    for session in (spent, unanswered):  # past the memory, before any pass: as if forgotten
        with cognito_error("NotAuthorizedException", "Invalid session for the user."):
            mfa_code(pool, session, user, app.at(clock.now()))
    a_write(pool)
    assert spent not in sessions and unanswered not in sessions
    with cognito_error("NotAuthorizedException", "Invalid session for the user."):
        mfa_code(pool, spent, user, app.at(clock.now()))


def test_a_lapsed_failure_count_is_forgotten(make_pool, clock, sandbox):
    pool = make_pool()
    user = pool.create_user()
    for _ in range(5):
        with cognito_error("NotAuthorizedException", "Incorrect username or password."):
            pool.sign_in(user, "Wrong-Passw0rd!")
    failures = sandbox.app.auth.state.failures
    key = f"{pool.pool_id}/{directory.find_pool(pool.pool_id).users[user].id}"
    assert failures[key].count == 5

    clock.advance(LOCKOUT_RESET_SECONDS - FORGET_EVERY_SECONDS)
    a_write(pool)
    assert failures[key].count == 5
    clock.advance(FORGET_EVERY_SECONDS + 1)
    a_write(pool)
    assert key not in failures


def test_a_deleted_users_authenticator_is_forgotten(make_pool, clock, sandbox):
    pool, user, _ = enrolled_session(make_pool, clock)
    authenticators = sandbox.app.auth.state.authenticators
    key = f"{pool.pool_id}/{directory.find_pool(pool.pool_id).users[user].id}"
    assert key in authenticators
    pool.cognito.admin_delete_user(UserPoolId=pool.pool_id, Username=user)
    clock.advance(FORGET_EVERY_SECONDS + 1)
    a_write(pool)
    assert key not in authenticators


@pytest.fixture
def own_sandbox(tmp_path: Path):
    """An in-thread sandbox with its own state file and clock, on an empty moto directory
    (state.load replaces it wholesale); the session sandbox's directory is put back after."""
    backends = directory._backends()
    before = dict(backends)
    clock = ManualClock()
    running = serve_in_thread(clock=clock, state_path=tmp_path / "state.pickle")
    yield running, clock, tmp_path / "state.pickle"
    running.stop()
    backends.clear()
    backends.update(before)


def test_the_state_file_does_not_grow_with_expired_sign_ins(own_sandbox):
    running, clock, state_file = own_sandbox
    pool = new_pool(client_for(running.url))
    user = pool.create_user()

    def sizes_after(sign_ins: int) -> tuple[int, int]:
        for _ in range(sign_ins):
            pool.sign_in(user)
        grown = state_file.stat().st_size
        clock.advance(2 * HOUR)  # past the access tokens' expiry
        pool.sign_in(user)  # a write: the pass runs, then the save
        return grown, state_file.stat().st_size

    grown_20, after_20 = sizes_after(20)
    grown_200, after_200 = sizes_after(200)
    assert grown_200 - grown_20 > 180 * 500  # the 180 more access tokens were held while live
    assert abs(after_200 - after_20) < 1000  # and forgotten once expired


def test_a_rotated_out_refresh_token_is_forgotten_once_expired(make_pool, clock):
    pool = make_pool(
        client_settings={
            "RefreshTokenRotation": {"Feature": "ENABLED"},
            "RefreshTokenValidity": 1,
            "TokenValidityUnits": {"RefreshToken": "hours"},
        }
    )
    tokens = pool.sign_in(pool.create_user())["AuthenticationResult"]
    pool.cognito.get_tokens_from_refresh_token(
        RefreshToken=tokens["RefreshToken"], ClientId=pool.client_id
    )
    rotated = directory.find_pool(pool.pool_id).__dict__["sandbox_rotated_refresh_tokens"]
    assert tokens["RefreshToken"] in rotated
    clock.advance(HOUR + 1)
    a_write(pool)
    assert tokens["RefreshToken"] not in rotated
    with cognito_error("NotAuthorizedException", "Refresh Token has expired"):
        pool.cognito.get_tokens_from_refresh_token(
            RefreshToken=tokens["RefreshToken"], ClientId=pool.client_id
        )


def test_expired_codes_and_old_messages_are_forgotten(make_pool, clock, sandbox):
    pool = make_pool(pool_settings={"AutoVerifiedAttributes": ["email"]})
    pool.cognito.sign_up(
        ClientId=pool.client_id,
        Username="ada",
        Password="Corr3ct-Horse!",
        UserAttributes=[{"Name": "email", "Value": "ada@example.com"}],
    )
    kept = sandbox.app.auth.state.outbox
    assert any(message.pool_id == pool.pool_id for message in kept.messages)
    clock.advance(DAY + 1)
    a_write(pool)
    assert not any(key.startswith(pool.pool_id) for key in kept.codes)
    assert not any(message.pool_id == pool.pool_id for message in kept.messages)
    with cognito_error("ExpiredCodeException"):
        pool.cognito.confirm_sign_up(ClientId=pool.client_id, Username="ada", ConfirmationCode="1")
