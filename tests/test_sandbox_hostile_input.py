"""Hostile input over HTTP: out-of-range numbers, forged access tokens, secrets in validation
messages, objects deleted in the middle of a sign-in, a poisoned state, a damaged clock file,
and the sandbox's own failures. Each answer is a Cognito-shaped error with the exact code and
message, and the sandbox keeps serving every other pool afterwards.

test_sandbox_bad_requests.py and test_reliability_requests.py cover malformed HTTP and JSON;
docs/reliability.md lists every case with what a learner sees.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import logging
import re
import subprocess
import sys
import uuid
from urllib.parse import urlparse

import jwt
import pyotp
import pytest
from botocore import xform_name
from cryptography.hazmat.primitives.asymmetric import rsa
from expect import cognito_error
from support import PASSWORD, PoolUnderTest, client_for

from cognito_tutorial.sandbox import app as sandbox_app
from cognito_tutorial.sandbox import directory, server
from cognito_tutorial.sandbox.auth import AuthSession
from cognito_tutorial.sandbox.clock import ClockFileError, OffsetClock, read_offset
from cognito_tutorial.srp import SrpSignIn

TARGET = "AWSCognitoIdentityProviderService."
INVALID_ACCESS_TOKEN = ("NotAuthorizedException", "Invalid Access Token")


@pytest.fixture(scope="module")
def unchecked(sandbox_url):
    """A client that sends what botocore would refuse itself, as an SDK that does not check."""
    return client_for(sandbox_url, parameter_validation=False)


def pool_of_its_own(cognito, name: str) -> PoolUnderTest:
    """A pool for a whole module (make_pool's are one test's): password sign-ins, MFA off."""
    pool_id = cognito.create_user_pool(PoolName=f"{name}-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    flows = ["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    created = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName=name, ExplicitAuthFlows=flows
    )
    return PoolUnderTest(cognito, pool_id, created["UserPoolClient"]["ClientId"], None)


@pytest.fixture(scope="module")
def other_pool(cognito):
    """A pool nobody attacks: after each hostile request, its user must still sign in."""
    pool = pool_of_its_own(cognito, "bystander")
    return pool, pool.create_user()


def still_serves(other_pool) -> None:
    pool, user = other_pool
    assert "AuthenticationResult" in pool.sign_in(user)


def post(url: str, operation: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    parts = urlparse(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + operation}
    connection.request("POST", "/", body=body, headers=headers)
    response = connection.getresponse()
    reply = response.status, dict(response.getheaders()), response.read()
    connection.close()
    return reply


# --- integer ranges from the API model ---------------------------------------------------------


Step = tuple[str, bool]  # a member's name, and whether it is a list (of one element here)


def _integer_members() -> list[tuple[str, list[Step], int, int]]:
    """Every integer member with a min and max that a request can carry, however deep, as
    (operation, the steps to it, min, max)."""
    model = directory.service_model()
    found = []

    def walk(operation: str, shape, steps: list[Step], seen: frozenset) -> None:
        for name, member in shape.members.items():
            is_list = member.type_name == "list"
            here = [*steps, (name, is_list)]
            if member.type_name == "integer" and {"min", "max"} <= member.metadata.keys():
                found.append((operation, here, member.metadata["min"], member.metadata["max"]))
            inner = member.member if is_list else member
            if inner.type_name == "structure" and inner.name not in seen:
                walk(operation, inner, here, seen | {inner.name})

    for operation in model.operation_names:
        walk(operation, model.operation_model(operation).input_shape, [], frozenset())
    return found


def request_with(steps: list[Step], value: int) -> dict:
    for name, is_list in reversed(steps):
        value = {name: [value] if is_list else value}
    return value


def message_path(steps: list[Step]) -> str:
    return ".".join(name[:1].lower() + name[1:] for name, _ in steps)


INTEGER_MEMBERS = _integer_members()


def test_the_sweep_reaches_the_tutorials_integers():
    paths = {(operation, message_path(steps)) for operation, steps, _, _ in INTEGER_MEMBERS}
    assert ("CreateUserPoolClient", "authSessionValidity") in paths
    assert ("CreateUserPoolClient", "accessTokenValidity") in paths
    assert ("ListUsers", "limit") in paths
    assert ("CreateUserPool", "policies.passwordPolicy.minimumLength") in paths
    assert ("CreateUserPool", "accountRecoverySetting.recoveryMechanisms.priority") in paths
    assert len(paths) > 30


@pytest.mark.parametrize(
    ("operation", "steps", "low", "high"),
    INTEGER_MEMBERS,
    ids=[f"{operation}.{message_path(steps)}" for operation, steps, _, _ in INTEGER_MEMBERS],
)
def test_every_integer_range_is_enforced(unchecked, other_pool, operation, steps, low, high):
    call = getattr(unchecked, xform_name(operation))
    for value, rule in (
        (low - 1, f"greater than or equal to {low}"),
        (high + 1, f"less than or equal to {high}"),
    ):
        with cognito_error("InvalidParameterException") as caught:
            call(**request_with(steps, value))
        message = caught.value.response["Error"]["Message"]
        assert (
            f"Value '{value}' at '{message_path(steps)}' failed to satisfy constraint: Member "
            f"must have value {rule}"
        ) in message
    still_serves(other_pool)


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        (
            -5,
            "InvalidParameterException",
            "1 validation error detected: Value '-5' at 'authSessionValidity' failed to satisfy "
            "constraint: Member must have value greater than or equal to 3",
        ),
        (
            10**6,
            "InvalidParameterException",
            "1 validation error detected: Value '1000000' at 'authSessionValidity' failed to "
            "satisfy constraint: Member must have value less than or equal to 15",
        ),
        (
            2**31,
            "SerializationException",
            "The number at 'authSessionValidity' does not fit in 32 bits.",
        ),
        (
            10**400,
            "SerializationException",
            "The number at 'authSessionValidity' does not fit in 32 bits.",
        ),
    ],
    ids=["-5", "10**6", "2**31", "1-and-400-zeros"],
)
def test_an_out_of_range_session_validity_is_refused_and_not_stored(
    unchecked, make_pool, other_pool, value, code, message
):
    pool = make_pool()
    with cognito_error(code, message):
        unchecked.create_user_pool_client(
            UserPoolId=pool.pool_id, ClientName="poison", AuthSessionValidity=value
        )
    clients = unchecked.list_user_pool_clients(UserPoolId=pool.pool_id, MaxResults=60)
    assert [c["ClientId"] for c in clients["UserPoolClients"]] == [pool.client_id]
    still_serves(other_pool)


@pytest.mark.parametrize("minutes", [3, 15])
def test_session_validity_at_its_bounds_is_accepted(make_pool, minutes):
    pool = make_pool(session_minutes=minutes)
    described = pool.cognito.describe_user_pool_client(
        UserPoolId=pool.pool_id, ClientId=pool.client_id
    )
    assert described["UserPoolClient"]["AuthSessionValidity"] == minutes


def test_list_limits_at_their_bounds_are_answered(unchecked, make_pool):
    pool = make_pool()
    pool.create_user()
    assert "Users" in unchecked.list_users(UserPoolId=pool.pool_id, Limit=0)
    assert len(unchecked.list_users(UserPoolId=pool.pool_id, Limit=60)["Users"]) == 1
    assert "UserPools" in unchecked.list_user_pools(MaxResults=60)


def test_list_and_map_sizes_are_enforced(unchecked, make_pool):
    pool = make_pool()
    attribute = {"Name": "n", "AttributeDataType": "String"}
    with cognito_error(
        "InvalidParameterException",
        "1 validation error detected: Value at 'customAttributes' failed to satisfy constraint: "
        "Member must have length less than or equal to 25",
    ):
        unchecked.add_custom_attributes(UserPoolId=pool.pool_id, CustomAttributes=[attribute] * 26)
    with cognito_error(
        "InvalidParameterException",
        "1 validation error detected: Value at 'customAttributes' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    ):
        unchecked.add_custom_attributes(UserPoolId=pool.pool_id, CustomAttributes=[])


def test_nan_and_infinity_are_not_json(sandbox_url, other_pool):
    for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e400"):
        body = b'{"ClientId": "abc", "AuthFlow": "USER_PASSWORD_AUTH", "x": ' + literal + b"}"
        status, _, reply = post(sandbox_url, "InitiateAuth", body)
        assert status == 400
        assert json.loads(reply) == {
            "__type": "SerializationException",
            "message": "The request body is not JSON.",
        }
    still_serves(other_pool)


# --- secrets in validation messages ----------------------------------------------------------

LONG_SECRET = "S3cret!" * 18_727  # 131,089 characters: over the 131,072 a map value may have


def test_a_password_in_auth_parameters_is_not_echoed(unchecked, make_pool, other_pool):
    pool = make_pool()
    with cognito_error(
        "InvalidParameterException",
        "1 validation error detected: Value at 'authParameters.PASSWORD' failed to satisfy "
        "constraint: Member must have length less than or equal to 131072",
    ):
        unchecked.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "someone", "PASSWORD": LONG_SECRET},
        )
    still_serves(other_pool)


def test_a_new_password_in_challenge_responses_is_not_echoed(unchecked, make_pool):
    pool = make_pool()
    with cognito_error("InvalidParameterException") as caught:
        unchecked.respond_to_auth_challenge(
            ClientId=pool.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session="s" * 20,
            ChallengeResponses={"USERNAME": "someone", "NEW_PASSWORD": LONG_SECRET},
        )
    message = caught.value.response["Error"]["Message"]
    assert "Value at 'challengeResponses.NEW_PASSWORD'" in message
    assert "S3cret!" not in message


def test_values_inside_a_sensitive_structure_are_not_echoed(unchecked, make_pool):
    pool = make_pool()
    with cognito_error("InvalidParameterException") as caught:
        unchecked.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "someone", "PASSWORD": "x"},
            UserContextData={"EncodedData": LONG_SECRET},
        )
    message = caught.value.response["Error"]["Message"]
    assert "Value at 'userContextData.encodedData'" in message
    assert "S3cret!" not in message


@pytest.mark.parametrize(
    ("operation", "params", "path"),
    [
        (
            "AdminSetUserPassword",
            {"UserPoolId": "us-east-1_x", "Username": "u", "Password": "S3cret! " * 40},
            "password",
        ),
        (
            "RespondToAuthChallenge",
            {"ClientId": "c", "ChallengeName": "MFA_SETUP", "Session": "S3cret!"},
            "session",
        ),
        ("RevokeToken", {"Token": "t", "ClientId": "c", "ClientSecret": "S3cret!"}, "clientSecret"),
    ],
    ids=["password", "session", "client-secret"],
)
def test_a_sensitive_member_is_not_echoed(unchecked, operation, params, path):
    with cognito_error("InvalidParameterException") as caught:
        getattr(unchecked, xform_name(operation))(**params)
    message = caught.value.response["Error"]["Message"]
    assert f"Value at '{path}' failed to satisfy constraint" in message
    assert "S3cret!" not in message


def test_a_value_that_is_not_sensitive_is_echoed(unchecked, make_pool):
    """The other side of the rule: Cognito shows ordinary values, and so does the sandbox."""
    pool = make_pool()
    name = "n" * 129
    with cognito_error(
        "InvalidParameterException",
        f"1 validation error detected: Value '{name}' at 'clientName' failed to satisfy "
        "constraint: Member must have length less than or equal to 128",
    ):
        unchecked.create_user_pool_client(UserPoolId=pool.pool_id, ClientName=name)


# --- access tokens -----------------------------------------------------------------------------

# Every operation that takes an AccessToken, with the other members it requires.
ACCESS_TOKEN_OPERATIONS = {
    "AssociateSoftwareToken": {},
    "ChangePassword": {"PreviousPassword": PASSWORD, "ProposedPassword": "N3w-Passw0rd!"},
    "CompleteWebAuthnRegistration": {"Credential": {}},
    "ConfirmDevice": {"DeviceKey": "us-east-1_0a1b"},
    "DeleteUser": {},
    "DeleteUserAttributes": {"UserAttributeNames": ["nickname"]},
    "DeleteWebAuthnCredential": {"CredentialId": "credential"},
    "ForgetDevice": {"DeviceKey": "us-east-1_0a1b"},
    "GetDevice": {"DeviceKey": "us-east-1_0a1b"},
    "GetUser": {},
    "GetUserAttributeVerificationCode": {"AttributeName": "email"},
    "GetUserAuthFactors": {},
    "GlobalSignOut": {},
    "ListDevices": {},
    "ListUserSessions": {},
    "ListWebAuthnCredentials": {},
    "RevokeUserSession": {"SessionId": "tkn" + "a" * 25},
    "SetUserMFAPreference": {},
    "SetUserSettings": {"MFAOptions": []},
    "StartWebAuthnRegistration": {},
    "UpdateDeviceStatus": {"DeviceKey": "us-east-1_0a1b"},
    "UpdateUserAttributes": {"UserAttributes": []},
    "VerifySoftwareToken": {"UserCode": "123456"},
    "VerifyUserAttribute": {"AttributeName": "email", "Code": "123456"},
}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _replace_payload(token: str, change) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"{header}.{b64(json.dumps(change(claims)).encode())}.{signature}"


def _foreign_key_token(token: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


def _alg_none(token: str) -> str:
    _, payload, _ = token.split(".")
    return f"{b64(json.dumps({'alg': 'none', 'kid': 'dummy'}).encode())}.{payload}."


def _hs256(token: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, "a guessed secret that is long enough", algorithm="HS256")


FORGED_TOKENS = {
    "list-payload": lambda real: "x.W10.y",
    "number-payload": lambda real: "x.MQ.y",
    "string-payload": lambda real: "x.ImEi.y",
    "empty-object-payload": lambda real: "x.e30.y",
    "not-json-payload": lambda real: "x.bm90IGpzb24.y",
    "deeply-nested-payload": lambda real: f"x.{b64(b'[' * 50_000 + b']' * 50_000)}.y",
    "not-base64-payload": lambda real: "x.a.y",
    "one-segment": lambda real: "abc",
    "two-segments": lambda real: "a.b",
    "four-segments": lambda real: real + ".d",
    "tampered-username": lambda real: _replace_payload(real, lambda c: {**c, "username": "admin"}),
    "tampered-expiry": lambda real: _replace_payload(real, lambda c: {**c, "exp": c["exp"] + 1}),
    "tampered-issuer": lambda real: _replace_payload(real, lambda c: {**c, "iss": c["iss"] + "0"}),
    "alg-none": _alg_none,
    "hs256": _hs256,
    "foreign-key": _foreign_key_token,
    "signature-cut": lambda real: real.rsplit(".", 1)[0] + ".",
}


@pytest.fixture
def real_tokens(cognito):
    """A signed-in user of a pool of its own: the tokens forgeries are made from. One per test:
    a test that moves the sandbox's clock hours on lets the sandbox forget older tokens."""
    pool = pool_of_its_own(cognito, "forged")
    return pool, pool.sign_in(pool.create_user())["AuthenticationResult"]


