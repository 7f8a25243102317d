"""The Session log a client from connect() keeps: when each Session arrived, and for how long
its app client keeps it. Real calls to a real sandbox over HTTP; the log's clock is a fake one
the test moves, so "when" is exact."""

from __future__ import annotations

import pytest
from support import PASSWORD, client_for

from cognito_tutorial import session_clock
from cognito_tutorial.session_clock import SessionLog


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def log() -> SessionLog:
    return SessionLog(clock=FakeClock())


@pytest.fixture
def watched(sandbox_url, log):
    """A client watched by ``log`` (its own client: hooks stay off the shared one)."""
    return session_clock.watch(client_for(sandbox_url), log)


def public_sign_in(cognito, pool, username):
    return cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )


def test_a_session_is_noted_when_it_arrives_with_its_app_client(make_pool, watched, log):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    log._clock.now = 1_700_000_100.0
    started = public_sign_in(watched, pool, user)
    arrival = log.arrival(started["Session"])
    assert arrival is not None
    assert arrival.at == 1_700_000_100.0
    assert arrival.client_id == pool.client_id
    assert arrival.pool_id is None  # InitiateAuth names no pool
    assert log.arrival("some other session") is None


def test_an_unknown_app_client_setting_is_the_default_said_so(make_pool, watched, log):
    pool = make_pool(mfa="ON", session_minutes=7)
    started = public_sign_in(watched, pool, pool.create_user())
    # Nothing has told this client which pool the app client is in: it cannot ask.
    assert log.validity(started["Session"]) == session_clock.Validity(180, known=False)
    assert log.validity(None) == session_clock.Validity(180, known=False)


def test_the_app_clients_setting_is_asked_for_once_its_pool_is_known(make_pool, watched, log):
    pool = make_pool(mfa="ON", session_minutes=7)
    started = public_sign_in(watched, pool, pool.create_user())
    watched.list_user_pool_clients(UserPoolId=pool.pool_id, MaxResults=10)  # learns the pool
    assert log.validity(started["Session"]) == session_clock.Validity(420, known=True)


def test_an_admin_sign_in_names_its_pool(make_pool, watched, log):
    pool = make_pool(mfa="ON", session_minutes=4)
    started = watched.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": pool.create_user(), "PASSWORD": PASSWORD},
    )
    assert log.arrival(started["Session"]).pool_id == pool.pool_id
    assert log.validity(started["Session"]) == session_clock.Validity(240, known=True)


def test_creating_or_changing_an_app_client_teaches_its_setting(make_pool, sandbox_url, log):
    watched = session_clock.watch(client_for(sandbox_url), log)
    pool = make_pool(mfa="ON")
    created = watched.create_user_pool_client(
        UserPoolId=pool.pool_id,
        ClientName="watched",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        AuthSessionValidity=5,
    )["UserPoolClient"]
    user = pool.create_user()
    started = watched.initiate_auth(
        ClientId=created["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
    )
    assert log.validity(started["Session"]) == session_clock.Validity(300, known=True)
    watched.update_user_pool_client(
        UserPoolId=pool.pool_id, ClientId=created["ClientId"], AuthSessionValidity=9
    )
    assert log.validity(started["Session"]).seconds == 540


def test_enrolment_sessions_belong_to_the_sign_in_they_continue(make_pool, watched, log):
    pool = make_pool(mfa="ON")
    started = public_sign_in(watched, pool, pool.create_user())
    assert started["ChallengeName"] == "MFA_SETUP"
    log._clock.now += 42
    associated = watched.associate_software_token(Session=started["Session"])
    arrival = log.arrival(associated["Session"])
    assert arrival.client_id == pool.client_id
    assert arrival.at == log.arrival(started["Session"]).at + 42


def test_refusals_note_nothing(make_pool, watched, log):
    pool = make_pool(mfa="ON")
    with pytest.raises(watched.exceptions.NotAuthorizedException):
        watched.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": pool.create_user(), "PASSWORD": "Wrong-passw0rd!"},
        )
    assert not log._arrivals


def test_the_log_keeps_digests_of_the_newest_sessions_only(make_pool, sandbox_url):
    log = SessionLog(keep=2, clock=FakeClock())
    watched = session_clock.watch(client_for(sandbox_url), log)
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    sessions = [public_sign_in(watched, pool, user)["Session"] for _ in range(3)]
    assert log.arrival(sessions[0]) is None  # the oldest is forgotten
    assert log.arrival(sessions[1]) and log.arrival(sessions[2])
    kept = repr(vars(log))
    assert not any(session in kept or session[:40] in kept for session in sessions)


def test_watching_twice_notes_once(make_pool, sandbox_url, log):
    watched = session_clock.watch(session_clock.watch(client_for(sandbox_url), log), log)
    pool = make_pool(mfa="ON")
    calls = []
    original = log.arrived
    log.arrived = lambda *args, **kwargs: (calls.append(1), original(*args, **kwargs))
    public_sign_in(watched, pool, pool.create_user())
    assert len(calls) == 1


def test_connect_watches_its_client(sandbox_url, monkeypatch, make_pool):
    from cognito_tutorial import connect

    cognito = connect(endpoint=sandbox_url, quiet=True)
    pool = make_pool(mfa="ON")
    started = public_sign_in(cognito, pool, pool.create_user())
    assert session_clock.arrival(started["Session"]).client_id == pool.client_id
