"""The sandbox as clients other than the tutorial's see it, end to end, with codes read from its
outbox where a person would read their inbox:

- the AWS Python example "sign up a user with MFA" (awsdocs/aws-doc-sdk-examples,
  python/example_code/cognito/scenario_signup_user_with_mfa.py): its calls in its order, steps
  1 to 4 (steps 5 and 6 need device tracking, which the sandbox does not emulate yet);
- pycognito, a library many Python apps use, which checks every token it receives;
- the AWS CLI v1 (`aws cognito-idp ...`), pointed at the sandbox by the variables that
  `python -m cognito_tutorial sandbox --env` prints.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
import uuid

import pyotp
import pytest
from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.exceptions import SoftwareTokenMFAChallengeException

from cognito_tutorial import outbox
from cognito_tutorial.sandbox.credentials import load_or_create
from cognito_tutorial.sandbox.paths import state_dir
from cognito_tutorial.secret_hash import secret_hash

PASSWORD = "Corr3ct-Horse!"
EMAIL = "ada@example.com"


@pytest.fixture
def self_service_pool(make_pool):
    """A pool as the example needs it: self sign-up, e-mail verified, TOTP MFA required."""
    return make_pool(
        mfa="ON",
        secret=True,
        pool_settings={"AutoVerifiedAttributes": ["email"]},
        flows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )


def test_the_aws_python_example_sign_up_with_mfa(self_service_pool, clock):
    pool = self_service_pool
    cognito = pool.cognito
    user = f"ada-{uuid.uuid4().hex[:6]}"

    def hashed(extra: dict) -> dict:  # the example's _secret_hash, for a client with a secret
        return {**extra, "SecretHash": secret_hash(user, pool.client_id, pool.client_secret)}

    # 1. Sign up; ask for the code again; confirm with the code from the e-mail.
    signed_up = cognito.sign_up(
        **hashed(
            {
                "ClientId": pool.client_id,
                "Username": user,
                "Password": PASSWORD,
                "UserAttributes": [{"Name": "email", "Value": EMAIL}],
            }
        )
    )
    assert signed_up["UserConfirmed"] is False
    delivery = cognito.resend_confirmation_code(
        **hashed({"ClientId": pool.client_id, "Username": user})
    )["CodeDeliveryDetails"]
    assert (delivery["DeliveryMedium"], delivery["Destination"]) == ("EMAIL", "a***@e***")
    code = outbox.latest_code(cognito, user, pool_id=pool.pool_id)
    cognito.confirm_sign_up(
        **hashed({"ClientId": pool.client_id, "Username": user, "ConfirmationCode": code})
    )
    # 2. List the pool's users.
    users = cognito.list_users(UserPoolId=pool.pool_id)["Users"]
    assert [u["UserStatus"] for u in users if u["Username"] == user] == ["CONFIRMED"]

    # 3. Sign in as an administrator: MFA_SETUP, whose MFAS_CAN_SETUP the example reads.
    def start_sign_in() -> dict:
        return cognito.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": user,
                "PASSWORD": PASSWORD,
                "SECRET_HASH": secret_hash(user, pool.client_id, pool.client_secret),
            },
        )

    response = start_sign_in()
    assert response["ChallengeName"] == "MFA_SETUP"
    assert "SOFTWARE_TOKEN_MFA" in response["ChallengeParameters"]["MFAS_CAN_SETUP"]
    response.update(cognito.associate_software_token(Session=response["Session"]))
    app = pyotp.TOTP(response["SecretCode"])
    verified = cognito.verify_software_token(
        Session=response["Session"], UserCode=app.at(clock.now())
    )
    assert verified["Status"] == "SUCCESS"

    # 4. The example signs in again (it does not answer MFA_SETUP): now SOFTWARE_TOKEN_MFA.
    response = start_sign_in()
    assert response["ChallengeName"] == "SOFTWARE_TOKEN_MFA"

    def respond(mfa_code: str) -> dict | None:
        try:
            return cognito.admin_respond_to_auth_challenge(
                UserPoolId=pool.pool_id,
                ClientId=pool.client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=response["Session"],
                ChallengeResponses={
                    "USERNAME": user,
                    "SOFTWARE_TOKEN_MFA_CODE": mfa_code,
                    "SECRET_HASH": secret_hash(user, pool.client_id, pool.client_secret),
                },
            )["AuthenticationResult"]
        except ClientError as error:
            # The example's own handling: a code used already means waiting for the next one.
            assert error.response["Error"]["Code"] == "ExpiredCodeException"
            return None

    assert respond(app.at(clock.now())) is None  # the code that verified the app
    clock.advance(30)  # "You might have to wait a few seconds for a new MFA code"
    tokens = respond(app.at(clock.now()))
    assert tokens is not None and tokens["TokenType"] == "Bearer"


@pytest.fixture
def sandbox_environment(monkeypatch, sandbox_url, sandbox):
    """What `eval "$(python -m cognito_tutorial sandbox --env)"` sets, and pycognito's JWKS
    (it fetches keys from AWS's address unless COGNITO_JWKS holds them)."""
    key = load_or_create(state_dir())
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key.secret_access_key)
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", sandbox_url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return sandbox_url


