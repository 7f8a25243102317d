"""Remembered devices over HTTP: NewDeviceMetadata, ConfirmDevice, device SRP, the device
operations and their errors (docs/sandbox.md, row p)."""

from __future__ import annotations

import re

import pytest
from support import PASSWORD

from cognito_tutorial.device_srp import DeviceSrpSignIn, RememberedDevice, new_device_secret
from cognito_tutorial.srp import SrpSignIn

DEVICE_KEY = re.compile(r"us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")
GROUP_KEY = re.compile(r"-[A-Za-z0-9]{8}")


@pytest.fixture
def device_pool(cognito, make_pool):
    """Factory: a pool that remembers devices (`challenge`: ChallengeRequiredOnNewDevice,
    `prompt`: DeviceOnlyRememberedOnUserPrompt), with MFA `mfa`."""

    def make(mfa="ON", challenge=True, prompt=False, secret=False):
        pool = make_pool(mfa=mfa, secret=secret)
        cognito.update_user_pool(
            UserPoolId=pool.pool_id,
            MfaConfiguration=mfa,
            DeviceConfiguration={
                "ChallengeRequiredOnNewDevice": challenge,
                "DeviceOnlyRememberedOnUserPrompt": prompt,
            },
        )
        return pool

    return make


def sign_in_with_code(pool, username, app, clock, device_key=None):
    """USER_PASSWORD_AUTH, then the MFA code of the next time step; returns the last answer."""
    parameters = {"USERNAME": username, "PASSWORD": PASSWORD}
    if device_key:
        parameters["DEVICE_KEY"] = device_key
    started = pool.cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=parameters
    )
    assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    clock.advance(30)
    return pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": app.at(clock.now())},
    )


def enrolled_user(pool, clock):
    username = pool.create_user()
    return username, pool.enrol_totp(username, clock)


def confirm(pool, signed_in, name="laptop"):
    """ConfirmDevice for the device a sign-in was given; returns it and ConfirmDevice's answer."""
    result = signed_in["AuthenticationResult"]
    device, verifier = new_device_secret(result["NewDeviceMetadata"])
    confirmed = pool.cognito.confirm_device(
        AccessToken=result["AccessToken"],
        DeviceKey=device.device_key,
        DeviceSecretVerifierConfig=verifier,
        DeviceName=name,
    )
    return device, confirmed, result["AccessToken"]


def remembered_device(pool, clock, **kwargs):
    """An enrolled user with a confirmed device: (username, authenticator, device, token)."""
    username, app = enrolled_user(pool, clock)
    device, _, token = confirm(pool, sign_in_with_code(pool, username, app, clock), **kwargs)
    return username, app, device, token


def answer_device_challenges(pool, username, device, challenge, *, with_session=True):
    """DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER; returns the last answer."""
    assert challenge["ChallengeName"] == "DEVICE_SRP_AUTH"
    device_srp = DeviceSrpSignIn(username, device, pool.client_id, pool.client_secret)
    session = {"Session": challenge["Session"]} if with_session else {}
    verifier = pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="DEVICE_SRP_AUTH",
        ChallengeResponses=device_srp.device_srp_auth_responses(),
        **session,
    )
    assert verifier["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    session = {"Session": verifier["Session"]} if with_session else {}
    return pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="DEVICE_PASSWORD_VERIFIER",
        ChallengeResponses=device_srp.answer_device_password_verifier(
            verifier["ChallengeParameters"]
        ),
        **session,
    )


def password_sign_in(pool, username, device_key):
    return pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD, "DEVICE_KEY": device_key},
    )


def error_of(raised) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


# --- NewDeviceMetadata ------------------------------------------------------------------------


def test_a_pool_without_device_configuration_issues_no_device(make_pool):
    pool = make_pool()
    result = pool.sign_in(pool.create_user())["AuthenticationResult"]
    assert "NewDeviceMetadata" not in result


def test_every_flow_ends_with_a_new_device_in_a_pool_that_remembers(device_pool, cognito, clock):
    pool = device_pool(mfa="OFF")
    username = pool.create_user()
    admin = pool.sign_in(username)["AuthenticationResult"]["NewDeviceMetadata"]
    public = cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["NewDeviceMetadata"]
    srp = SrpSignIn(username, PASSWORD, pool.pool_id, pool.client_id)
    challenge = cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.auth_parameters()
    )
    with_srp = cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=srp.answer_password_verifier(challenge["ChallengeParameters"]),
    )["AuthenticationResult"]["NewDeviceMetadata"]
    keys = {admin["DeviceKey"], public["DeviceKey"], with_srp["DeviceKey"]}
    assert len(keys) == 3 and all(DEVICE_KEY.fullmatch(key) for key in keys)
    # One group key per user (inferred), in Cognito's form.
    assert admin["DeviceGroupKey"] == public["DeviceGroupKey"] == with_srp["DeviceGroupKey"]
    assert GROUP_KEY.fullmatch(admin["DeviceGroupKey"])