def test_the_table_names_every_operation_that_takes_an_access_token():
    model = directory.service_model()
    taking = {
        name
        for name in model.operation_names
        if "AccessToken" in model.operation_model(name).input_shape.members
    }
    assert taking == set(ACCESS_TOKEN_OPERATIONS)


def test_the_real_token_works(real_tokens):
    """The control: the forgeries below are refused for what was changed, not for the rest."""
    pool, tokens = real_tokens
    assert pool.cognito.get_user(AccessToken=tokens["AccessToken"])["Username"]


@pytest.mark.parametrize("forgery", FORGED_TOKENS)
@pytest.mark.parametrize("operation", ACCESS_TOKEN_OPERATIONS)
def test_a_forged_access_token_is_invalid_for_every_operation(
    unchecked, real_tokens, other_pool, operation, forgery
):
    _, tokens = real_tokens
    token = FORGED_TOKENS[forgery](tokens["AccessToken"])
    with cognito_error(*INVALID_ACCESS_TOKEN):
        getattr(unchecked, xform_name(operation))(
            AccessToken=token, **ACCESS_TOKEN_OPERATIONS[operation]
        )
    still_serves(other_pool)


@pytest.mark.parametrize("operation", ["GetUser", "AssociateSoftwareToken", "GlobalSignOut"])
def test_an_id_token_is_not_an_access_token(unchecked, real_tokens, operation):
    _, tokens = real_tokens
    with cognito_error(*INVALID_ACCESS_TOKEN):
        getattr(unchecked, xform_name(operation))(
            AccessToken=tokens["IdToken"], **ACCESS_TOKEN_OPERATIONS[operation]
        )


