"""Provision a room: one user pool per attendee, and a handout saying what each one needs.

One pool per attendee rather than one shared pool with a user each, because the lessons change
the pool itself: every notebook's set-up sets the pool's MFA mode for its lesson (OFF in 01, ON
from 02), and lessons create and delete users with fixed names (``newcomer`` in 01, ``sam`` in
02). In a shared pool one learner's step would change another's sign-in in the middle of a
lesson. A pool per attendee is exactly what a learner alone at a laptop gets, so every notebook
runs unchanged. Pools themselves cost nothing (Cognito bills monthly active users); the account's
quota of user pools per Region bounds a room on AWS.

Each attendee's pool is the one ``workspace.setup`` would create (same app clients, same password
policy, the demo user ``learner``) with a random password, named ``cognito-tutorial-ROOM-NNN``
and tagged ``project=cognito-tutorial``, ``room=ROOM``, ``attendee=NNN``. The learner then runs
:func:`use_provisioned_pool` once, and every notebook uses that pool.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from cognito_tutorial.backend import AWS, describe_target, sandbox_credentials
from cognito_tutorial.errors import TutorialError
from cognito_tutorial.instructor.tagged_pools import (
    ATTENDEE_TAG,
    ROOM_TAG,
    find_tagged_pools,
)
from cognito_tutorial.workspace import (
    CLIENTS,
    DEMO_USERNAME,
    PREFIX,
    Workspace,
    create_client,
    create_demo_user,
    create_pool,
    is_tutorial_pool,
    save,
)

if TYPE_CHECKING:
    from cognito_tutorial.sandbox import Credentials

MAX_ATTENDEES = 500
ROOM_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")

HANDOUT_FIELDS = (
    "attendee",
    "backend",
    "endpoint",
    "access_key_id",
    "secret_access_key",
    "region",
    "pool_id",
    "pool_name",
    "username",
    "password",
    "public_client_id",
    "secret_client_id",
    "admin_client_id",
    "first_cell",
)


class RoomHasPools(TutorialError):
    """The room already has pools (an earlier run, or this one stopped part-way): they must be
    deleted before the room is provisioned again."""


class HandoutExists(TutorialError):
    """The handout file is there already; it is never overwritten."""


def check_room_name(room: str) -> str:
    """A room name fit for pool names and tags: lower-case letters, digits and dashes."""
    if not ROOM_NAME.fullmatch(room):
        raise TutorialError(
            f"Room name {room!r} is not usable. Use up to 40 lower-case letters, digits and "
            "dashes, starting with a letter or digit, e.g. lisbon-2025-05."
        )
    return room


def check_attendees(attendees: int) -> int:
    """A number of attendees provision can make pools for."""
    if not 1 <= attendees <= MAX_ATTENDEES:
        raise TutorialError(
            f"The number of attendees must be between 1 and {MAX_ATTENDEES}, not {attendees}."
        )
    return attendees


def room_pool_name(room: str, number: int) -> str:
    """``cognito-tutorial-ROOM-NNN``: sorts by attendee, and says whose it is in the console."""
    return f"{PREFIX}{room}-{number:03d}"


def default_handout_path(room: str) -> Path:
    """Where the handout goes unless told otherwise: the per-user state folder, outside any repo."""
    from cognito_tutorial.sandbox.paths import state_dir

    return state_dir() / f"handout-{room}.csv"


# --- the room ------------------------------------------------------------------------------


def create_attendee_workspace(cognito: Any, room: str, number: int) -> Workspace:
    """One attendee's pool, three app clients and demo user, as ``workspace.setup`` makes them.

    :param cognito: a client from ``connect``.
    :param room: from :func:`check_room_name`.
    :param number: the attendee's number, from 1.
    :returns: the attendee's workspace, password included.
    """
    target = describe_target(cognito)
    workspace = Workspace(target.backend, target.region)
    tags = {ROOM_TAG: room, ATTENDEE_TAG: f"{number:03d}"}
    create_pool(cognito, workspace, name=room_pool_name(room, number), tags=tags)
    for role in CLIENTS:
        create_client(cognito, workspace, role)
    create_demo_user(cognito, workspace)
    return workspace


def first_cell(workspace: Workspace) -> str:
    """The one line an attendee runs in a notebook to make every notebook use their pool."""
    where = f"{AWS!r}, {workspace.region!r}" if workspace.backend == AWS else ""
    return (
        "from cognito_tutorial import connect; "
        "from cognito_tutorial.instructor import provisioning; "
        f"provisioning.use_provisioned_pool(connect({where}), {workspace.pool_id!r}, "
        f"{workspace.password!r})"
    )


def handout_row(
    number: int, workspace: Workspace, endpoint: str | None, key: Credentials | None = None
) -> dict[str, str]:
    """One attendee's line of the handout.

    :param key: the room sandbox's access key (the same on every row), which learners set as
        COGNITO_TUTORIAL_ACCESS_KEY_ID and COGNITO_TUTORIAL_SECRET_ACCESS_KEY; None on AWS.
    """
    row = {name: value for name, value in asdict(workspace).items() if name in HANDOUT_FIELDS}
    row.update(
        attendee=f"{number:03d}",
        endpoint=endpoint or "",
        access_key_id=key.access_key_id if key else "",
        secret_access_key=key.secret_access_key if key else "",
        first_cell=first_cell(workspace),
    )
    return row


def open_handout(path: Path) -> TextIO:
    """Create the handout readable by its owner only; never overwrite one (it may be the only
    copy of a room's passwords)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise HandoutExists(
            f"{path} already exists.",
            "It may hold a room's passwords.",
            "Keep it and choose another path for the handout, or delete it if you are sure.",
        ) from None
    return os.fdopen(descriptor, "w", newline="")


