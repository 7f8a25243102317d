"""What the sandbox does not emulate is refused, naming it: never a silent success, never
moto's "has not been implemented"."""

from __future__ import annotations

import pytest
from botocore import xform_name
from expect import cognito_error
from moto.cognitoidp.responses import CognitoIdpResponse

from cognito_tutorial.sandbox import directory
from cognito_tutorial.sandbox.accounts import AccountFlows
from cognito_tutorial.sandbox.auth import AuthLayer
from cognito_tutorial.sandbox.not_emulated import (
    NOT_EMULATED_OPERATIONS,
    NOT_EMULATED_PARAMETERS,
)

OWN_OPERATIONS = set(AuthLayer.OPERATIONS) | set(AccountFlows.OPERATIONS)


def test_every_operation_is_answered_or_refused_by_name_never_both():
    """A botocore upgrade that adds an operation, or a feature emulated while still listed,
    fails here and names it."""
    model = directory.service_model()
    answered_by_moto = {
        name for name in model.operation_names if hasattr(CognitoIdpResponse, xform_name(name))
    }
    answered = OWN_OPERATIONS | answered_by_moto
    refused = set(NOT_EMULATED_OPERATIONS)
    unaccounted = set(model.operation_names) - answered - refused
    assert not unaccounted, f"answer these or list them in not_emulated.py: {sorted(unaccounted)}"
    assert not (OWN_OPERATIONS & refused), "emulated now: take them out of not_emulated.py"
    assert refused <= set(model.operation_names), "not an operation of the API model"


def test_every_challenge_name_is_answered_or_refused():
    model = directory.service_model()
    names = set(model.shape_for("ChallengeNameType").metadata["enum"])
    answered = {
        "PASSWORD_VERIFIER",
        "NEW_PASSWORD_REQUIRED",
        "MFA_SETUP",
        "SOFTWARE_TOKEN_MFA",
        "DEVICE_SRP_AUTH",
        "DEVICE_PASSWORD_VERIFIER",
    }
    refused = next(rule for rule in NOT_EMULATED_PARAMETERS if rule.parameter == "ChallengeName")
    assert {name for name in names if not refused.applies(name)} == answered


@pytest.mark.parametrize("flow", ["CUSTOM_AUTH", "USER_AUTH"])
def test_flows_that_are_not_emulated_are_named(make_pool, flow):
    pool = make_pool()
    with cognito_error("InvalidParameterException") as caught:
        pool.cognito.initiate_auth(
            ClientId=pool.client_id, AuthFlow=flow, AuthParameters={"USERNAME": "someone"}
        )
    message = caught.value.response["Error"]["Message"]
    assert message.startswith(f"AuthFlow {flow} is not emulated by the local sandbox")


def test_sms_mfa_is_refused_but_turning_it_off_is_fine(make_pool, clock):
    pool = make_pool(mfa="OPTIONAL")
    user = pool.create_user()
    with cognito_error("InvalidParameterException") as caught:
        pool.cognito.set_user_pool_mfa_config(
            UserPoolId=pool.pool_id,
            SmsMfaConfiguration={"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::1:role/x"}},
            MfaConfiguration="OPTIONAL",
        )
    assert "SmsMfaConfiguration" in caught.value.response["Error"]["Message"]
    with cognito_error("InvalidParameterException"):
        pool.cognito.admin_set_user_mfa_preference(
            UserPoolId=pool.pool_id, Username=user, SMSMfaSettings={"Enabled": True}
        )
    # Amplify's "no SMS" preference sends SMSMfaSettings turned off: nothing to emulate.
    pool.cognito.admin_set_user_mfa_preference(
        UserPoolId=pool.pool_id,
        Username=user,
        SMSMfaSettings={"Enabled": False, "PreferredMfa": False},
    )


def test_a_not_emulated_operation_with_a_forged_token_is_an_invalid_token_first(cognito):
    """The token is checked as Cognito checks it before the sandbox says what it lacks."""
    with cognito_error("NotAuthorizedException", "Invalid Access Token"):
        cognito.list_web_authn_credentials(AccessToken="x.W10.y")
