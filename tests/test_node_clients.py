"""The sandbox as JavaScript apps see it: amazon-cognito-identity-js and Amplify JS v6 in Node,
from sign-up to TOTP sign-in, refresh (Amplify's only way is GetTokensFromRefreshToken), sign-out
and a forgotten password. The packages are pinned in tests/node_clients/package.json(-lock);
`npm ci --prefix tests/node_clients` installs them (.ci/run does). Without node or the
packages these tests are skipped with the reason, except in CI, where that is a failure.

The flows run in tests/node_clients/flows.mjs; this test answers its questions as a person
would: TOTP codes from the authenticator (pyotp, on the sandbox's clock), e-mailed codes from
the sandbox's outbox.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pyotp
import pytest

from cognito_tutorial import outbox

CLIENTS = Path(__file__).resolve().parent / "node_clients"
PACKAGES = ("amazon-cognito-identity-js", "aws-amplify")
PASSWORD, NEW_PASSWORD = "Corr3ct-Horse!", "N3w-Passw0rd!"


@pytest.fixture(scope="module")
def node() -> str:
    """The node binary, once the pinned packages are installed."""
    binary = shutil.which("node")
    missing = [name for name in PACKAGES if not (CLIENTS / "node_modules" / name).is_dir()]
    if binary and not missing:
        return binary
    reason = (
        "node is not installed"
        if not binary
        else f"{', '.join(missing)} not installed: run npm ci --prefix tests/node_clients"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (.ci/run must install the JavaScript clients)")
    pytest.skip(reason)


@pytest.fixture
def browser_app_pool(make_pool):
    """A pool as a browser app's: TOTP required, e-mail verified, an app client with no
    secret and the SRP, password and refresh flows."""
    return make_pool(
        mfa="ON",
        pool_settings={"AutoVerifiedAttributes": ["email"]},
        flows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )


def run_flow(node: str, flow: str, pool, sandbox_url: str, clock) -> dict[str, dict]:
    """Run one flow to its end; returns its steps by name."""
    username = f"js-{uuid.uuid4().hex[:6]}"
    config = {
        "endpoint": sandbox_url,
        "userPoolId": pool.pool_id,
        "clientId": pool.client_id,
        "username": username,
        "password": PASSWORD,
        "newPassword": NEW_PASSWORD,
        "email": f"{username}@example.com",
    }
    authenticator: pyotp.TOTP | None = None

    def answer(question: dict) -> str:
        nonlocal authenticator
        if question["ask"] == "code":
            return outbox.latest_code(pool.cognito, question["username"], pool_id=pool.pool_id)
        if question.get("secret"):
            authenticator = pyotp.TOTP(question["secret"])
        else:
            clock.advance(30)  # the next code: the last one was used
        return authenticator.at(clock.now())

    process = subprocess.Popen(
        [node, "flows.mjs", flow, json.dumps(config)],
        cwd=CLIENTS,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    steps: dict[str, dict] = {}
    other_output: list[str] = []
    try:
        for line in process.stdout:
            try:
                said = json.loads(line)
            except ValueError:
                other_output.append(line)
                continue
            if "ask" in said:
                process.stdin.write(json.dumps({"code": answer(said)}) + "\n")
                process.stdin.flush()
            elif "step" in said:
                steps[said["step"]] = said
            elif "error" in said or said.get("done"):
                steps["end"] = said
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    stderr = process.stderr.read()
    assert steps.get("end", {}).get("done"), (steps.get("end"), other_output, stderr[-2000:])
    return steps


def test_amazon_cognito_identity_js(node, browser_app_pool, sandbox_url, clock):
    steps = run_flow(node, "identity-js", browser_app_pool, sandbox_url, clock)
    assert steps["signUp"]["codeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert steps["signUp"]["confirmed"] is False
    assert steps["mfaSetup"]["valid"] is True
    assert steps["refreshSession"]["sameSignIn"] is True
    assert steps["getUserAttributes"]["email"].endswith("@example.com")
    assert steps["forgotPassword"]["codeDeliveryDetails"]["AttributeName"] == "email"
    assert "globalSignOut" in steps


def test_amplify_js_v6(node, browser_app_pool, sandbox_url, clock):
    steps = run_flow(node, "amplify", browser_app_pool, sandbox_url, clock)
    assert steps["signUp"]["nextStep"] == "CONFIRM_SIGN_UP"
    assert steps["signUp"]["codeDeliveryDetails"]["deliveryMedium"] == "EMAIL"
    assert steps["confirmSignUp"]["complete"] is True
    assert steps["signIn"]["nextStep"] == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
    assert steps["confirmSignIn"]["nextStep"] == "DONE"
    # fetchAuthSession({forceRefresh: true}) refreshes with GetTokensFromRefreshToken.
    assert steps["forceRefresh"]["newAccessToken"] is True
    assert steps["forceRefresh"]["sameSignIn"] is True
    assert steps["forceRefresh"]["email"].endswith("@example.com")
    assert steps["fetchUserAttributes"]["emailVerified"] == "true"
    assert steps["fetchMFAPreference"]["enabled"] == ["TOTP"]
    assert steps["signInAgain"]["nextStep"] == "CONFIRM_SIGN_IN_WITH_TOTP_CODE"
    assert steps["totpSignIn"]["nextStep"] == "DONE"
    assert steps["resetPassword"]["nextStep"] == "CONFIRM_RESET_PASSWORD_WITH_CODE"
    assert "confirmResetPassword" in steps