def test_mfa_setup_and_the_mfa_code_end_with_a_new_device(device_pool, clock):
    pool = device_pool()
    username = pool.create_user()
    app = pool.enrol_totp(username, clock)  # asserts MFA_SETUP gave tokens
    signed_in = sign_in_with_code(pool, username, app, clock)
    assert DEVICE_KEY.fullmatch(signed_in["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"])


# --- ConfirmDevice and the remembered status ---------------------------------------------------


def test_confirm_device_says_whether_the_user_must_be_asked(device_pool, clock):
    always = device_pool(prompt=False)
    _, confirmed, _ = confirm(
        always, sign_in_with_code(always, *enrolled_user(always, clock), clock)
    )
    assert confirmed["UserConfirmationNecessary"] is False
    on_prompt = device_pool(prompt=True)
    signed_in = sign_in_with_code(on_prompt, *enrolled_user(on_prompt, clock), clock)
    _, confirmed, _ = confirm(on_prompt, signed_in)
    assert confirmed["UserConfirmationNecessary"] is True


def test_a_remembered_device_skips_the_mfa_code(device_pool, clock):
    pool = device_pool()
    username, _, device, _ = remembered_device(pool, clock)
    challenge = password_sign_in(pool, username, device.device_key)
    assert challenge["ChallengeParameters"] == {"USERNAME": username}
    signed_in = answer_device_challenges(pool, username, device, challenge)
    result = signed_in["AuthenticationResult"]
    assert result["AccessToken"] and "NewDeviceMetadata" not in result


def test_the_aws_examples_answer_both_device_challenges_without_a_session(device_pool, clock):
    pool = device_pool()
    username, _, device, _ = remembered_device(pool, clock)
    challenge = password_sign_in(pool, username, device.device_key)
    signed_in = answer_device_challenges(pool, username, device, challenge, with_session=False)
    assert "AccessToken" in signed_in["AuthenticationResult"]


def test_device_srp_after_user_srp_names_the_device_at_password_verifier(
    device_pool, cognito, clock
):
    pool = device_pool()
    username, _, device, _ = remembered_device(pool, clock)
    srp = SrpSignIn(username, PASSWORD, pool.pool_id, pool.client_id)
    challenge = cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.auth_parameters()
    )
    answer = srp.answer_password_verifier(challenge["ChallengeParameters"])
    answer["DEVICE_KEY"] = device.device_key  # as amplify-js and AWS's Java example send it
    device_challenge = cognito.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
    )
    signed_in = answer_device_challenges(pool, username, device, device_challenge)
    assert "AccessToken" in signed_in["AuthenticationResult"]


def test_a_device_not_yet_remembered_gets_the_code_then_device_srp(device_pool, clock):
    pool = device_pool(prompt=True)
    username, app, device, _ = remembered_device(pool, clock)  # confirmed, not remembered
    after_code = sign_in_with_code(pool, username, app, clock, device_key=device.device_key)
    signed_in = answer_device_challenges(pool, username, device, after_code)
    assert "NewDeviceMetadata" not in signed_in["AuthenticationResult"]


def test_remembering_on_prompt_then_forgetting_brings_mfa_back(device_pool, cognito, clock):
    pool = device_pool(prompt=True)
    username, app, device, token = remembered_device(pool, clock)
    cognito.update_device_status(
        AccessToken=token, DeviceKey=device.device_key, DeviceRememberedStatus="remembered"
    )
    assert password_sign_in(pool, username, device.device_key)["ChallengeName"] == (
        "DEVICE_SRP_AUTH"
    )
    cognito.update_device_status(
        AccessToken=token, DeviceKey=device.device_key, DeviceRememberedStatus="not_remembered"
    )
    assert password_sign_in(pool, username, device.device_key)["ChallengeName"] == (
        "SOFTWARE_TOKEN_MFA"
    )
    cognito.forget_device(AccessToken=token, DeviceKey=device.device_key)
    with pytest.raises(cognito.exceptions.ResourceNotFoundException) as raised:
        password_sign_in(pool, username, device.device_key)
    assert error_of(raised)[1] == "Device does not exist."
    # Signing in without the forgotten key: the code again, and a new device.
    again = sign_in_with_code(pool, username, app, clock)
    assert again["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"] != device.device_key