def test_characters_outside_a_tokens_alphabet_are_a_validation_error(unchecked):
    """The API model's pattern is checked first; the token is sensitive, so not shown."""
    with cognito_error(
        "InvalidParameterException",
        "1 validation error detected: Value at 'accessToken' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [A-Za-z0-9-_=.]+",
    ):
        unchecked.get_user(AccessToken="x.!!!.y")


def test_expired_comes_before_revoked(make_pool, clock):
    pool = make_pool()
    tokens = pool.sign_in(pool.create_user())["AuthenticationResult"]
    pool.cognito.global_sign_out(AccessToken=tokens["AccessToken"])
    with cognito_error("NotAuthorizedException", "Access Token has been revoked"):
        pool.cognito.get_user(AccessToken=tokens["AccessToken"])
    clock.advance(3601)
    with cognito_error("NotAuthorizedException", "Access Token has expired"):
        pool.cognito.get_user(AccessToken=tokens["AccessToken"])


def test_an_expired_token_whose_record_is_gone_has_expired(sandbox, make_pool, clock):
    pool = make_pool()
    tokens = pool.sign_in(pool.create_user())["AuthenticationResult"]
    with sandbox.app.lock:  # as a pruning of spent tokens would leave it
        del directory.find_pool(pool.pool_id).access_tokens[tokens["AccessToken"]]
    clock.advance(3601)
    for call in (pool.cognito.get_user, pool.cognito.associate_software_token):
        with cognito_error("NotAuthorizedException", "Access Token has expired"):
            call(AccessToken=tokens["AccessToken"])


