"""Remembered devices with the JavaScript SDKs a learner's web app would use, in Node.js.

amazon-cognito-identity-js and Amplify JS v6 each sign in with the TOTP code (and confirm the new
device themselves), remember the device, sign in again without a code (DEVICE_SRP_AUTH), forget
the device and meet the code again: the scripts in tests/node_clients/devices_* say what they check.

They need Node.js and the pinned packages: ``npm ci --prefix tests/node_clients`` (from the npm
registry; .ci/run does it). Without them these tests are skipped, with that reason, except in CI
(CI=true), where they must run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pyotp
import pytest
from support import PASSWORD, PoolUnderTest, client_for

CLIENTS = Path(__file__).resolve().parent / "node_clients"
NODE = shutil.which("node")

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _javascript_sdks_installed() -> None:
    """Skip with a visible reason; in CI (CI=true) missing SDKs are a failure instead."""
    if NODE is None:
        missing = "needs Node.js (`node` on PATH)"
    elif not (CLIENTS / "node_modules").is_dir():
        missing = "needs the pinned JavaScript SDKs: npm ci --prefix tests/node_clients"
    else:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing} (CI=true: these tests must run in CI)", pytrace=False)
    pytest.skip(missing)


def pool_with_an_enrolled_user(url: str, *, on_prompt: bool) -> dict[str, str]:
    """A pool remembering devices (remembered ones skip the code), MFA ON, and a user whose
    authenticator was verified with the previous time step's code, so the current one is free."""
    cognito = client_for(url)
    pool_id = cognito.create_user_pool(
        PoolName="js-clients",
        DeviceConfiguration={
            "ChallengeRequiredOnNewDevice": True,
            "DeviceOnlyRememberedOnUserPrompt": on_prompt,
        },
    )["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
        + ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    pool = PoolUnderTest(cognito, pool_id, client_id, None)
    username = pool.create_user()
    setup = pool.sign_in(username)
    associated = cognito.associate_software_token(Session=setup["Session"])
    app = pyotp.TOTP(associated["SecretCode"])
    verified = cognito.verify_software_token(
        Session=associated["Session"], UserCode=app.at(time.time() - app.interval)
    )
    cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool_id,
        ClientId=client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": username},
    )
    return {
        "endpoint": url + "/",
        "poolId": pool_id,
        "clientId": client_id,
        "username": username,
        "password": PASSWORD,
        "secret": associated["SecretCode"],
    }


def run_node(script: str, config: dict[str, str], tmp_path: Path, *args: str) -> str:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    done = subprocess.run(
        [NODE, script, str(path), *args],
        cwd=CLIENTS,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("OK"), done.stdout
    return done.stdout


@pytest.mark.parametrize("on_prompt", [True, False], ids=["user-opt-in", "always"])
def test_amazon_cognito_identity_js_remembers_a_device(sandbox_process, tmp_path, on_prompt):
    config = pool_with_an_enrolled_user(sandbox_process, on_prompt=on_prompt)
    run_node("devices_identity_js.cjs", config, tmp_path)


@pytest.mark.parametrize("flow", ["USER_SRP_AUTH", "USER_PASSWORD_AUTH"])
def test_amplify_v6_remembers_a_device(sandbox_process, tmp_path, flow):
    config = pool_with_an_enrolled_user(sandbox_process, on_prompt=True)
    run_node("devices_amplify6.mjs", config, tmp_path, flow)