def test_without_challenge_required_a_remembered_device_still_needs_the_code(device_pool, clock):
    pool = device_pool(challenge=False)
    username, app, device, _ = remembered_device(pool, clock)
    after_code = sign_in_with_code(pool, username, app, clock, device_key=device.device_key)
    assert after_code["ChallengeName"] == "DEVICE_SRP_AUTH"


def test_mfa_off_still_proves_a_known_device(device_pool, clock):
    pool = device_pool(mfa="OFF")
    username = pool.create_user()
    device, _, _ = confirm(pool, pool.sign_in(username))
    challenge = password_sign_in(pool, username, device.device_key)
    assert (
        "AccessToken"
        in answer_device_challenges(pool, username, device, challenge)["AuthenticationResult"]
    )


def test_admin_sign_in_with_a_device(device_pool, cognito, clock):
    pool = device_pool()
    username, _, device, _ = remembered_device(pool, clock)
    challenge = cognito.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": username,
            "PASSWORD": PASSWORD,
            "DEVICE_KEY": device.device_key,
        },
    )
    device_srp = DeviceSrpSignIn(username, device, pool.client_id)
    verifier = cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        ChallengeName="DEVICE_SRP_AUTH",
        Session=challenge["Session"],
        ChallengeResponses=device_srp.device_srp_auth_responses(),
    )
    signed_in = cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        ChallengeName="DEVICE_PASSWORD_VERIFIER",
        Session=verifier["Session"],
        ChallengeResponses=device_srp.answer_device_password_verifier(
            verifier["ChallengeParameters"]
        ),
    )
    assert "AccessToken" in signed_in["AuthenticationResult"]


def test_a_client_with_a_secret_signs_every_device_answer(device_pool, clock):
    pool = device_pool(mfa="OFF", secret=True)
    username = pool.create_user()
    signed_in = pool.cognito.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": username,
            "PASSWORD": PASSWORD,
            "SECRET_HASH": secret_hash(pool, username),
        },
    )
    device, _, _ = confirm(pool, signed_in)
    challenge = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": username,
            "PASSWORD": PASSWORD,
            "DEVICE_KEY": device.device_key,
            "SECRET_HASH": secret_hash(pool, username),
        },
    )
    assert (
        "AccessToken"
        in answer_device_challenges(pool, username, device, challenge)["AuthenticationResult"]
    )


def secret_hash(pool, username):
    from cognito_tutorial.secret_hash import secret_hash as compute

    return compute(username, pool.client_id, pool.client_secret)


# --- errors at sign-in ------------------------------------------------------------------------


def test_an_unknown_device_fails_the_sign_in_after_the_password(device_pool, cognito, clock):
    pool = device_pool(mfa="OFF")
    username = pool.create_user()
    unknown = "us-east-1_00000000-0000-4000-8000-000000000000"
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.initiate_auth(  # a wrong password is still the first thing said
            ClientId=pool.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": "Wr0ng-pass!", "DEVICE_KEY": unknown},
        )
    with pytest.raises(cognito.exceptions.ResourceNotFoundException) as raised:
        password_sign_in(pool, username, unknown)
    assert error_of(raised) == ("ResourceNotFoundException", "Device does not exist.")
    srp = SrpSignIn(username, PASSWORD, pool.pool_id, pool.client_id)
    challenge = cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={**srp.auth_parameters(), "DEVICE_KEY": unknown},
    )
    with pytest.raises(cognito.exceptions.ResourceNotFoundException):
        cognito.respond_to_auth_challenge(
            ClientId=pool.client_id,
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=srp.answer_password_verifier(challenge["ChallengeParameters"]),
        )


def test_another_users_device_does_not_exist_for_this_user(device_pool, cognito, clock):
    pool = device_pool(mfa="OFF")
    owner, other = pool.create_user(), pool.create_user()
    device, _, _ = confirm(pool, pool.sign_in(owner))
    with pytest.raises(cognito.exceptions.ResourceNotFoundException) as raised:
        password_sign_in(pool, other, device.device_key)
    assert error_of(raised)[1] == "Device does not exist."


