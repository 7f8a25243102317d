"""When each sign-in Session arrived, and how long its app client keeps it.

A code form must count a Session down from the moment Cognito issued it, not from when the form
appeared: a learner who reads for two minutes between InitiateAuth and the form has one minute
left, not three. ``connect()`` calls :func:`watch` on the client it builds; botocore event hooks
on that client then note, for every response that carries a ``Session``, when it arrived, which
app client and user pool it belongs to, and which notebook cell made the call. They also note
what the client learns of app clients' ``AuthSessionValidity`` (CreateUserPoolClient,
DescribeUserPoolClient, UpdateUserPoolClient) and of which pool each app client is in
(ListUserPoolClients, and every request that names both).

A Session is a secret: only its SHA-256 digest is kept, for the newest :data:`KEEP` Sessions, and
nothing here prints one.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cognito_tutorial import notebook_cells

DEFAULT_VALIDITY_S = 180  # an app client's AuthSessionValidity defaults to 3 minutes
KEEP = 256  # a lesson starts a few dozen sign-ins; a form answers one of the newest
_EVENT_SERVICE = "cognito-identity-provider"  # botocore's event name for cognito-idp


@dataclass(frozen=True)
class Arrival:
    """What is known of one Session: when it arrived and where it belongs.

    :param at: ``time.time()`` when the response carrying it arrived.
    :param client_id: the app client the sign-in goes through, if known.
    :param pool_id: the user pool, if known.
    :param cell_id: the notebook cell whose call brought it, if it came in a cell.
    """

    at: float
    client_id: str | None = None
    pool_id: str | None = None
    cell_id: str | None = None


@dataclass(frozen=True)
class Validity:
    """How long a Session lasts: ``seconds``, and whether that is the app client's own setting
    (``known``) or Cognito's default assumed for want of it."""

    seconds: float
    known: bool


class SessionLog:
    """The Sessions a watched client received, and what it learned of app clients.

    Thread-safe: calls come from cells and from forms' handlers on other threads.
    """

    def __init__(self, keep: int = KEEP, clock: Callable[[], float] = time.time):
        self._keep = keep
        self._clock = clock
        self._lock = threading.Lock()
        self._arrivals: OrderedDict[bytes, Arrival] = OrderedDict()
        self._callers: dict[bytes, weakref.ref[Any]] = {}
        self._validity_s: dict[str, int] = {}
        self._pools: dict[str, str] = {}

    # -- what the hooks record ---------------------------------------------------------

    def arrived(
        self,
        session: str,
        *,
        client_id: str | None = None,
        pool_id: str | None = None,
        cell_id: str | None = None,
        caller: Any = None,
    ) -> None:
        """Note that ``session`` arrived now; ``caller`` is the client that received it."""
        key = _digest(session)
        with self._lock:
            self._arrivals[key] = Arrival(self._clock(), client_id, pool_id, cell_id)
            self._arrivals.move_to_end(key)
            if caller is not None:
                self._callers[key] = weakref.ref(caller)
            while len(self._arrivals) > self._keep:
                old, _ = self._arrivals.popitem(last=False)
                self._callers.pop(old, None)
            if client_id and pool_id:
                self._pools[client_id] = pool_id

    def learned_client(
        self, client_id: str, *, pool_id: str | None = None, validity_minutes: Any = None
    ) -> None:
        """Note an app client's pool and, if given, its AuthSessionValidity in minutes."""
        with self._lock:
            if pool_id:
                self._pools[client_id] = pool_id
            if isinstance(validity_minutes, int) and not isinstance(validity_minutes, bool):
                self._validity_s[client_id] = validity_minutes * 60

    # -- what the forms ask --------------------------------------------------------------

    def arrival(self, session: str | None) -> Arrival | None:
        """What is known of ``session``, or None if no watched client received it."""
        if not session:
            return None
        with self._lock:
            return self._arrivals.get(_digest(session))

    def validity(self, session: str | None) -> Validity:
        """How long ``session`` lasts: its app client's AuthSessionValidity where that can be
        learned, else Cognito's default (``known=False``).

        If the app client's setting is not known yet but its pool is, this asks Cognito once
        with DescribeUserPoolClient, through the client that received the Session. That is a
        signed admin call: on AWS, credentials without ``cognito-idp:DescribeUserPoolClient``
        get the default, marked unknown.
        """
        arrival = self.arrival(session)
        client_id = arrival.client_id if arrival else None
        if not client_id:
            return Validity(DEFAULT_VALIDITY_S, known=False)
        with self._lock:
            seconds = self._validity_s.get(client_id)
            pool_id = arrival.pool_id or self._pools.get(client_id)
            caller_ref = self._callers.get(_digest(session)) if session else None
        caller = caller_ref() if caller_ref is not None else None
        if seconds is None and pool_id and caller is not None:
            # No permission, no network: the default, said so. The answer, if any, reaches
            # this log through the after-call hook.
            with contextlib.suppress(Exception):
                caller.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
            with self._lock:
                seconds = self._validity_s.get(client_id)
        if seconds is None:
            return Validity(DEFAULT_VALIDITY_S, known=False)
        return Validity(seconds, known=True)