def provision_room(
    cognito: Any,
    *,
    room: str,
    attendees: int,
    handout: Path,
    endpoint: str | None = None,
    key: Credentials | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Workspace]:
    """Create one pool per attendee and write the handout, a row as each attendee is ready.

    The handout is written as it goes, so if provisioning stops half-way (throttling, a lost
    network) the pools made so far are in it; every pool carries the room's tag, so the
    clean-up of tagged pools (``tagged_pools``) removes them all either way.

    :param cognito: a client from ``connect``.
    :param room: the room's name (tags and pool names).
    :param attendees: how many pools, 1 to :data:`MAX_ATTENDEES`.
    :param handout: the CSV to create (mode 0600; an existing file is never overwritten).
    :param endpoint: the sandbox URL learners use (goes into the handout, with the key this
        process signs with for it: `key`, else `backend.sandbox_credentials(endpoint)`); None
        on AWS.
    :param key: the room sandbox's access key, when this process's default is not it.
    :param progress: called with (done, total) after each attendee.
    :returns: the attendees' workspaces, in order.
    :raises RoomHasPools: the room already has pools, or Cognito refused part-way.
    :raises HandoutExists: the handout file exists already.
    :raises TutorialError: a bad room name or count.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    check_room_name(room)
    check_attendees(attendees)
    existing = find_tagged_pools(cognito, room=room)
    if existing:
        raise RoomHasPools(
            f"Room {room!r} already has {len(existing)} pool(s).",
            todo=f"Delete the pools tagged room={room} first, or choose another room name.",
        )
    key = (key or sandbox_credentials(endpoint)) if endpoint else None
    made: list[Workspace] = []
    with open_handout(handout) as out:
        writer = csv.DictWriter(out, fieldnames=HANDOUT_FIELDS)
        writer.writeheader()
        for number in range(1, attendees + 1):
            try:
                workspace = create_attendee_workspace(cognito, room, number)
            except (ClientError, BotoCoreError) as error:
                raise RoomHasPools(
                    f"Stopped after {len(made)} of {attendees} attendees: {error}.",
                    f"The handout {handout} lists those made.",
                    f"Delete the pools tagged room={room} before trying again.",
                ) from error
            writer.writerow(handout_row(number, workspace, endpoint, key))
            out.flush()
            made.append(workspace)
            if progress:
                progress(number, attendees)
    return made


# --- the attendee's side -------------------------------------------------------------------


def use_provisioned_pool(
    cognito: Any, pool_id: str, password: str, *, username: str = DEMO_USERNAME
) -> Workspace:
    """Make every notebook on this server use a pool the instructor provisioned.

    Looks the pool's app clients up by their names, checks the demo user exists, and records the
    result where ``workspace.setup`` looks for it, so the notebooks find the pool instead of
    creating one. Safe to run again.

    :param cognito: ``connect()`` (on a room sandbox, JupyterLab started with
        COGNITO_TUTORIAL_ENDPOINT set to the room's address).
    :param pool_id: from the handout.
    :param password: the demo user's password, from the handout.
    :returns: the workspace the notebooks will use.
    :raises TutorialError: the pool is not a tutorial pool, or lacks its clients or user.
    """
    target = describe_target(cognito)
    try:
        pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    except cognito.exceptions.ResourceNotFoundException:
        raise TutorialError(
            f"There is no user pool {pool_id} at the {target}. Check the pool id on your handout "
            "and that JupyterLab was started with the room's COGNITO_TUTORIAL_ENDPOINT."
        ) from None
    if not is_tutorial_pool(pool["Name"], pool.get("UserPoolTags") or {}):
        raise TutorialError(f"{pool['Name']} ({pool_id}) is not a cognito-tutorial pool.")
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)
    ids = {client["ClientName"]: client["ClientId"] for client in clients["UserPoolClients"]}
    workspace = Workspace(target.backend, target.region, pool_id=pool_id, pool_name=pool["Name"])
    for role, options in CLIENTS.items():
        if options["ClientName"] not in ids:
            raise TutorialError(
                f"Pool {pool_id} has no app client {options['ClientName']}; ask the instructor."
            )
        setattr(workspace, f"{role}_client_id", ids[options["ClientName"]])
    workspace.secret_client_secret = cognito.describe_user_pool_client(
        UserPoolId=pool_id, ClientId=workspace.secret_client_id
    )["UserPoolClient"]["ClientSecret"]
    try:
        cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    except cognito.exceptions.UserNotFoundException:
        raise TutorialError(
            f"Pool {pool_id} has no user {username!r}; ask the instructor."
        ) from None
    workspace.username, workspace.password = username, password
    save(cognito, workspace)
    print(f"The notebooks will now use pool {pool['Name']} ({pool_id}) as user {username!r}.")
    return workspace
