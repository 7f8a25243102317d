"""Which flows a client takes, wrong passwords, unknown users, lockout, admin vs public."""

from __future__ import annotations

import pytest
from expect import cognito_error
from support import PASSWORD

pytestmark = pytest.mark.contract


def test_explicit_auth_flows_are_enforced(make_pool):
    pool = make_pool(flows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])
    user = pool.create_user()
    with cognito_error(
        "InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"
    ):
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
        )
    assert "AuthenticationResult" in pool.sign_in(user)


def test_admin_flow_not_enabled_has_its_own_message(make_pool):
    pool = make_pool(flows=["ALLOW_USER_PASSWORD_AUTH"])
    user = pool.create_user()
    with cognito_error("InvalidParameterException", "Auth flow not enabled for this client"):
        pool.sign_in(user)


def test_client_without_explicit_flows_gets_cognito_defaults(make_pool):
    pool = make_pool(flows=None)  # defaults: SRP, custom, refresh; no password flows
    user = pool.create_user()
    with cognito_error("InvalidParameterException"):
        pool.sign_in(user)


@pytest.mark.parametrize(
    ("api", "flow"),
    [("initiate_auth", "ADMIN_USER_PASSWORD_AUTH"), ("admin_initiate_auth", "USER_PASSWORD_AUTH")],
)
def test_flow_sent_to_the_wrong_api_is_refused(make_pool, api, flow):
    pool = make_pool()
    user = pool.create_user()
    kwargs = {
        "ClientId": pool.client_id,
        "AuthFlow": flow,
        "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD},
    }
    if api == "admin_initiate_auth":
        kwargs["UserPoolId"] = pool.pool_id
    with cognito_error("InvalidParameterException", "Initiate Auth method not supported."):
        getattr(pool.cognito, api)(**kwargs)


def test_wrong_password(make_pool):
    pool = make_pool()
    user = pool.create_user()
    with cognito_error("NotAuthorizedException", "Incorrect username or password."):
        pool.sign_in(user, "Wrong-Passw0rd!")


def test_unknown_user_with_legacy_existence_errors(make_pool):
    pool = make_pool()
    with cognito_error("UserNotFoundException", "User does not exist."):
        pool.sign_in("nobody")


def test_unknown_user_with_existence_errors_prevented(make_pool):
    pool = make_pool(prevent_existence=True)
    with cognito_error("NotAuthorizedException", "Incorrect username or password."):
        pool.sign_in("nobody")


def test_repeated_failures_lock_out_then_release(make_pool, clock):
    pool = make_pool()
    user = pool.create_user()
    for _ in range(5):
        with cognito_error("NotAuthorizedException", "Incorrect username or password."):
            pool.sign_in(user, "Wrong-Passw0rd!")
    # Locked for 1 s after the fifth failure: even the right password is refused.
    with cognito_error("NotAuthorizedException", "Password attempts exceeded"):
        pool.sign_in(user)
    clock.advance(1.5)
    with cognito_error("NotAuthorizedException", "Incorrect username or password."):
        pool.sign_in(user, "Wrong-Passw0rd!")
    # The sixth failure doubles the lockout to 2 s.
    clock.advance(1.5)
    with cognito_error("NotAuthorizedException", "Password attempts exceeded"):
        pool.sign_in(user)
    clock.advance(1)
    assert "AuthenticationResult" in pool.sign_in(user)
    # Success clears the count: one failure no longer locks.
    with cognito_error("NotAuthorizedException", "Incorrect username or password."):
        pool.sign_in(user, "Wrong-Passw0rd!")
    assert "AuthenticationResult" in pool.sign_in(user)


def test_lockout_is_capped_at_about_fifteen_minutes(make_pool, clock):
    pool = make_pool()
    user = pool.create_user()
    for failures in range(1, 16):
        with cognito_error("NotAuthorizedException", "Incorrect username or password."):
            pool.sign_in(user, "Wrong-Passw0rd!")
        if 5 <= failures < 15:  # wait out each lockout (1 s, 2 s, ... 512 s): each one counts
            clock.advance(2 ** (failures - 5) + 0.5)
    # The fifteenth failure would lock for 2**10 s; the lockout stops at 15 minutes.
    clock.advance(15 * 60 - 1)
    with cognito_error("NotAuthorizedException", "Password attempts exceeded"):
        pool.sign_in(user)
    clock.advance(2)
    assert "AuthenticationResult" in pool.sign_in(user)


def test_fifteen_minutes_without_an_attempt_reset_the_lockout(make_pool, clock):
    pool = make_pool()
    user = pool.create_user()
    for _ in range(5):
        with cognito_error("NotAuthorizedException", "Incorrect username or password."):
            pool.sign_in(user, "Wrong-Passw0rd!")
    clock.advance(14 * 60)  # an attempt during the quiet time starts it again
    with cognito_error("NotAuthorizedException", "Incorrect username or password."):
        pool.sign_in(user, "Wrong-Passw0rd!")
    with cognito_error("NotAuthorizedException", "Password attempts exceeded"):
        pool.sign_in(user)  # the sixth failure locked for 2 s
    clock.advance(15 * 60)
    # Back to no failures: one more wrong password is the first, and locks nothing.
    with cognito_error("NotAuthorizedException", "Incorrect username or password."):
        pool.sign_in(user, "Wrong-Passw0rd!")
    assert "AuthenticationResult" in pool.sign_in(user)


def test_disabled_user_is_refused(make_pool):
    pool = make_pool()
    user = pool.create_user()
    pool.cognito.admin_disable_user(UserPoolId=pool.pool_id, Username=user)
    with cognito_error("NotAuthorizedException", "User is disabled."):
        pool.sign_in(user)


def test_admin_call_needs_the_clients_own_pool(make_pool):
    pool, other = make_pool(), make_pool()
    user = pool.create_user()
    with cognito_error("ResourceNotFoundException"):
        pool.cognito.admin_initiate_auth(
            UserPoolId=other.pool_id,
            ClientId=pool.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
        )


def test_admin_call_needs_iam_credentials(make_pool, sandbox_url):
    import json
    import urllib.error
    import urllib.request

    pool = make_pool()
    request = urllib.request.Request(
        sandbox_url,
        data=json.dumps({"UserPoolId": pool.pool_id, "Username": "x"}).encode(),
        headers={
            "X-Amz-Target": "AWSCognitoIdentityProviderService.AdminGetUser",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 403  # AWS: MissingAuthenticationToken is a 403
    assert json.loads(caught.value.read())["__type"] == "MissingAuthenticationTokenException"


def test_public_and_admin_password_flows_answer_alike(make_pool):
    pool = make_pool(mfa="ON")
    user = pool.create_user()
    public = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
    )
    admin = pool.sign_in(user)
    assert public["ChallengeName"] == admin["ChallengeName"] == "MFA_SETUP"
    assert public["ChallengeParameters"] == admin["ChallengeParameters"]


def test_unconfirmed_user_is_refused_before_the_password(make_pool):
    pool = make_pool()
    pool.cognito.sign_up(ClientId=pool.client_id, Username="pending", Password=PASSWORD)
    for password in (PASSWORD, "Wrong-Passw0rd!"):
        with cognito_error("UserNotConfirmedException", "User is not confirmed."):
            pool.sign_in("pending", password)
