"""Forgetting what Cognito would no longer honour, so that the sandbox's state is what is alive.

A learner's sandbox keeps its state for days, and a room's serves every sign-in of a workshop.
moto keeps every token it ever issued and the auth layer every session and failure count, and
the whole state is saved after every write: without forgetting, each write would cost more
than the last. On a request that changes something, before the state is saved, and at most once
every FORGET_EVERY_SECONDS of the sandbox's clock, the sandbox forgets:

- access tokens past their ``exp``, RevokeToken's revocations once the token has expired, the
  sign-out markers of deleted users (`directory.forget_expired_tokens`; refresh tokens are
  sealed and keep nothing, and ID tokens are not kept at all);
- sessions SESSION_MEMORY_SECONDS after they expired (`auth.AuthSession.remembered`);
- failure counts after fifteen minutes without a sign-in attempt (`auth.Failures.has_lapsed`);
- authenticators, pending secrets and failure counts of users or pools that no longer exist;
- devices of users or pools that no longer exist, and device keys never confirmed within a day
  (`devices.forget_stale`). Confirmed devices are long-lived: they stay until forgotten.
- codes past their expiry or of users that no longer exist, and the outbox's messages after
  a day (`messages.Outbox.forget`).

Each rule is the same one the sandbox applies when it answers, so forgetting changes no answer:
a forgotten token is refused as an expired one, a forgotten session as one past its memory.
One pass costs what is alive (the sessions, failure counts, users and refresh-token entries it
reads) plus what it forgets; access tokens are read only up to the first live one.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import devices, directory
from .auth import AuthLayer, AuthState

FORGET_EVERY_SECONDS = 60


@dataclass
class Forgotten:
    """How much one pass forgot, by kind."""

    tokens: int = 0
    sessions: int = 0
    failure_counts: int = 0
    user_records: int = 0
    devices: int = 0
    codes_and_messages: int = 0


class Forgetting:
    """Runs `forget` at most once every FORGET_EVERY_SECONDS of the sandbox's clock."""

    def __init__(self) -> None:
        self._last_pass_at: float | None = None

    def forget_if_due(self, auth: AuthLayer) -> Forgotten | None:
        """Forget now if the last pass was long enough ago; None if it was not due.

        A clock that went back (a test's new clock, a rewritten clock file) makes it due, too.
        """
        now = auth.clock.now()
        last = self._last_pass_at
        if last is not None and last <= now < last + FORGET_EVERY_SECONDS:
            return None
        self._last_pass_at = now
        return forget(auth.state, now)


def forget(state: AuthState, now: float) -> Forgotten:
    """Forget, in moto's directory and in `state`, everything Cognito would no longer honour."""
    forgotten = Forgotten(tokens=directory.forget_expired_tokens(now))
    for token in [t for t, session in state.sessions.items() if not session.remembered(now)]:
        del state.sessions[token]
        forgotten.sessions += 1
    for key in [k for k, record in state.failures.items() if record.has_lapsed(now)]:
        del state.failures[key]
        forgotten.failure_counts += 1
    users = directory.user_ids_by_pool()
    for records in (state.authenticators, state.pending_secrets, state.failures):
        for key in [k for k in records if not _user_exists(users, k)]:
            del records[key]
            forgotten.user_records += 1
    forgotten.devices = devices.forget_stale(state.devices, users, now)
    forgotten.codes_and_messages = state.outbox.forget(now, users)
    return forgotten


def _user_exists(users: dict[str, set[str]], key: str) -> bool:
    """Whether the user an auth record is kept for (``pool id/sub``) still exists."""
    pool_id, _, sub = key.partition("/")
    return sub in users.get(pool_id, ())
