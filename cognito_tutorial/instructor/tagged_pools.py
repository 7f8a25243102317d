"""Find and delete the user pools the tutorial created, by their name prefix and tag.

Everything the tutorial creates is a user pool named ``cognito-tutorial-...`` and tagged
``project=cognito-tutorial`` (app clients and users live inside their pool and go with it). A pool
counts as the tutorial's only if it has both, so a pool someone else happened to name alike is
never touched. This works the same on the local sandbox and on AWS, does not depend on any record
kept on this machine (a crashed kernel leaves none), and is safe to repeat: a pool already gone
counts as deleted.

https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListUserPools.html
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeUserPool.html
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cognito_tutorial.workspace import PREFIX, is_tutorial_pool

ROOM_TAG = "room"
ATTENDEE_TAG = "attendee"


@dataclass(frozen=True)
class TaggedPool:
    """A user pool that carries the tutorial's prefix and tag."""

    pool_id: str
    name: str
    tags: dict[str, str]
    created: datetime | None = None

    @property
    def room(self) -> str:
        """The room it was provisioned for, or "" for a learner's own pool."""
        return self.tags.get(ROOM_TAG, "")


@dataclass
class Deletion:
    """What `delete_pools` did: deleted, already gone, or failed (with Cognito's message)."""

    deleted: list[TaggedPool] = field(default_factory=list)
    already_gone: list[TaggedPool] = field(default_factory=list)
    failed: list[tuple[TaggedPool, str]] = field(default_factory=list)


def find_tagged_pools(cognito: Any, *, room: str | None = None) -> list[TaggedPool]:
    """The tutorial's pools in this account and region (or sandbox), by name.

    ListUserPools gives only ids and names, so pools without the prefix are skipped before any
    DescribeUserPool call: the caller needs no permission on anyone else's pools.

    :param cognito: a cognito-idp client.
    :param room: only the pools provisioned for this room.
    """
    found = []
    for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
        for summary in page["UserPools"]:
            if not summary["Name"].startswith(PREFIX):
                continue
            try:
                pool = cognito.describe_user_pool(UserPoolId=summary["Id"])["UserPool"]
            except cognito.exceptions.ResourceNotFoundException:
                continue  # deleted since it was listed
            tags = pool.get("UserPoolTags") or {}
            if not is_tutorial_pool(pool["Name"], tags):
                continue
            if room is not None and tags.get(ROOM_TAG) != room:
                continue
            found.append(TaggedPool(pool["Id"], pool["Name"], tags, pool.get("CreationDate")))
    return sorted(found, key=lambda pool: pool.name)


def delete_pools(
    cognito: Any,
    pools: list[TaggedPool],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Deletion:
    """Delete each pool (its app clients and users go with it); keep going past failures.

    :param pools: from :func:`find_tagged_pools`; nothing else is accepted.
    :param progress: called with (done, total) after each pool.
    :returns: what was deleted, what was already gone, and what failed and why.
    """
    result = Deletion()
    for done, pool in enumerate(pools, start=1):
        if not is_tutorial_pool(pool.name, pool.tags):
            raise ValueError(f"{pool.name} ({pool.pool_id}) is not one of the tutorial's pools.")
        try:
            cognito.delete_user_pool(UserPoolId=pool.pool_id)
            result.deleted.append(pool)
        except cognito.exceptions.ResourceNotFoundException:
            result.already_gone.append(pool)
        except cognito.exceptions.ClientError as error:
            result.failed.append((pool, str(error)))
        if progress:
            progress(done, len(pools))
    return result
