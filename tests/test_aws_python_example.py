"""AWS's Python MFA scenario, end to end against the sandbox, tracked device included.

awsdocs/aws-doc-sdk-examples, ``python/example_code/cognito``: ``scenario_signup_user_with_mfa.py``
drives ``cognito_idp_actions.py`` through sign-up, TOTP set-up, an MFA sign-in, ConfirmDevice
(``confirm_mfa_device``) and a sign-in with the tracked device (``sign_in_with_tracked_device``).
Its code is not copied here; this test makes the same requests in the same order, with the same
choices the example makes, written anew:

- the administrator's ADMIN_USER_PASSWORD_AUTH, answered with AdminRespondToAuthChallenge;
- the device verifier computed with pycognito's ``aws_srp`` module functions and an ``AWSSRP``
  whose pool id is ``"_"`` (so the "pool name" it hashes is empty);
- the tracked sign-in as USER_PASSWORD_AUTH with DEVICE_KEY, expecting DEVICE_SRP_AUTH at once,
  then both device challenges answered **without a Session**, the second through
  ``AWSSRP.process_challenge`` with USER_ID_FOR_SRP set to DeviceGroupKey + DeviceKey.

The one step changed: the sign-up code. The example reads it from an e-mail; here an
administrator confirms the user (AdminConfirmSignUp) instead.
"""

from __future__ import annotations

import base64
import os

import pyotp
from pycognito import aws_srp

PASSWORD = "Example-Passw0rd!"


def make_scenario_pool(cognito) -> tuple[str, str]:
    """What the scenario requires: self sign-up, TOTP MFA required, devices always remembered
    and allowed to stand in for the code, and a client for both password flows."""
    pool_id = cognito.create_user_pool(
        PoolName="scenario",
        MfaConfiguration="OFF",
        DeviceConfiguration={
            "ChallengeRequiredOnNewDevice": True,
            "DeviceOnlyRememberedOnUserPrompt": False,
        },
    )["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="scenario",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]
        + ["ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def admin_start(cognito, pool_id, client_id, user_name):
    return cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user_name, "PASSWORD": PASSWORD},
    )


def test_the_scenario_runs_to_the_tracked_device_sign_in(cognito, clock):
    pool_id, client_id = make_scenario_pool(cognito)
    user_name = "scenario-user"

    # 1-2. Sign up, then confirm (see the module docstring), and list the users.
    signed_up = cognito.sign_up(
        ClientId=client_id,
        Username=user_name,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "scenario@example.com"}],
    )
    assert signed_up["UserConfirmed"] is False
    cognito.admin_confirm_sign_up(UserPoolId=pool_id, Username=user_name)
    assert [u["Username"] for u in cognito.list_users(UserPoolId=pool_id)["Users"]] == [user_name]

    # 3. The first sign-in asks for MFA set-up: AssociateSoftwareToken, VerifySoftwareToken.
    started = admin_start(cognito, pool_id, client_id, user_name)
    assert started["ChallengeName"] == "MFA_SETUP"
    assert "SOFTWARE_TOKEN_MFA" in started["ChallengeParameters"]["MFAS_CAN_SETUP"]
    associated = cognito.associate_software_token(Session=started["Session"])
    authenticator = pyotp.TOTP(associated["SecretCode"])
    verified = cognito.verify_software_token(
        Session=associated["Session"], UserCode=authenticator.at(clock.now())
    )
    assert verified["Status"] == "SUCCESS"

    # 4. The scenario then signs in again, with the next code from the app.
    started = admin_start(cognito, pool_id, client_id, user_name)
    assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    clock.advance(30)
    auth_result = cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool_id,
        ClientId=client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=started["Session"],
        ChallengeResponses={
            "USERNAME": user_name,
            "SOFTWARE_TOKEN_MFA_CODE": authenticator.at(clock.now()),
        },
    )["AuthenticationResult"]
    device_group_key = auth_result["NewDeviceMetadata"]["DeviceGroupKey"]
    device_key = auth_result["NewDeviceMetadata"]["DeviceKey"]
    device_password = base64.standard_b64encode(os.urandom(40)).decode("utf-8")

    # 5. confirm_mfa_device: the verifier from pycognito's module functions.
    helper = aws_srp.AWSSRP(
        username=user_name,
        password=device_password,
        pool_id="_",
        client_id=client_id,
        client_secret=None,
        client=cognito,
    )
    salt = aws_srp.pad_hex(aws_srp.get_random(16))
    x_value = aws_srp.hex_to_long(
        aws_srp.hex_hash(
            salt + aws_srp.hash_sha256(f"{device_group_key}{device_key}:{device_password}".encode())
        )
    )
    verifier = aws_srp.pad_hex(pow(helper.val_g, x_value, helper.big_n))
    confirmed = cognito.confirm_device(
        AccessToken=auth_result["AccessToken"],
        DeviceKey=device_key,
        DeviceSecretVerifierConfig={
            "PasswordVerifier": base64.standard_b64encode(bytearray.fromhex(verifier)).decode(),
            "Salt": base64.standard_b64encode(bytearray.fromhex(salt)).decode(),
        },
    )
    assert confirmed["UserConfirmationNecessary"] is False

    # 6. sign_in_with_tracked_device: no MFA code; the device's SRP instead, without Sessions.
    device_srp = aws_srp.AWSSRP(
        username=user_name,
        password=device_password,
        pool_id="_",
        client_id=client_id,
        client_secret=None,
        client=cognito,
    )
    first = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user_name, "PASSWORD": PASSWORD, "DEVICE_KEY": device_key},
    )
    assert first["ChallengeName"] == "DEVICE_SRP_AUTH"
    responses = device_srp.get_auth_params()
    responses["DEVICE_KEY"] = device_key
    second = cognito.respond_to_auth_challenge(
        ClientId=client_id, ChallengeName="DEVICE_SRP_AUTH", ChallengeResponses=responses
    )
    assert second["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    parameters = second["ChallengeParameters"]
    parameters["USER_ID_FOR_SRP"] = device_group_key + device_key
    claim = device_srp.process_challenge(parameters, {"USERNAME": user_name})
    claim["USERNAME"] = user_name
    claim["DEVICE_KEY"] = device_key
    tokens = cognito.respond_to_auth_challenge(
        ClientId=client_id, ChallengeName="DEVICE_PASSWORD_VERIFIER", ChallengeResponses=claim
    )["AuthenticationResult"]
    assert tokens["AccessToken"] and "NewDeviceMetadata" not in tokens