def test_an_unconfirmed_device_cannot_sign_in(device_pool, cognito):
    pool = device_pool(mfa="OFF")
    username = pool.create_user()
    issued = pool.sign_in(username)["AuthenticationResult"]["NewDeviceMetadata"]
    with pytest.raises(cognito.exceptions.ResourceNotFoundException):
        password_sign_in(pool, username, issued["DeviceKey"])


def test_a_wrong_device_password_is_refused_and_spends_the_challenge(device_pool, cognito, clock):
    pool = device_pool()
    username, _, device, _ = remembered_device(pool, clock)
    impostor = RememberedDevice(device.device_key, device.device_group_key, "not-the-password")
    challenge = password_sign_in(pool, username, device.device_key)
    device_srp = DeviceSrpSignIn(username, impostor, pool.client_id)
    verifier = cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="DEVICE_SRP_AUTH",
        Session=challenge["Session"],
        ChallengeResponses=device_srp.device_srp_auth_responses(),
    )
    answer = device_srp.answer_device_password_verifier(verifier["ChallengeParameters"])
    for expected in ("Incorrect username or password.", "session can only be used once"):
        with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
            cognito.respond_to_auth_challenge(
                ClientId=pool.client_id,
                ChallengeName="DEVICE_PASSWORD_VERIFIER",
                Session=verifier["Session"],
                ChallengeResponses=answer,
            )
        assert expected in error_of(raised)[1]


def test_device_srp_without_a_pending_challenge_is_refused(device_pool, cognito, clock):
    pool = device_pool()
    username, _, device, _ = remembered_device(pool, clock)
    device_srp = DeviceSrpSignIn(username, device, pool.client_id)
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        cognito.respond_to_auth_challenge(  # the password was never proven
            ClientId=pool.client_id,
            ChallengeName="DEVICE_SRP_AUTH",
            ChallengeResponses=device_srp.device_srp_auth_responses(),
        )
    assert error_of(raised)[1] == "Invalid session for the user."


def test_a_device_challenge_expires_with_its_session(device_pool, cognito, clock):
    pool = device_pool()
    username, _, device, _ = remembered_device(pool, clock)
    challenge = password_sign_in(pool, username, device.device_key)
    clock.advance(181)
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        cognito.respond_to_auth_challenge(
            ClientId=pool.client_id,
            ChallengeName="DEVICE_SRP_AUTH",
            Session=challenge["Session"],
            ChallengeResponses=DeviceSrpSignIn(
                username, device, pool.client_id
            ).device_srp_auth_responses(),
        )
    assert error_of(raised)[1] == "Invalid session for the user, session is expired."


def test_a_session_for_one_device_does_not_answer_for_another(device_pool, cognito, clock):
    pool = device_pool(mfa="OFF")
    username = pool.create_user()
    first, _, _ = confirm(pool, pool.sign_in(username))
    second, _, _ = confirm(pool, pool.sign_in(username))
    challenge = password_sign_in(pool, username, first.device_key)
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.respond_to_auth_challenge(
            ClientId=pool.client_id,
            ChallengeName="DEVICE_SRP_AUTH",
            Session=challenge["Session"],
            ChallengeResponses=DeviceSrpSignIn(
                username, second, pool.client_id
            ).device_srp_auth_responses(),
        )


# --- ConfirmDevice's errors ------------------------------------------------------------------


def test_confirm_device_refuses_a_key_not_issued_to_this_user(device_pool, cognito):
    pool = device_pool(mfa="OFF")
    owner, other = pool.create_user(), pool.create_user()
    issued = pool.sign_in(owner)["AuthenticationResult"]["NewDeviceMetadata"]
    other_token = pool.sign_in(other)["AuthenticationResult"]["AccessToken"]
    _, verifier = new_device_secret(issued)
    for key in (issued["DeviceKey"], "us-east-1_00000000-0000-4000-8000-000000000000"):
        with pytest.raises(cognito.exceptions.InvalidParameterException) as raised:
            cognito.confirm_device(
                AccessToken=other_token, DeviceKey=key, DeviceSecretVerifierConfig=verifier
            )
        assert error_of(raised)[1] == "Invalid device key given."


