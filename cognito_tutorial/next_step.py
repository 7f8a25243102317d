"""Read a sign-in response and say, in words, what happened and what to send next.

The words and code sketches are data, in ``catalogue/next_steps.toml`` (one guide per
challenge, plus the guides for tokens, enrolment steps and anything unknown); the code here
only picks a guide and fills it in. Challenge parameters and responses follow
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from string import Template
from typing import Any

from cognito_tutorial import catalogue, html_boxes
from cognito_tutorial.display import redact
from cognito_tutorial.errors import API_REFERENCE, TutorialError

RESPOND = "RespondToAuthChallenge"
ADMIN_RESPOND = "AdminRespondToAuthChallenge"


@dataclass(frozen=True)
class Guide:
    """One guide of :data:`GUIDES`.

    :param happened: what the response means; may use ``{device}``, ``{offered}``,
        ``{available}``, ``{required}``, ``{name}``, ``{expires}``, ``{tokens}``.
    :param todo: what to send next, in words (same fields).
    :param responses: the ChallengeResponses keys, in order (SECRET_HASH is added when the
        client has a secret).
    :param operations: the calls to make next, in order; ``"respond"`` stands for
        RespondToAuthChallenge or AdminRespondToAuthChallenge.
    :param sketch: the code sketch of those calls (a ``[sketches]`` entry), or ``""``.
    """

    key: str
    happened: str
    todo: str
    responses: tuple[str, ...]
    operations: tuple[str, ...]
    sketch: str


_WORDS = catalogue.load("next_steps")
GUIDES: tuple[Guide, ...] = tuple(
    Guide(
        entry["key"],
        entry["happened"],
        entry["todo"],
        tuple(entry["responses"]),
        tuple(entry["operations"]),
        entry["sketch"],
    )
    for entry in _WORDS["guides"]
)
_GUIDES_BY_KEY = {guide.key: guide for guide in GUIDES}
_SKETCHES: dict[str, dict[str, str]] = _WORDS["sketches"]
_RESPOND: dict[str, str] = _WORDS["respond"]
_PLACEHOLDERS: dict[str, str] = _WORDS["placeholders"]


@dataclass(frozen=True)
class NextStep:
    """What a sign-in response means and what to send next; build it with :func:`next_step`.

    :param operations: the calls to make, in order (empty once signed in).
    :param challenge_responses: the ChallengeResponses keys for the challenge answer.
    :param session: the Session to send, redacted (the one this response returned).
    :param example: a boto3 sketch of the next call(s), with placeholder variables.
    """

    happened: str
    todo: str
    operations: tuple[str, ...]
    challenge_name: str | None
    challenge_responses: tuple[str, ...]
    session: str | None
    signed_in: bool
    reference: str
    example: str

    @property
    def operation(self) -> str | None:
        """The first call to make next, e.g. ``AssociateSoftwareToken`` for MFA_SETUP."""
        return self.operations[0] if self.operations else None

    def __str__(self) -> str:
        lines = [f"What happened: {self.happened}", f"What to send next: {self.todo}"]
        if self.operations:
            lines.append("Call: " + " → ".join(self.operations))
        if self.challenge_name and self.challenge_responses:
            lines.append(f"ChallengeName: {self.challenge_name}")
            lines.append("ChallengeResponses: " + ", ".join(self.challenge_responses))
        if self.session:
            lines.append(f"Session: {self.session} (the one this response returned)")
        if self.example:
            lines += ["", self.example]
        lines.append(f"Reference: {self.reference}")
        return "\n".join(lines)

    __repr__ = __str__  # the text/plain form of notebook outputs stays readable

    def _repr_html_(self) -> str:
        code = html_boxes.code
        rows = [("What happened", html.escape(self.happened))]
        rows.append(("What to send next", html.escape(self.todo)))
        if self.operations:
            rows.append(("Call, in order", html_boxes.numbered(map(code, self.operations))))
        if self.challenge_name and self.challenge_responses:
            rows.append(("ChallengeName", code(self.challenge_name)))
            rows.append(("ChallengeResponses", ", ".join(map(code, self.challenge_responses))))
        if self.session:
            rows.append(("Session", f"{code(self.session)} (redacted; from this response)"))
        rows.append(("Reference", html_boxes.link(self.reference)))
        table = html_boxes.table(rows, "Next step", caption_style="caption_title")
        sketch = html_boxes.preformatted(self.example) if self.example else ""
        return html_boxes.box(table + sketch)


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return [value] if value else []
        return decoded if isinstance(decoded, list) else [decoded]
    return []


def _reference(operation: str) -> str:
    return f"{API_REFERENCE}API_{operation}.html"


def _respond_call(admin: bool, challenge: str, keys: tuple[str, ...], session: str) -> str:
    """The sketch of the answer to ``challenge``: respond_to_auth_challenge or its Admin twin."""
    side = "admin" if admin else "public"
    answers = "".join(
        Template(_RESPOND["answer"]).substitute(
            key=key, value=_PLACEHOLDERS.get(key, _RESPOND["unknown_value"])
        )
        + "\n"
        for key in keys
    )
    return Template(_RESPOND["call"]).substitute(
        method=_RESPOND[f"{side}_method"],
        ids=_RESPOND[f"{side}_ids"],
        challenge=challenge,
        session=session,
        answers=answers,
    )


def _example(guide: Guide, challenge: str | None, keys: tuple[str, ...], admin: bool) -> str:
    """The guide's code sketch, its answer to the challenge filled in."""
    if not guide.sketch:
        return ""
    sketch = _SKETCHES[guide.sketch]
    respond = ""
    if "session" in sketch:
        respond = _respond_call(admin, challenge or "MFA_SETUP", keys, sketch["session"])
    return Template(sketch["code"]).substitute(respond=respond)