def test_pycognito_signs_up_signs_in_with_totp_refreshes_and_resets(
    sandbox_environment, make_pool, clock, monkeypatch
):
    pool = make_pool(
        mfa="OPTIONAL",
        secret=True,
        pool_settings={"AutoVerifiedAttributes": ["email"]},
        flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    jwks_url = f"{sandbox_environment}/{pool.pool_id}/.well-known/jwks.json"
    with urllib.request.urlopen(jwks_url, timeout=5) as answer:
        monkeypatch.setenv("COGNITO_JWKS", answer.read().decode())

    def app_user(username: str) -> Cognito:
        return Cognito(
            pool.pool_id, pool.client_id, username=username, client_secret=pool.client_secret
        )

    user = f"grace-{uuid.uuid4().hex[:6]}"
    signing_up = app_user(user)
    signing_up.set_base_attributes(email=EMAIL)
    signing_up.register(user, PASSWORD)
    signing_up.confirm_sign_up(outbox.latest_code(pool.cognito, user), username=user)

    me = app_user(user)
    me.authenticate(PASSWORD)  # SRP; pycognito verifies both tokens (key, iss, aud, token_use)
    assert me.id_claims["email"] == EMAIL and me.id_claims["email_verified"] is True
    assert me.get_user().email == EMAIL
    app = pyotp.TOTP(me.associate_software_token())
    assert me.verify_software_token(app.at(clock.now()))
    me.set_user_mfa_preference(False, True, "SOFTWARE_TOKEN")

    again = app_user(user)
    with pytest.raises(SoftwareTokenMFAChallengeException):
        again.authenticate(PASSWORD)
    clock.advance(30)
    again.respond_to_software_token_mfa_challenge(app.at(clock.now()))
    old_access = again.access_token
    again.renew_access_token()  # REFRESH_TOKEN_AUTH, verified again
    assert again.access_token != old_access

    forgetful = app_user(user)
    forgetful.initiate_forgot_password()
    forgetful.confirm_forgot_password(outbox.latest_code(pool.cognito, user), "N3w-Passw0rd!")
    signed_out = again.access_token
    again.logout()  # GlobalSignOut
    with pytest.raises(ClientError) as refused:
        pool.cognito.get_user(AccessToken=signed_out)
    assert refused.value.response["Error"]["Message"] == "Access Token has been revoked"


AWS_CLI = shutil.which("aws", path=os.path.dirname(sys.executable)) or shutil.which("aws")


@pytest.mark.skipif(AWS_CLI is None, reason="the AWS CLI (awscli, requirements-test.txt) is absent")
def test_the_aws_cli_signs_up_and_enrols_totp(sandbox_environment, make_pool, clock, tmp_path):
    pool = make_pool(mfa="ON", pool_settings={"AutoVerifiedAttributes": ["email"]})
    user = f"ada-{uuid.uuid4().hex[:6]}"
    environment = {**os.environ, "HOME": str(tmp_path)}  # no ~/.aws of the machine's user

    def aws(*arguments: str) -> dict:
        answer = subprocess.run(
            [AWS_CLI, "cognito-idp", *arguments, "--output", "json"],
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
            check=False,
        )
        assert answer.returncode == 0, answer.stderr
        return json.loads(answer.stdout or "{}")

    signed_up = aws(
        "sign-up",
        "--client-id", pool.client_id,
        "--username", user,
        "--password", PASSWORD,
        "--user-attributes", f"Name=email,Value={EMAIL}",
    )  # fmt: skip
    assert signed_up["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = outbox.latest_code(pool.cognito, user)
    aws("confirm-sign-up", "--client-id", pool.client_id, "--username", user,
        "--confirmation-code", code)  # fmt: skip
    started = aws(
        "initiate-auth",
        "--client-id", pool.client_id,
        "--auth-flow", "USER_PASSWORD_AUTH",
        "--auth-parameters", f"USERNAME={user},PASSWORD={PASSWORD}",
    )  # fmt: skip
    assert started["ChallengeName"] == "MFA_SETUP"
    associated = aws("associate-software-token", "--session", started["Session"])
    app = pyotp.TOTP(associated["SecretCode"])
    verified = aws("verify-software-token", "--session", associated["Session"],
                   "--user-code", app.at(clock.now()))  # fmt: skip
    done = aws(
        "respond-to-auth-challenge",
        "--client-id", pool.client_id,
        "--challenge-name", "MFA_SETUP",
        "--session", verified["Session"],
        "--challenge-responses", f"USERNAME={user}",
    )  # fmt: skip
    refreshed = aws("get-tokens-from-refresh-token", "--client-id", pool.client_id,
                    "--refresh-token", done["AuthenticationResult"]["RefreshToken"])  # fmt: skip
    assert refreshed["AuthenticationResult"]["TokenType"] == "Bearer"