@pytest.mark.parametrize("forgery", ["list-payload", "deeply-nested-payload", "not-base64-payload"])
def test_revoke_token_with_garbage_revokes_nothing(unchecked, real_tokens, other_pool, forgery):
    """Not a JWT with claims, so taken as a refresh token the pool never issued: nothing to do."""
    pool, tokens = real_tokens
    token = FORGED_TOKENS[forgery](tokens["AccessToken"])
    assert unchecked.revoke_token(Token=token, ClientId=pool.client_id) is not None
    assert pool.cognito.get_user(AccessToken=tokens["AccessToken"])["Username"]
    still_serves(other_pool)


@pytest.mark.parametrize("forgery", ["tampered-issuer", "alg-none", "foreign-key"])
def test_revoke_token_with_a_forged_access_token_is_unsupported(unchecked, real_tokens, forgery):
    pool, tokens = real_tokens
    token = FORGED_TOKENS[forgery](tokens["AccessToken"])
    with cognito_error("UnsupportedTokenTypeException", "Unsupported token type."):
        unchecked.revoke_token(Token=token, ClientId=pool.client_id)
    assert pool.cognito.get_user(AccessToken=tokens["AccessToken"])["Username"]


# --- a poisoned state cannot reach other pools -------------------------------------------------


def test_a_client_and_a_session_from_an_older_state_file_break_nothing(
    sandbox, make_pool, other_pool, clock
):
    """An older sandbox stored AuthSessionValidity 10**400 and sessions it made from it; each
    later challenge-returning sign-in, in every pool, then failed (OverflowError)."""
    poisoned = make_pool(mfa="ON")
    with sandbox.app.lock:  # as the older sandbox's state file holds them
        client = directory.find_pool(poisoned.pool_id).clients[poisoned.client_id]
        client.extended_config["AuthSessionValidity"] = 10**400
        planted = {
            f"planted-{n}": AuthSession(
                pool_id=poisoned.pool_id,
                client_id=poisoned.client_id,
                username="someone",
                challenge="MFA_SETUP",
                created_at=created_at,
                validity_s=validity_s,
            )
            for n, (created_at, validity_s) in enumerate(
                [
                    (clock.now(), 10**400 * 60),
                    (clock.now() - 10**6, -(10**400)),
                    (float("nan"), 180),
                    ("not a time", "not a number"),
                ]
            )
        }
        sandbox.app.auth.state.sessions.update(planted)
    try:
        elsewhere = make_pool(mfa="ON")
        user = elsewhere.create_user()
        assert elsewhere.sign_in(user)["ChallengeName"] == "MFA_SETUP"
        elsewhere.enrol_totp(user, clock)
        still_serves(other_pool)
        # The poisoned client itself still signs in, its sessions living 15 minutes at most.
        victim = poisoned.create_user()
        setup = poisoned.sign_in(victim)
        assert setup["ChallengeName"] == "MFA_SETUP"
        clock.advance(15 * 60 + 1)
        with cognito_error(
            "NotAuthorizedException", "Invalid session for the user, session is expired."
        ):
            poisoned.cognito.associate_software_token(Session=setup["Session"])
        # Housekeeping forgets the planted sessions instead of tripping over them.
        clock.advance(2 * 60 * 60)
        assert elsewhere.sign_in(elsewhere.create_user())["ChallengeName"] == "MFA_SETUP"
        assert not set(planted) & set(sandbox.app.auth.state.sessions)
    finally:
        with sandbox.app.lock:
            for token in planted:
                sandbox.app.auth.state.sessions.pop(token, None)