def test_confirm_device_needs_a_verifier_and_a_salt(device_pool, cognito):
    pool = device_pool(mfa="OFF")
    result = pool.sign_in(pool.create_user())["AuthenticationResult"]
    key = result["NewDeviceMetadata"]["DeviceKey"]
    for config in ({}, {"PasswordVerifier": "AAAA", "Salt": "not base64!"}):
        with pytest.raises(cognito.exceptions.InvalidParameterException) as raised:
            cognito.confirm_device(
                AccessToken=result["AccessToken"], DeviceKey=key, DeviceSecretVerifierConfig=config
            )
        assert "DeviceSecretVerifierConfig" in error_of(raised)[1]


def test_device_operations_need_a_valid_access_token(device_pool, cognito):
    pool = device_pool(mfa="OFF")
    key = pool.sign_in(pool.create_user())["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"]
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as raised:
        cognito.get_device(AccessToken="x.W10.y", DeviceKey=key)
    assert error_of(raised)[1] == "Invalid Access Token"


# --- listing, reading, updating, forgetting --------------------------------------------------


def test_list_get_and_their_admin_twins(device_pool, cognito, clock):
    pool = device_pool(prompt=True)
    username, _, device, token = remembered_device(pool, clock, name="kitchen tablet")
    # Confirmed but not remembered: the user's own list and GetDevice do not show it.
    assert cognito.list_devices(AccessToken=token)["Devices"] == []
    with pytest.raises(cognito.exceptions.ResourceNotFoundException):
        cognito.get_device(AccessToken=token, DeviceKey=device.device_key)
    listed = cognito.admin_list_devices(UserPoolId=pool.pool_id, Username=username)["Devices"]
    assert [d["DeviceKey"] for d in listed] == [device.device_key]
    attributes = {a["Name"]: a["Value"] for a in listed[0]["DeviceAttributes"]}
    assert attributes["device_name"] == "kitchen tablet"
    assert attributes["dev:device_remembered_status"] == "not_remembered"
    assert attributes["device_status"] == "valid"
    assert attributes["dev:device_owner"] == f"{username}.{pool.pool_id}"
    assert attributes["dev:device_arn"].endswith(
        f":owner/{username}.{pool.pool_id}/device/{device.device_key}"
    )
    cognito.admin_update_device_status(
        UserPoolId=pool.pool_id,
        Username=username,
        DeviceKey=device.device_key,
        DeviceRememberedStatus="remembered",
    )
    own = cognito.get_device(AccessToken=token, DeviceKey=device.device_key)["Device"]
    assert {a["Name"]: a["Value"] for a in own["DeviceAttributes"]}[
        "dev:device_remembered_status"
    ] == "remembered"
    assert own["DeviceCreateDate"] <= own["DeviceLastModifiedDate"]
    assert [d["DeviceKey"] for d in cognito.list_devices(AccessToken=token)["Devices"]] == [
        device.device_key
    ]
    admin = cognito.admin_get_device(
        UserPoolId=pool.pool_id, Username=username, DeviceKey=device.device_key
    )["Device"]
    assert admin["DeviceKey"] == device.device_key


def test_admin_list_devices_pages_through_them(device_pool, cognito):
    pool = device_pool(mfa="OFF")
    username = pool.create_user()
    keys = [confirm(pool, pool.sign_in(username))[0].device_key for _ in range(3)]
    seen, token = [], None
    while True:
        page = cognito.admin_list_devices(
            UserPoolId=pool.pool_id,
            Username=username,
            Limit=2,
            **({"PaginationToken": token} if token else {}),
        )
        assert len(page["Devices"]) <= 2
        seen += [d["DeviceKey"] for d in page["Devices"]]
        token = page.get("PaginationToken")
        if not token:
            break
    assert sorted(seen) == sorted(keys)


def test_admin_forget_device_and_missing_devices(device_pool, cognito, clock):
    pool = device_pool(mfa="OFF")
    username = pool.create_user()
    device, _, token = confirm(pool, pool.sign_in(username))
    cognito.admin_forget_device(
        UserPoolId=pool.pool_id, Username=username, DeviceKey=device.device_key
    )
    for call in (
        lambda: cognito.forget_device(AccessToken=token, DeviceKey=device.device_key),
        lambda: cognito.update_device_status(
            AccessToken=token, DeviceKey=device.device_key, DeviceRememberedStatus="remembered"
        ),
        lambda: cognito.admin_get_device(
            UserPoolId=pool.pool_id, Username=username, DeviceKey=device.device_key
        ),
    ):
        with pytest.raises(cognito.exceptions.ResourceNotFoundException) as raised:
            call()
        assert error_of(raised)[1] == "Device does not exist."
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_list_devices(UserPoolId=pool.pool_id, Username="nobody")


