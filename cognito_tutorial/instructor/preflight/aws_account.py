"""Pre-flight checks of an AWS account: credentials, account, region, clock, Cognito access.

Nothing here touches AWS unless :func:`check_aws` is called, and that only reads: it asks STS who
the caller is and makes one ``ListUserPools`` call. Cognito has no dry-run mode, so the write
permissions in :data:`IAM_ACTIONS` are listed, not probed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

from cognito_tutorial.instructor.preflight import FAIL, INFO, OK, WARN, Check

# TOTP codes change every 30 s and Cognito accepts one step either side. A clock this far off
# makes codes computed on this machine (the demo authenticator, headless runs) unreliable...
CLOCK_WARN_S = 10.0
# ...and this far off, wrong: the code for "now" is a whole step away from Cognito's.
CLOCK_FAIL_S = 30.0

# Every IAM action the tutorial's notebooks, `provision` and `cleanup` use, so that docs/aws.md
# can give the minimal policy (a test keeps the two in step). The sign-in calls made with a
# Session or an access token (InitiateAuth, RespondToAuthChallenge, AssociateSoftwareToken,
# VerifySoftwareToken, SetUserMFAPreference, GetUser, GlobalSignOut, RevokeToken, and lesson
# 07's ConfirmDevice, UpdateDeviceStatus, GetDevice, ListDevices, ForgetDevice) are not
# authorised by IAM at all, so they are not listed.
IAM_ACTIONS = (
    "cognito-idp:ListUserPools",  # first: the one action check_aws probes
    "cognito-idp:CreateUserPool",
    "cognito-idp:DescribeUserPool",
    "cognito-idp:UpdateUserPool",  # lesson 07 turns device tracking on, set-up turns it off
    "cognito-idp:DeleteUserPool",
    "cognito-idp:SetUserPoolMfaConfig",
    "cognito-idp:GetUserPoolMfaConfig",
    "cognito-idp:CreateUserPoolClient",
    "cognito-idp:DescribeUserPoolClient",
    "cognito-idp:ListUserPoolClients",
    "cognito-idp:ListUsers",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminSetUserMFAPreference",
    "cognito-idp:AdminInitiateAuth",
    "cognito-idp:AdminRespondToAuthChallenge",
    "cognito-idp:AdminListDevices",  # 99_clean_up counts the devices lesson 07 registered
)


def clock_skew(date_header: str, sent_at: float, received_at: float) -> float:
    """Seconds the server's clock is ahead of this one (negative: behind).

    The server stamped its ``Date`` header between sending and receiving, so it is compared with
    the midpoint; the header has one-second resolution, so the result is good to about a second.
    """
    server = parsedate_to_datetime(date_header).timestamp()
    return server - (sent_at + received_at) / 2


def check_clock_skew(skew_s: float, source: str) -> Check:
    """Grade a measured skew against what TOTP tolerates."""
    ahead = "ahead of" if skew_s > 0 else "behind"
    text = f"{source}'s clock is {abs(skew_s):.0f} s {ahead} this machine's"
    fix = (
        "Turn on automatic time (Windows: Settings > Time; macOS: Date & Time; "
        "Linux: `timedatectl set-ntp true`)."
    )
    if abs(skew_s) >= CLOCK_FAIL_S:
        return Check("Clock", FAIL, f"{text}: codes computed here will be refused. {fix}")
    if abs(skew_s) >= CLOCK_WARN_S:
        return Check("Clock", WARN, f"{text}: codes computed here may be refused. {fix}")
    return Check("Clock", OK, f"{text} (fine for TOTP)")


def check_aws(
    session: Any,
    *,
    make_client: Callable[[str], Any] | None = None,
    now: Callable[[], float] = time.time,
) -> list[Check]:
    """Credentials, account, region, clock and a read-only permission probe on AWS.

    Makes two read-only calls: STS GetCallerIdentity (allowed for every identity) and
    Cognito ListUserPools with MaxResults=1. Creates nothing.

    :param session: a ``boto3.Session`` (its credentials and region are checked).
    :param make_client: builds a client by service name; default ``session.client`` (tests pass
        stubbed clients).
    :param now: this machine's clock, compared with the ``Date`` header AWS sends.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    make_client = make_client or session.client
    try:
        credentials = session.get_credentials()
    except BotoCoreError as error:
        return [Check("AWS credentials", FAIL, f"{error}. Run `aws configure` or `aws sso login`.")]
    if credentials is None:
        return [
            Check(
                "AWS credentials",
                FAIL,
                "none found. Run `aws configure` (or `aws sso login`), or set AWS_PROFILE.",
            )
        ]
    rows = [Check("AWS credentials", OK, f"found ({credentials.method})")]
    region = session.region_name
    if not region:
        rows.append(
            Check(
                "AWS region",
                FAIL,
                "not set. Set AWS_REGION (for example to eu-west-1), or run `aws configure`.",
            )
        )
        return rows
    try:
        sent_at = now()
        identity = make_client("sts").get_caller_identity()
        received_at = now()
    except (ClientError, BotoCoreError) as error:
        rows.append(Check("AWS account", FAIL, f"{error}. {_aws_fix(error)}"))
        return rows
    rows.append(Check("AWS account", OK, f"{identity['Account']} as {identity['Arn']}"))
    rows.append(Check("AWS region", OK, region))
    date = identity.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if date:
        rows.append(check_clock_skew(clock_skew(date, sent_at, received_at), "AWS"))
    else:
        rows.append(Check("Clock", WARN, "AWS sent no Date header; the clock was not compared"))
    try:
        make_client("cognito-idp").list_user_pools(MaxResults=1)
        rows.append(Check("Cognito access", OK, f"ListUserPools allowed in {region}"))
    except (ClientError, BotoCoreError) as error:
        rows.append(
            Check(
                "Cognito access",
                FAIL,
                f"{error}. {_aws_fix(error, 'Attach the policy in docs/aws.md to this identity.')}",
            )
        )
    rows.append(
        Check(
            "Permissions",
            INFO,
            "not probed, as Cognito has no dry run; the tutorial also needs "
            + ", ".join(action.split(":")[1] for action in IAM_ACTIONS[1:])
            + " (cognito-idp:*). The minimal policy is in docs/aws.md.",
        )
    )
    return rows


def _aws_fix(error: Exception, denied: str = "Refresh your credentials and run this again.") -> str:
    """What to do about an AWS call that failed: the network, or the credentials' rights."""
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        return denied
    return "Check this machine reaches AWS (network, proxy, firewall) and run this again."