# --- objects deleted in the middle of a sign-in: refused, nothing half done --------------------


def mfa_setup(pool):
    user = pool.create_user()
    return user, pool.sign_in(user)


def mfa_state(pool, user) -> tuple:
    got = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=user)
    return got.get("PreferredMfaSetting"), got.get("UserMFASettingList")


def test_client_deleted_before_associate_software_token(sandbox, make_pool, other_pool):
    pool = make_pool(mfa="ON")
    user, setup = mfa_setup(pool)
    pool.cognito.delete_user_pool_client(UserPoolId=pool.pool_id, ClientId=pool.client_id)
    with cognito_error(
        "ResourceNotFoundException", f"User pool client {pool.client_id} does not exist."
    ):
        pool.cognito.associate_software_token(Session=setup["Session"])
    assert sandbox.app.auth.state.sessions[setup["Session"]].used is False
    assert not any(key.startswith(pool.pool_id) for key in sandbox.app.auth.state.pending_secrets)
    still_serves(other_pool)


def test_client_deleted_before_verify_software_token(sandbox, make_pool, other_pool, clock):
    """The reported case: once a 500 after the secret was stored, the MFA flags set and the
    session spent."""
    pool = make_pool(mfa="ON")
    user, setup = mfa_setup(pool)
    associated = pool.cognito.associate_software_token(Session=setup["Session"])
    before = mfa_state(pool, user)
    pool.cognito.delete_user_pool_client(UserPoolId=pool.pool_id, ClientId=pool.client_id)
    code = pyotp.TOTP(associated["SecretCode"]).at(clock.now())
    with cognito_error(
        "ResourceNotFoundException", f"User pool client {pool.client_id} does not exist."
    ):
        pool.cognito.verify_software_token(Session=associated["Session"], UserCode=code)
    assert mfa_state(pool, user) == before
    auth = sandbox.app.auth.state
    assert auth.sessions[associated["Session"]].used is False
    assert not any(key.startswith(pool.pool_id) for key in auth.authenticators)
    still_serves(other_pool)