def _fields(response: Mapping[str, Any], name: str | None) -> dict[str, str]:
    params = response.get("ChallengeParameters") or {}
    device = params.get("FRIENDLY_DEVICE_NAME")
    offered = _json_list(params.get("MFAS_CAN_SETUP") or params.get("MFAS_CAN_CHOOSE"))
    required = [
        str(a).removeprefix("userAttributes.") for a in _json_list(params.get("requiredAttributes"))
    ]
    result = response.get("AuthenticationResult") or {}
    tokens = [t for t in ("AccessToken", "IdToken", "RefreshToken") if t in result]
    expires = result.get("ExpiresIn")
    fields = {
        "name": name or "",
        "device": f" The app's entry for it is named {device!r}." if device else "",
        "offered": ", ".join(map(str, offered)) or "none listed",
        "available": ", ".join(map(str, response.get("AvailableChallenges") or [])) or "none",
        "required": (
            " It also needs these attributes, sent as userAttributes.<name>: "
            + ", ".join(required)
            + "."
            if required
            else ""
        ),
        "tokens": ", ".join(tokens) or "none",
        "expires": f"{expires} seconds" if expires is not None else "the pool's set time",
    }
    if name is None and result.get("NewDeviceMetadata"):
        fields["device"] = (
            " Cognito also returned NewDeviceMetadata, a key for this device: to remember the "
            "device, make up a device password and register its verifier with ConfirmDevice "
            "(optional; lesson 07)."
        )
    elif name is None:
        fields["device"] = ""
    return fields


def _pick_guide(response: Mapping[str, Any]) -> tuple[Guide, str | None]:
    name = response.get("ChallengeName")
    if name:
        return _GUIDES_BY_KEY.get(str(name), _GUIDES_BY_KEY["*challenge"]), str(name)
    if response.get("AuthenticationResult"):
        return _GUIDES_BY_KEY["*signed_in"], None
    if "SecretCode" in response:
        key = "*associated" if response.get("Session") else "*associated_signed_in"
        return _GUIDES_BY_KEY[key], None
    if response.get("Status") == "SUCCESS":
        key = "*verified" if response.get("Session") else "*verified_signed_in"
        return _GUIDES_BY_KEY[key], None
    return _GUIDES_BY_KEY["*unknown"], None


def next_step(
    response: Mapping[str, Any], *, admin: bool = False, has_secret: bool = False
) -> NextStep:
    """Say what a sign-in response means and what to send next.

    Reads InitiateAuth, AdminInitiateAuth, (Admin)RespondToAuthChallenge,
    AssociateSoftwareToken and VerifySoftwareToken responses.

    :param response: the dict the boto3 call returned.
    :param admin: the sign-in uses the Admin* operations (AdminRespondToAuthChallenge).
    :param has_secret: the app client has a client secret, so answers need SECRET_HASH.
    :returns: a :class:`NextStep`; the last expression of a cell shows it.
    :raises TutorialError: if ``response`` is not a dict.
    """
    if not isinstance(response, Mapping):
        raise TutorialError.about("not_a_response", kind=type(response).__name__)
    guide, name = _pick_guide(response)
    fields = _fields(response, name)
    keys = guide.responses
    if guide.key == "NEW_PASSWORD_REQUIRED":
        params = response.get("ChallengeParameters") or {}
        keys += tuple(
            a if str(a).startswith("userAttributes.") else f"userAttributes.{a}"
            for a in _json_list(params.get("requiredAttributes"))
        )
    if keys and has_secret:
        keys += ("SECRET_HASH",)
    respond = ADMIN_RESPOND if admin else RESPOND
    operations = tuple(respond if op == "respond" else op for op in guide.operations)
    challenge = name if name else ("MFA_SETUP" if respond in operations else None)
    session = response.get("Session")
    return NextStep(
        happened=guide.happened.format(**fields),
        todo=guide.todo.format(**fields),
        operations=operations,
        challenge_name=challenge,
        challenge_responses=keys,
        session=redact(session) if isinstance(session, str) and session else None,
        signed_in=guide.key == "*signed_in",
        reference=_reference(operations[0] if operations else respond),
        example=_example(guide, challenge, keys, admin),
    )
