"""Read a sign-in response and say, in words, what happened and what to send next.

The learner-facing text is the table :data:`GUIDES` at the top of this module (one row per
challenge, plus the rows for tokens, enrolment steps and anything unknown); the code below
only picks a row and fills it in. Challenge parameters and responses follow
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cognito_tutorial.display import BOX_STYLE, redact
from cognito_tutorial.errors import API_REFERENCE, TutorialError

RESPOND = "RespondToAuthChallenge"
ADMIN_RESPOND = "AdminRespondToAuthChallenge"
ASSOCIATE = "AssociateSoftwareToken"
VERIFY = "VerifySoftwareToken"
SET_PREFERENCE = "SetUserMFAPreference"


@dataclass(frozen=True)
class Guide:
    """One row of :data:`GUIDES`.

    :param happened: what the response means; may use ``{device}``, ``{offered}``,
        ``{available}``, ``{required}``, ``{name}``, ``{expires}``.
    :param todo: what to send next, in words (same fields).
    :param responses: the ChallengeResponses keys, in order (SECRET_HASH is added when the
        client has a secret).
    :param operations: the calls to make next, in order; ``"respond"`` stands for
        RespondToAuthChallenge or AdminRespondToAuthChallenge.
    """

    key: str
    happened: str
    todo: str
    responses: tuple[str, ...] = ()
    operations: tuple[str, ...] = ("respond",)


_G = Guide

GUIDES: tuple[Guide, ...] = (
    _G(
        "NEW_PASSWORD_REQUIRED",
        "The password was right, but it is temporary (set by an administrator). Cognito wants "
        "the user to choose their own before signing in.{required}",
        "Answer the challenge with the user's new password as NEW_PASSWORD, and the Session "
        "from this response.",
        ("USERNAME", "NEW_PASSWORD"),
    ),
    _G(
        "MFA_SETUP",
        "The password was right, but the user pool requires MFA and this user has no second "
        "factor yet. The factors the user may set up: {offered}.",
        "Enrol an authenticator app in three calls: AssociateSoftwareToken with this Session "
        "(it returns the secret to add to the app), VerifySoftwareToken with a code from the "
        "app, then answer MFA_SETUP with the Session that VerifySoftwareToken returned.",
        ("USERNAME",),
        (ASSOCIATE, VERIFY, "respond"),
    ),
    _G(
        "SOFTWARE_TOKEN_MFA",
        "The password was right; this user has an authenticator app (TOTP), so Cognito asks for "
        "the 6-digit code it shows now.{device}",
        "Answer with the current code as SOFTWARE_TOKEN_MFA_CODE and the Session from this "
        "response. A wrong code can be retried on the same Session until it expires.",
        ("USERNAME", "SOFTWARE_TOKEN_MFA_CODE"),
    ),
    _G(
        "PASSWORD_VERIFIER",
        "Secure Remote Password (SRP), step 2: Cognito sent its half of the exchange (SRP_B, "
        "SALT, SECRET_BLOCK), so the password itself never crosses the wire.",
        "Compute the password claim from SRP_B, SALT and the password, and answer within a few "
        "seconds with PASSWORD_CLAIM_SIGNATURE, PASSWORD_CLAIM_SECRET_BLOCK (the SECRET_BLOCK "
        "you received) and TIMESTAMP (like 'Tue Sep 5 08:03:09 UTC 2023').",
        ("USERNAME", "PASSWORD_CLAIM_SIGNATURE", "PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP"),
    ),
    _G(
        "SMS_MFA",
        "The password was right; Cognito sent a code by text message to the user's phone.",
        "Answer with that code as SMS_MFA_CODE and the Session from this response.",
        ("USERNAME", "SMS_MFA_CODE"),
    ),
    _G(
        "EMAIL_OTP",
        "Cognito emailed a one-time code to the user.",
        "Answer with that code as EMAIL_OTP_CODE and the Session from this response.",
        ("USERNAME", "EMAIL_OTP_CODE"),
    ),
    _G(
        "SMS_OTP",
        "Cognito sent a one-time code by text message to the user.",
        "Answer with that code as SMS_OTP_CODE and the Session from this response.",
        ("USERNAME", "SMS_OTP_CODE"),
    ),
    _G(
        "SELECT_MFA_TYPE",
        "The user has more than one second factor set up; Cognito asks which one to use now. "
        "Offered: {offered}.",
        "Answer with ANSWER set to one of them (SOFTWARE_TOKEN_MFA for the authenticator app); "
        "Cognito then sends the challenge for that factor.",
        ("USERNAME", "ANSWER"),
    ),
    _G(
        "SELECT_CHALLENGE",
        "Choice-based sign-in (USER_AUTH): Cognito asks how the user wants to sign in. "
        "Available: {available}.",
        "Answer with ANSWER set to one of them, plus what it needs: PASSWORD with the password, "
        "PASSWORD_SRP with SRP_A, WEB_AUTHN with CREDENTIAL; EMAIL_OTP and SMS_OTP need nothing "
        "more and send a code.",
        ("USERNAME", "ANSWER"),
    ),
    _G(
        "CUSTOM_CHALLENGE",
        "A custom authentication Lambda (CUSTOM_AUTH) set a challenge; its ChallengeParameters "
        "say what it asks.",
        "Answer with the user's answer as ANSWER and the Session from this response.",
        ("USERNAME", "ANSWER"),
    ),
    _G(
        "DEVICE_SRP_AUTH",
        "This device is remembered (device tracking), so Cognito starts a device check by SRP.",
        "Answer with DEVICE_KEY and SRP_A (computed from the device's secret); a "
        "DEVICE_PASSWORD_VERIFIER challenge follows.",
        ("USERNAME", "DEVICE_KEY", "SRP_A"),
    ),
    _G(
        "DEVICE_PASSWORD_VERIFIER",
        "Device SRP, step 2: Cognito sent its half of the exchange for the remembered device.",
        "Answer with DEVICE_KEY, PASSWORD_CLAIM_SIGNATURE, PASSWORD_CLAIM_SECRET_BLOCK and "
        "TIMESTAMP, computed with the device's secret.",
        (
            "USERNAME",
            "DEVICE_KEY",
            "PASSWORD_CLAIM_SIGNATURE",
            "PASSWORD_CLAIM_SECRET_BLOCK",
            "TIMESTAMP",
        ),
    ),
    _G(
        "*challenge",
        "Cognito asks for the challenge {name}, which this tutorial does not cover.",
        "Look up {name} under ChallengeResponses in the RespondToAuthChallenge API reference "
        "and answer with the keys it lists and the Session from this response.",
        ("USERNAME",),
    ),
    _G(
        "*signed_in",
        "Signed in: Cognito returned tokens ({tokens}), valid for {expires}. There is no "
        "challenge left.",
        "Nothing more to send. Verify the IdToken before trusting what it says (tokens.verify), "
        "and send the AccessToken to user operations such as GetUser.{device}",
        (),
        (),
    ),
    _G(
        "*associated",
        "AssociateSoftwareToken returned a new TOTP secret (SecretCode). Add it to the "
        "authenticator app: scan the QR code or type the secret.",
        "Call VerifySoftwareToken with a code from the app and the Session from this response; "
        "then answer MFA_SETUP with the Session that VerifySoftwareToken returns.",
        ("USERNAME",),
        (VERIFY, "respond"),
    ),
    _G(
        "*associated_signed_in",
        "AssociateSoftwareToken returned a new TOTP secret (SecretCode) for a signed-in user. "
        "Add it to the authenticator app.",
        "Call VerifySoftwareToken with the AccessToken and a code from the app, then turn TOTP "
        "on with SetUserMFAPreference.",
        (),
        (VERIFY, SET_PREFERENCE),
    ),
    _G(
        "*verified",
        "VerifySoftwareToken accepted the code: the authenticator app is enrolled.",
        "Finish signing in: answer MFA_SETUP with the Session from this response (not the older "
        "one). Its code is now spent; the next sign-in needs a new code.",
        ("USERNAME",),
    ),
    _G(
        "*verified_signed_in",
        "VerifySoftwareToken accepted the code: the authenticator app is enrolled.",
        "Turn TOTP on for the user with SetUserMFAPreference (SoftwareTokenMfaSettings "
        "Enabled and PreferredMfa); later sign-ins will ask for a code.",
        (),
        (SET_PREFERENCE,),
    ),
    _G(
        "*unknown",
        "This response has no ChallengeName and no AuthenticationResult, so it is not a "
        "sign-in step this helper can read.",
        "Pass the dict returned by InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge, "
        "AssociateSoftwareToken or VerifySoftwareToken.",
        (),
        (),
    ),
)

_GUIDES_BY_KEY = {guide.key: guide for guide in GUIDES}

_PLACEHOLDERS = {
    "USERNAME": "username",
    "NEW_PASSWORD": "new_password",
    "SOFTWARE_TOKEN_MFA_CODE": "code",
    "SMS_MFA_CODE": "code",
    "EMAIL_OTP_CODE": "code",
    "SMS_OTP_CODE": "code",
    "ANSWER": "answer",
    "PASSWORD_CLAIM_SIGNATURE": "signature",
    "PASSWORD_CLAIM_SECRET_BLOCK": 'response["ChallengeParameters"]["SECRET_BLOCK"]',
    "TIMESTAMP": "timestamp",
    "DEVICE_KEY": "device_key",
    "SRP_A": "srp_a",
    "SECRET_HASH": "secret_hash(username, CLIENT_ID, CLIENT_SECRET)",
}

_UNKNOWN_VALUE = '"..."'
_LINK_STYLE = "color:var(--jp-content-link-color, inherit);text-decoration:underline"

_METHODS = {
    RESPOND: "respond_to_auth_challenge",
    ADMIN_RESPOND: "admin_respond_to_auth_challenge",
    ASSOCIATE: "associate_software_token",
    VERIFY: "verify_software_token",
    SET_PREFERENCE: "set_user_mfa_preference",
}


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
        esc = html.escape
        rows = [("What happened", esc(self.happened)), ("What to send next", esc(self.todo))]
        if self.operations:
            calls = "".join(f"<li><code>{esc(op)}</code></li>" for op in self.operations)
            rows.append(("Call, in order", f'<ol style="margin:0;padding-left:1.4em">{calls}</ol>'))
        if self.challenge_name and self.challenge_responses:
            rows.append(("ChallengeName", f"<code>{esc(self.challenge_name)}</code>"))
            keys = ", ".join(f"<code>{esc(k)}</code>" for k in self.challenge_responses)
            rows.append(("ChallengeResponses", keys))
        if self.session:
            rows.append(
                ("Session", f"<code>{esc(self.session)}</code> (redacted; from this response)")
            )
        link = f'<a href="{esc(self.reference)}" style="{_LINK_STYLE}">{esc(self.reference)}</a>'
        rows.append(("Reference", link))
        body = "".join(
            f'<tr><th scope="row" style="text-align:left;vertical-align:top">{esc(name)}</th>'
            f'<td style="text-align:left">{value}</td></tr>'
            for name, value in rows
        )
        sketch = (
            f'<pre style="margin:0.3em 0;color:inherit;'
            f'background:var(--jp-cell-editor-background, transparent)">'
            f"<code>{esc(self.example)}</code></pre>"
            if self.example
            else ""
        )
        return (
            f'<div style="{BOX_STYLE}"><table><caption style="text-align:left;font-weight:bold">'
            f"Next step</caption><tbody>{body}</tbody></table>{sketch}</div>"
        )


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


def _respond_call(
    admin: bool, challenge: str, keys: tuple[str, ...], session: str, indent: str = ""
) -> str:
    operation = ADMIN_RESPOND if admin else RESPOND
    ids = "UserPoolId=USER_POOL_ID, ClientId=CLIENT_ID" if admin else "ClientId=CLIENT_ID"
    answers = "".join(
        f'{indent}        "{key}": {_PLACEHOLDERS.get(key, _UNKNOWN_VALUE)},\n' for key in keys
    )
    return (
        f"{indent}response = cognito.{_METHODS[operation]}(\n"
        f"{indent}    {ids},\n"
        f'{indent}    ChallengeName="{challenge}",\n'
        f"{indent}    Session={session},\n"
        f"{indent}    ChallengeResponses={{\n{answers}{indent}    }},\n"
        f"{indent})"
    )


def _example(guide: Guide, challenge: str | None, keys: tuple[str, ...], admin: bool) -> str:
    ops = guide.operations
    if not ops:
        return ""
    if ops[0] == ASSOCIATE:
        return (
            'associated = cognito.associate_software_token(Session=response["Session"])\n'
            '# add associated["SecretCode"] to the authenticator app, then:\n'
            'verified = cognito.verify_software_token(Session=associated["Session"], '
            "UserCode=code)\n" + _respond_call(admin, "MFA_SETUP", keys, 'verified["Session"]')
        )
    if ops[0] == VERIFY and SET_PREFERENCE in ops:
        return (
            "cognito.verify_software_token(AccessToken=access_token, UserCode=code)\n"
            "cognito.set_user_mfa_preference(\n"
            "    AccessToken=access_token,\n"
            '    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},\n'
            ")"
        )
    if ops[0] == VERIFY:
        return (
            'verified = cognito.verify_software_token(Session=response["Session"], '
            "UserCode=code)\n" + _respond_call(admin, "MFA_SETUP", keys, 'verified["Session"]')
        )
    if ops[0] == SET_PREFERENCE:
        return (
            "cognito.set_user_mfa_preference(\n"
            "    AccessToken=access_token,\n"
            '    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},\n'
            ")"
        )
    return _respond_call(admin, challenge or "MFA_SETUP", keys, 'response["Session"]')


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
            " Cognito also returned NewDeviceMetadata: ConfirmDevice can remember this device "
            "(optional)."
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