def test_client_deleted_before_mfa_setup_is_answered(make_pool, other_pool, clock):
    pool = make_pool(mfa="ON")
    user, setup = mfa_setup(pool)
    associated = pool.cognito.associate_software_token(Session=setup["Session"])
    verified = pool.cognito.verify_software_token(
        Session=associated["Session"],
        UserCode=pyotp.TOTP(associated["SecretCode"]).at(clock.now()),
    )
    pool.cognito.delete_user_pool_client(UserPoolId=pool.pool_id, ClientId=pool.client_id)
    with cognito_error(
        "ResourceNotFoundException", f"User pool client {pool.client_id} does not exist."
    ):
        pool.cognito.respond_to_auth_challenge(
            ClientId=pool.client_id,
            ChallengeName="MFA_SETUP",
            Session=verified["Session"],
            ChallengeResponses={"USERNAME": user},
        )
    still_serves(other_pool)


def test_pool_deleted_during_mfa_setup(make_pool, other_pool):
    pool = make_pool(mfa="ON")
    _, setup = mfa_setup(pool)
    pool.cognito.delete_user_pool(UserPoolId=pool.pool_id)
    with cognito_error("ResourceNotFoundException", f"User pool {pool.pool_id} does not exist."):
        pool.cognito.associate_software_token(Session=setup["Session"])
    still_serves(other_pool)


def test_user_deleted_before_the_mfa_code(sandbox, make_pool, other_pool, clock):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    app = pool.enrol_totp(user, clock)
    clock.advance(30)
    challenge = pool.sign_in(user)
    pool.cognito.admin_delete_user(UserPoolId=pool.pool_id, Username=user)
    with cognito_error("UserNotFoundException", "User does not exist."):
        pool.cognito.respond_to_auth_challenge(
            ClientId=pool.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": app.at(clock.now())},
        )
    assert sandbox.app.auth.state.sessions[challenge["Session"]].used is False
    still_serves(other_pool)