LOG = SessionLog()
"""The log every client :func:`watch` watches writes to: one per kernel."""


def watch(client: Any, log: SessionLog = LOG) -> Any:
    """Hook ``client`` (a botocore cognito-idp client) so that ``log`` learns its Sessions.

    :returns: the client.
    """
    events = client.meta.events
    caller = weakref.ref(client)  # the log must not keep a client alive

    def note_response(parsed: Any = None, context: Any = None, **_: Any) -> None:
        _record(log, parsed, context, caller())

    # Each client has its own copy of botocore's emitter, which holds its handlers strongly;
    # the unique ids (unique across all events) make a second watch() of a client a no-op.
    unique = f"cognito-tutorial-session-clock-{id(log)}"
    events.register(
        f"before-parameter-build.{_EVENT_SERVICE}", _note_request, unique_id=f"{unique}-request"
    )
    events.register(f"after-call.{_EVENT_SERVICE}", note_response, unique_id=f"{unique}-response")
    return client


def arrival(session: str | None) -> Arrival | None:
    """What the kernel's log knows of ``session`` (see :meth:`SessionLog.arrival`)."""
    return LOG.arrival(session)


def validity(session: str | None) -> Validity:
    """How long ``session`` lasts, as far as the kernel's log can tell (see
    :meth:`SessionLog.validity`)."""
    return LOG.validity(session)


def _note_request(params: Any = None, context: Any = None, **_: Any) -> None:
    """Keep the request's app client and pool beside the call, for its response."""
    if isinstance(params, dict) and isinstance(context, dict):
        context["cognito_tutorial_request"] = {
            "client_id": params.get("ClientId"),
            "pool_id": params.get("UserPoolId"),
            "session": params.get("Session"),
        }


def _record(log: SessionLog, parsed: Any, context: Any, caller: Any) -> None:
    if not isinstance(parsed, dict):
        return
    request = (context or {}).get("cognito_tutorial_request") or {}
    client_id, pool_id = request.get("client_id"), request.get("pool_id")
    if client_id and pool_id:
        log.learned_client(client_id, pool_id=pool_id)
    described = parsed.get("UserPoolClient")
    if isinstance(described, dict) and described.get("ClientId"):
        # Cognito always states it; a response without it (moto's) means the default, 3.
        log.learned_client(
            described["ClientId"],
            pool_id=described.get("UserPoolId"),
            validity_minutes=described.get("AuthSessionValidity", DEFAULT_VALIDITY_S // 60),
        )
    for listed in parsed.get("UserPoolClients") or ():
        if isinstance(listed, dict) and listed.get("ClientId"):
            log.learned_client(listed["ClientId"], pool_id=listed.get("UserPoolId"))
    session = parsed.get("Session")
    if not isinstance(session, str) or not session:
        return
    if not client_id and request.get("session"):
        # AssociateSoftwareToken and VerifySoftwareToken name no app client: their Session
        # continues the sign-in of the Session they were given.
        before = log.arrival(request["session"])
        if before is not None:
            client_id, pool_id = before.client_id, before.pool_id
    log.arrived(
        session,
        client_id=client_id,
        pool_id=pool_id,
        cell_id=notebook_cells.current_cell_id(),
        caller=caller,
    )


def _digest(session: str) -> bytes:
    return hashlib.sha256(session.encode("utf-8", "surrogatepass")).digest()
