"""The claims of the access and ID tokens, as the developer guide documents them.

Sources: developer guide, *Understanding the access token* and *Understanding the identity (ID)
token* (the default payloads), and *Using tokens* (groups and roles). Plain data in, plain data
out: `directory.py` reads the user, the groups and the app client from moto and signs the result.

Every token of one sign-in shares its ``origin_jti``, ``event_id`` and ``auth_time``, and so do
the tokens a refresh issues from it (a refresh is not a new authentication: *inferred* for
``event_id``, documented for ``auth_time`` and ``origin_jti``). Each token has its own ``jti``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

ACCESS_SCOPE = "aws.cognito.signin.user.admin"
# OIDC's standard claims of type boolean and number; every other attribute is a string.
BOOLEAN_ATTRIBUTES = {"email_verified", "phone_number_verified"}
NUMBER_ATTRIBUTES = {"updated_at"}


@dataclass(frozen=True)
class SignIn:
    """What one authentication stands for, carried by every token issued from it."""

    origin_jti: str
    auth_time: int
    event_id: str

    @classmethod
    def new(cls, now: float) -> SignIn:
        return cls(str(uuid.uuid4()), int(now), str(uuid.uuid4()))


@dataclass(frozen=True)
class Group:
    name: str
    role_arn: str | None
    precedence: int | None


@dataclass(frozen=True)
class Subject:
    """The user as the tokens describe them."""

    sub: str
    username: str
    attributes: dict[str, str]  # the attributes the app client may read, `sub` excluded
    groups: tuple[Group, ...]


def access_token(
    issuer: str, client_id: str, subject: Subject, sign_in: SignIn, now: float, lifetime: int
) -> dict[str, Any]:
    """The access token's payload: who, for which app client, with which scope, until when."""
    claims: dict[str, Any] = {"sub": subject.sub}
    claims.update(_group_claims(subject.groups, roles=False))
    claims.update(
        {
            "iss": issuer,
            "client_id": client_id,
            "origin_jti": sign_in.origin_jti,
            "event_id": sign_in.event_id,
            "token_use": "access",
            "scope": ACCESS_SCOPE,
            "auth_time": sign_in.auth_time,
            "exp": int(now) + lifetime,
            "iat": int(now),
            "jti": str(uuid.uuid4()),
            "username": subject.username,
        }
    )
    return claims


def id_token(
    issuer: str, client_id: str, subject: Subject, sign_in: SignIn, now: float, lifetime: int
) -> dict[str, Any]:
    """The ID token's payload: who the user is, with the attributes the app client may read
    (`email_verified` and `phone_number_verified` as booleans), groups and their IAM roles."""
    claims: dict[str, Any] = {"sub": subject.sub}
    claims.update(_group_claims(subject.groups, roles=True))
    claims.update(
        {
            "iss": issuer,
            "cognito:username": subject.username,
            "origin_jti": sign_in.origin_jti,
            "aud": client_id,
            "event_id": sign_in.event_id,
            "token_use": "id",
            "auth_time": sign_in.auth_time,
        }
    )
    for name, value in subject.attributes.items():
        claims[name] = _attribute_claim(name, value)
    claims.update({"exp": int(now) + lifetime, "iat": int(now), "jti": str(uuid.uuid4())})
    return claims


def _group_claims(groups: tuple[Group, ...], *, roles: bool) -> dict[str, Any]:
    """``cognito:groups`` (by precedence, lowest first), and for the ID token the groups' IAM
    roles: ``cognito:roles``, and ``cognito:preferred_role``, the role of the group with the
    lowest precedence (developer guide, *Adding groups to a user pool*)."""
    if not groups:
        return {}
    ordered = sorted(groups, key=lambda g: (g.precedence is None, g.precedence or 0, g.name))
    claims: dict[str, Any] = {"cognito:groups": [group.name for group in ordered]}
    with_roles = [group for group in ordered if group.role_arn]
    if roles and with_roles:
        claims["cognito:roles"] = [group.role_arn for group in with_roles]
        if with_roles[0].precedence is not None:
            claims["cognito:preferred_role"] = with_roles[0].role_arn
    return claims


def _attribute_claim(name: str, value: str) -> Any:
    if name in BOOLEAN_ATTRIBUTES:
        return str(value).lower() == "true"
    if name in NUMBER_ATTRIBUTES:
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    return value