def test_user_disabled_before_the_mfa_code_then_enabled(make_pool, clock):
    """Inferred: a user disabled mid-sign-in gets no tokens; the refusal spends nothing, so
    once enabled again the same session and code sign in."""
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    app = pool.enrol_totp(user, clock)
    clock.advance(30)
    challenge = pool.sign_in(user)
    answer = dict(
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": app.at(clock.now())},
    )
    pool.cognito.admin_disable_user(UserPoolId=pool.pool_id, Username=user)
    with cognito_error("NotAuthorizedException", "User is disabled."):
        pool.cognito.respond_to_auth_challenge(**answer)
    pool.cognito.admin_enable_user(UserPoolId=pool.pool_id, Username=user)
    assert "AuthenticationResult" in pool.cognito.respond_to_auth_challenge(**answer)


def test_user_deleted_before_the_new_password(make_pool, other_pool):
    pool = make_pool()
    pool.cognito.admin_create_user(
        UserPoolId=pool.pool_id,
        Username="invited",
        TemporaryPassword="Temp-Passw0rd!",
        MessageAction="SUPPRESS",
    )
    challenge = pool.sign_in("invited", "Temp-Passw0rd!")
    pool.cognito.admin_delete_user(UserPoolId=pool.pool_id, Username="invited")
    with cognito_error("UserNotFoundException", "User does not exist."):
        pool.cognito.respond_to_auth_challenge(
            ClientId=pool.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": "invited", "NEW_PASSWORD": "N3w-Passw0rd!"},
        )
    still_serves(other_pool)


def srp_started(pool, user):
    client = SrpSignIn(user, PASSWORD, pool.pool_id, pool.client_id)
    started = pool.cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=client.auth_parameters()
    )
    return dict(
        ClientId=pool.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=client.answer_password_verifier(started["ChallengeParameters"]),
    )


def test_client_deleted_before_password_verifier(make_pool, other_pool):
    pool = make_pool()
    answer = srp_started(pool, pool.create_user())
    pool.cognito.delete_user_pool_client(UserPoolId=pool.pool_id, ClientId=pool.client_id)
    with cognito_error(
        "ResourceNotFoundException", f"User pool client {pool.client_id} does not exist."
    ):
        pool.cognito.respond_to_auth_challenge(**answer)
    still_serves(other_pool)


def test_user_disabled_before_password_verifier_spends_nothing(make_pool):
    pool = make_pool()
    user = pool.create_user()
    answer = srp_started(pool, user)
    pool.cognito.admin_disable_user(UserPoolId=pool.pool_id, Username=user)
    with cognito_error("NotAuthorizedException", "User is disabled."):
        pool.cognito.respond_to_auth_challenge(**answer)
    pool.cognito.admin_enable_user(UserPoolId=pool.pool_id, Username=user)
    assert "AuthenticationResult" in pool.cognito.respond_to_auth_challenge(**answer)


def test_refresh_for_a_disabled_user_issues_nothing(make_pool):
    pool = make_pool()
    user = pool.create_user()
    tokens = pool.sign_in(user)["AuthenticationResult"]
    held = len(directory.find_pool(pool.pool_id).access_tokens)
    pool.cognito.admin_disable_user(UserPoolId=pool.pool_id, Username=user)
    with cognito_error("NotAuthorizedException", "User is disabled."):
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
    assert len(directory.find_pool(pool.pool_id).access_tokens) == held


# --- the virtual clock's file ------------------------------------------------------------------

DAMAGED_CLOCK_FILES = ["", "abc", "nan", "inf", "-inf", "1e400", "1e12", "\xff"]


@pytest.mark.parametrize("text", DAMAGED_CLOCK_FILES)
def test_a_damaged_clock_file_is_refused_when_read(tmp_path, text):
    clock_file = tmp_path / "virtual-clock"
    clock_file.write_text(text, encoding="latin-1")
    with pytest.raises(ClockFileError, match="not a number of seconds|Cannot read"):
        read_offset(clock_file)


@pytest.mark.parametrize("text", DAMAGED_CLOCK_FILES)
def test_serve_refuses_a_damaged_clock_file_at_start(tmp_path, text):
    clock_file = tmp_path / "virtual-clock"
    clock_file.write_text(text, encoding="latin-1")
    with pytest.raises(server.SandboxError, match=re.escape(str(clock_file))):
        server.serve(fresh=True, clock_file=clock_file, idle_timeout_s=1)  # if it served