def test_admin_device_operations_need_a_signature_and_public_ones_do_not(
    device_pool, cognito, sandbox_url
):
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    pool = device_pool(mfa="OFF")
    username = pool.create_user()
    device, _, token = confirm(pool, pool.sign_in(username))
    unsigned = boto3.client(
        "cognito-idp",
        endpoint_url=sandbox_url,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )
    assert unsigned.admin_list_devices is not None
    with pytest.raises(unsigned.exceptions.ClientError) as raised:
        unsigned.admin_list_devices(UserPoolId=pool.pool_id, Username=username)
    assert raised.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"
    assert unsigned.list_devices(AccessToken=token)["Devices"][0]["DeviceKey"] == device.device_key


# --- forgetting what no sign-in can use -------------------------------------------------------


def test_devices_of_a_deleted_user_and_unconfirmed_keys_are_forgotten(
    sandbox, device_pool, cognito, clock
):
    pool = device_pool(mfa="OFF")
    kept, deleted = pool.create_user(), pool.create_user()
    confirmed, _, _ = confirm(pool, pool.sign_in(kept))
    unconfirmed = pool.sign_in(kept)["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"]
    gone, _, _ = confirm(pool, pool.sign_in(deleted))
    cognito.admin_delete_user(UserPoolId=pool.pool_id, Username=deleted)
    devices = sandbox.app.auth.state.devices
    clock.advance(24 * 60 * 60 + 61)  # past a day, and past the once-a-minute pass
    pool.create_user()  # a write: the forgetting pass runs before the save
    assert confirmed.device_key in devices
    assert unconfirmed not in devices and gone.device_key not in devices


# --- an independent client ---------------------------------------------------------------


def test_pycognito_remembers_a_device_and_signs_in_with_it(device_pool, cognito, clock):
    """pycognito's own device flow (USER_SRP_AUTH, then DEVICE_SRP_AUTH and
    DEVICE_PASSWORD_VERIFIER without a Session), with its own ConfirmDevice verifier."""
    from pycognito.aws_srp import AWSSRP, generate_hash_device

    pool = device_pool(mfa="OFF")
    username = pool.create_user()
    first = AWSSRP(username, PASSWORD, pool.pool_id, pool.client_id, client=cognito)
    tokens = first.authenticate_user()
    metadata = tokens["AuthenticationResult"]["NewDeviceMetadata"]
    password, verifier = generate_hash_device(metadata["DeviceGroupKey"], metadata["DeviceKey"])
    cognito.confirm_device(
        AccessToken=tokens["AuthenticationResult"]["AccessToken"],
        DeviceKey=metadata["DeviceKey"],
        DeviceSecretVerifierConfig=verifier,
    )
    again = AWSSRP(
        username,
        PASSWORD,
        pool.pool_id,
        pool.client_id,
        client=cognito,
        device_key=metadata["DeviceKey"],
        device_group_key=metadata["DeviceGroupKey"],
        device_password=password,
    ).authenticate_user()
    assert "AccessToken" in again["AuthenticationResult"]
    assert "NewDeviceMetadata" not in again["AuthenticationResult"]


# --- turning device tracking on: UpdateUserPool ------------------------------------------------


def test_update_user_pool_sets_the_mfa_mode_and_describe_reports_the_one_in_use(cognito, make_pool):
    """moto kept UpdateUserPool's MfaConfiguration beside the mode in use; now there is one."""
    pool = make_pool(mfa="ON")
    cognito.update_user_pool(
        UserPoolId=pool.pool_id,
        MfaConfiguration="OPTIONAL",
        DeviceConfiguration={"ChallengeRequiredOnNewDevice": True},
    )
    described = cognito.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]
    assert described["MfaConfiguration"] == "OPTIONAL"
    assert described["DeviceConfiguration"] == {"ChallengeRequiredOnNewDevice": True}
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool.pool_id)["MfaConfiguration"] == (
        "OPTIONAL"
    )
    cognito.set_user_pool_mfa_config(UserPoolId=pool.pool_id, MfaConfiguration="OFF")
    described = cognito.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]
    assert described["MfaConfiguration"] == "OFF"
    created = cognito.create_user_pool(PoolName="p", MfaConfiguration="OFF")["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=created,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    assert cognito.describe_user_pool(UserPoolId=created)["UserPool"]["MfaConfiguration"] == "ON"