def test_the_sandbox_command_says_so_in_one_line(tmp_path):
    clock_file = tmp_path / "virtual-clock"
    clock_file.write_text("abc")
    command = [sys.executable, "-m", "cognito_tutorial", "sandbox", "--fresh"]
    done = subprocess.run(
        [*command, "--clock-file", str(clock_file)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: The sandbox's clock file {clock_file} holds 'abc'")
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_a_clock_file_damaged_while_running_is_a_clear_json_error(
    sandbox, sandbox_url, make_pool, other_pool, tmp_path
):
    clock_file = tmp_path / "virtual-clock"
    clock_file.write_text("0")
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    sandbox.app.auth.clock = OffsetClock(clock_file)  # the next test gets a ManualClock again
    clock_file.write_text("abc")
    body = json.dumps(
        {
            "ClientId": pool.client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD},
        }
    ).encode()
    status, headers, reply = post(sandbox_url, "InitiateAuth", body)
    assert status == 500
    assert headers["x-amzn-ErrorType"] == "InternalErrorException"
    payload = json.loads(reply)
    assert payload["__type"] == "InternalErrorException"
    assert payload["message"].startswith(
        f"The sandbox's clock file {clock_file} holds 'abc', not a number of seconds"
    )
    clock_file.write_text("0")
    assert pool.sign_in(user)["ChallengeName"] == "MFA_SETUP"
    still_serves(other_pool)


# --- the sandbox's own failures ------------------------------------------------------------------


def test_an_unexpected_exception_is_a_json_internal_error(
    sandbox, sandbox_url, make_pool, monkeypatch, caplog
):
    pool = make_pool(mfa="ON")
    _, setup = mfa_setup(pool)

    def fails(params):
        raise RuntimeError("a bug, with detail-that-stays-in-the-log")

    monkeypatch.setattr(sandbox.app.auth, "associate_software_token", fails)
    body = json.dumps({"Session": setup["Session"]}).encode()
    with caplog.at_level(logging.ERROR, logger=sandbox_app.__name__):
        status, headers, reply = post(sandbox_url, "AssociateSoftwareToken", body)
    assert status == 500
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert headers["x-amzn-ErrorType"] == "InternalErrorException"
    assert json.loads(reply) == {
        "__type": "InternalErrorException",
        "message": "The local sandbox failed on this request; the details are in the "
        "sandbox's log (the terminal it runs in). Send the request again; if it fails the same "
        "way, restart the sandbox.",
    }
    assert b"Traceback" not in reply and b"detail-that-stays-in-the-log" not in reply
    assert "detail-that-stays-in-the-log" in caplog.text  # the traceback is in the log
    assert "Traceback" in caplog.text
    monkeypatch.undo()
    assert "SecretCode" in pool.cognito.associate_software_token(Session=setup["Session"])


def test_botocore_reads_the_internal_error(sandbox, make_pool, monkeypatch):
    pool = make_pool()
    monkeypatch.setattr(sandbox.app.auth, "initiate_auth", lambda params, api: 1 / 0)
    with cognito_error("InternalErrorException") as caught:
        pool.sign_in(pool.create_user())
    assert "the sandbox's log" in caught.value.response["Error"]["Message"]


def test_a_moto_failure_is_a_json_error_naming_the_log(sandbox, make_pool, monkeypatch, caplog):
    pool = make_pool()

    def moto_fails(environ, start_response):
        raise KeyError("inside moto")

    monkeypatch.setattr(sandbox.app, "moto", moto_fails)
    expected = (
        "The sandbox could not process this request (KeyError; the details are in the "
        "sandbox's log (the terminal it runs in))."
    )
    logged = caplog.at_level(logging.ERROR, logger=sandbox_app.__name__)
    with logged, cognito_error("InvalidParameterException", expected):
        pool.cognito.describe_user_pool(UserPoolId=pool.pool_id)
    assert "inside moto" in caplog.text


def test_a_background_sandbox_names_its_log_file(monkeypatch, tmp_path):
    """A spawned sandbox's standard error is its log file (sandbox.spawn), so the message
    names that file; with no file behind standard error, it says where to look instead."""
    log_file = tmp_path / "somewhere" / "sandbox-run.log"
    log_file.parent.mkdir(parents=True)
    with log_file.open("a") as stderr:
        monkeypatch.setattr(sys, "stderr", stderr)
        assert sandbox_app._where_errors_go() == str(log_file)
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a terminal: no file to name
    assert sandbox_app._where_errors_go() == "the sandbox's log (the terminal it runs in)"
