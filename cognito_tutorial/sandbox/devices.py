"""Remembered devices: device keys, ConfirmDevice's verifier, remembered status, device SRP.

A pool with a DeviceConfiguration gives every sign-in that arrives without a device a new
device key (NewDeviceMetadata). The app registers an SRP verifier for it with ConfirmDevice; from
then on a sign-in that names the device (DEVICE_KEY) ends with DEVICE_SRP_AUTH and
DEVICE_PASSWORD_VERIFIER, the device's own SRP exchange, and a *remembered* device may skip the
MFA code. The sign-in steps live in auth.py (they need its sessions); this module keeps the
devices, their rules, the device SRP arithmetic's inputs, and answers the device operations.

Sources, cited in docs/sandbox.md row p:
  [GUIDE]  Developer guide, "Working with user devices in your user pool"
  [API]    API reference: ConfirmDevice, UpdateDeviceStatus, GetDevice, ListDevices,
           ForgetDevice, their Admin* twins, DeviceConfigurationType (its example responses too)
  [SRP]    amplify-js handleDeviceSRPAuth.ts, pycognito aws_srp.py (generate_hash_device,
           process_device_challenge), AWS's Java and Python device examples
  [SEEN]   messages and behaviour seen against AWS in SDK issues and integration tests
"""

from __future__ import annotations

import base64
import binascii
import secrets
import string
import uuid
from dataclasses import dataclass
from typing import Any

from . import directory, srp
from .directory import Pool, User
from .errors import CognitoError, invalid_parameter

# [SEEN] aws-amplify/amplify-js#12188, amplify-android#2603, amazon-cognito-identity-js#200:
# a forgotten or unknown device at sign-in, and any device operation on it.
DEVICE_MISSING = "Device does not exist."
# [SEEN] aws-amplify/amplify-js#2087, aws/aws-aspnet-cognito-identity-provider#206: ConfirmDevice
# with a key that was not issued to this user.
INVALID_DEVICE_KEY = "Invalid device key given."
# Inferred: Cognito's retention of a key that was never confirmed is not documented.
UNCONFIRMED_DEVICE_SECONDS = 24 * 60 * 60
DEFAULT_LIMIT = 60  # ListDevices' Limit is 0-60 (API model); amplify-js asks for 60
GROUP_KEY_ALPHABET = string.ascii_letters + string.digits

REMEMBERED, NOT_REMEMBERED = "remembered", "not_remembered"

OPERATIONS = (
    "ConfirmDevice",
    "UpdateDeviceStatus",
    "GetDevice",
    "ListDevices",
    "ForgetDevice",
    "AdminGetDevice",
    "AdminListDevices",
    "AdminUpdateDeviceStatus",
    "AdminForgetDevice",
)


@dataclass
class Device:
    """One device key issued to one user. `verifier` and `salt` arrive with ConfirmDevice;
    until then the device is only issued, and nothing but ConfirmDevice knows it."""

    key: str
    group_key: str
    pool_id: str
    user_sub: str
    created_at: float
    last_modified_at: float
    last_authenticated_at: float
    name: str = ""
    confirmed: bool = False
    remembered: bool = False
    salt: int = 0
    verifier: int = 0

    def owned_by(self, pool_id: str, user_sub: str) -> bool:
        return self.pool_id == pool_id and self.user_sub == user_sub


# --- the pool's configuration -------------------------------------------------------------


def tracking(pool: Pool) -> bool:
    """[API] DeviceConfigurationType: "When you provide a value for any property of
    DeviceConfiguration, you activate the device remembering for the user pool." """
    config = directory.device_configuration(pool)
    return any(
        config.get(name) is not None
        for name in ("ChallengeRequiredOnNewDevice", "DeviceOnlyRememberedOnUserPrompt")
    )


def _setting(pool: Pool, name: str) -> bool:
    return bool(directory.device_configuration(pool).get(name))


# --- sign-in ------------------------------------------------------------------------------


def issue(devices: dict[str, Device], pool: Pool, user: User, now: float) -> dict[str, str]:
    """A new device key for a sign-in that came without one: the NewDeviceMetadata.

    [GUIDE] "Amazon Cognito includes a device key in the response to any sign-in that doesn't
    already include device information. The device key is in the format Region_UUID." The
    group key looks like Cognito's ("-v7w9UcY6" in the API reference's examples); *inferred*:
    one per user, shared by all of that user's devices.
    """
    group_key = next(
        (d.group_key for d in devices.values() if d.owned_by(pool.id, user.id)),
        "-" + "".join(secrets.choice(GROUP_KEY_ALPHABET) for _ in range(8)),
    )
    region = pool.id.split("_", 1)[0]
    device = Device(f"{region}_{uuid.uuid4()}", group_key, pool.id, user.id, now, now, now)
    devices[device.key] = device
    return {"DeviceKey": device.key, "DeviceGroupKey": device.group_key}


def for_sign_in(devices: dict[str, Device], pool: Pool, user: User, key: str) -> Device:
    """The confirmed device of this user that a sign-in names, or Cognito's refusal.

    [SEEN] a forgotten or unknown DEVICE_KEY fails the sign-in with ResourceNotFoundException
    "Device does not exist." (clients then retry without it). *Inferred*: so does a key that
    was never confirmed (it has no verifier to sign in with) or belongs to another user.
    """
    device = devices.get(key)
    if device is None or not device.confirmed or not device.owned_by(pool.id, user.id):
        raise CognitoError("ResourceNotFoundException", DEVICE_MISSING)
    return device


def skips_mfa(device: Device, pool: Pool) -> bool:
    """[API] ChallengeRequiredOnNewDevice: "When true, a remembered device can sign in with
    device authentication instead of SMS and TOTP factors for MFA. Whether or not
    ChallengeRequiredOnNewDevice is true, users who sign in with devices that have not been
    confirmed or remembered must still provide a second factor in a user pool that requires
    MFA." """
    return device.remembered and _setting(pool, "ChallengeRequiredOnNewDevice")


def start_srp(device: Device, srp_a_hex: str) -> srp.PasswordVerifierChallenge:
    """DEVICE_SRP_AUTH answered: SRP-6a with the verifier ConfirmDevice registered.

    :raises CognitoError: SRP_A is not a usable SRP value.
    """
    try:
        return srp.start_with_verifier(device.verifier, device.salt, srp_a_hex)
    except ValueError as error:
        raise invalid_parameter(f"SRP_A: {error}") from None


def verify_claim(
    device: Device,
    challenge: srp.PasswordVerifierChallenge,
    secret_block: str,
    timestamp: str,
    signature: str,
) -> bool:
    """[SRP] DEVICE_PASSWORD_VERIFIER: the claim is signed over DeviceGroupKey || DeviceKey ||
    SECRET_BLOCK || TIMESTAMP, with the key only the holder of the device password derives."""
    return srp.verify_claim(
        challenge, device.group_key, device.key, secret_block, timestamp, signature
    )


def challenge_parameters(
    device: Device, challenge: srp.PasswordVerifierChallenge, username: str
) -> dict[str, str]:
    """The DEVICE_PASSWORD_VERIFIER challenge's parameters: what amplify-js, pycognito and AWS's
    examples read (SALT, SRP_B, SECRET_BLOCK; pycognito needs USERNAME)."""
    return {
        "SALT": challenge.salt_hex,
        "SRP_B": challenge.srp_b_hex,
        "SECRET_BLOCK": challenge.secret_block_b64,
        "USERNAME": username,
        "DEVICE_KEY": device.key,
    }


# --- the device operations ----------------------------------------------------------------


def handle(
    operation: str, params: dict[str, Any], devices: dict[str, Device], now: float
) -> dict[str, Any]:
    """Answer one of OPERATIONS. The public ones act for the access token's user; the Admin*
    twins (signed, see credentials.py) for the user the request names."""
    if operation.startswith("Admin"):
        pool = directory.find_pool(params["UserPoolId"])
        user = directory.find_user(pool, params["Username"])
        if user is None:
            raise CognitoError("UserNotFoundException", "User does not exist.")
    else:
        token = params.get("AccessToken")
        if not token:
            raise invalid_parameter("Missing required parameter AccessToken")
        pool, user = directory.access_token_user(token, now)
    name = operation.removeprefix("Admin")
    if name == "ConfirmDevice":
        return _confirm(devices, pool, user, params, now)
    if name == "UpdateDeviceStatus":
        return _update_status(devices, pool, user, params, now)
    if name == "GetDevice":
        device = _confirmed(devices, pool, user, params["DeviceKey"])
        if operation == "GetDevice" and not device.remembered:
            # [SEEN] aws-sdk-android's AWSMobileClient integration test (testRememberDevice):
            # GetDevice finds a device only while it is remembered; AdminGetDevice always.
            raise CognitoError("ResourceNotFoundException", DEVICE_MISSING)
        return {"Device": _device_type(device, pool, user)}
    if name == "ListDevices":
        return _list(devices, pool, user, params, remembered_only=operation == "ListDevices")
    return _forget(devices, pool, user, params["DeviceKey"])


def _confirm(
    devices: dict[str, Device], pool: Pool, user: User, params: dict[str, Any], now: float
) -> dict[str, Any]:
    """[API] ConfirmDevice: register the device's SRP verifier. UserConfirmationNecessary is
    the pool's DeviceOnlyRememberedOnUserPrompt: when false "Amazon Cognito immediately
    remembers devices that you register in a ConfirmDevice API request"; when true the app
    asks the user and says so with UpdateDeviceStatus. *Inferred*: confirming again replaces
    the verifier (the user's own access token proves the right to)."""
    device = devices.get(params["DeviceKey"])
    if device is None or not device.owned_by(pool.id, user.id):
        raise invalid_parameter(INVALID_DEVICE_KEY)
    salt, verifier = _verifier_config(params.get("DeviceSecretVerifierConfig") or {})
    on_prompt = _setting(pool, "DeviceOnlyRememberedOnUserPrompt")
    if not device.confirmed:
        device.remembered = not on_prompt
    device.confirmed, device.salt, device.verifier = True, salt, verifier
    device.name = params.get("DeviceName") or device.name
    device.last_modified_at = now
    return {"UserConfirmationNecessary": on_prompt}


def _verifier_config(config: dict[str, Any]) -> tuple[int, int]:
    """Salt and verifier from DeviceSecretVerifierConfig: Base64 of big-endian numbers, as
    pycognito's generate_hash_device and amplify-js's generateHashDevice send them.

    *Inferred*: the API model marks both optional, but a device without them could never sign
    in with device SRP, so the sandbox refuses such a ConfirmDevice with a clear message.
    """
    numbers = []
    for name in ("Salt", "PasswordVerifier"):
        try:
            raw = base64.b64decode(config.get(name) or "", validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        number = int.from_bytes(raw, "big")
        if number % srp.N == 0:
            raise invalid_parameter(
                f"DeviceSecretVerifierConfig.{name} must be a non-zero number in Base64: "
                "the device's SRP salt and verifier (see pycognito's generate_hash_device)."
            )
        numbers.append(number)
    salt, verifier = numbers
    return salt, verifier


def _update_status(
    devices: dict[str, Device], pool: Pool, user: User, params: dict[str, Any], now: float
) -> dict[str, Any]:
    """[API] UpdateDeviceStatus: remembered or not_remembered. [SEEN] a forgotten device:
    ResourceNotFoundException "Device does not exist." (amplify-android#2603)."""
    device = _confirmed(devices, pool, user, params["DeviceKey"])
    status = params.get("DeviceRememberedStatus")
    if status is None:
        # Inferred: the API model leaves it optional; without it there is nothing to update.
        raise invalid_parameter("Missing required parameter DeviceRememberedStatus")
    device.remembered = status == REMEMBERED
    device.last_modified_at = now
    return {}


def _list(
    devices: dict[str, Device],
    pool: Pool,
    user: User,
    params: dict[str, Any],
    *,
    remembered_only: bool,
) -> dict[str, Any]:
    """[SEEN] ListDevices lists the remembered devices (amazon-cognito-identity-js README, use
    case 18; aws-sdk-android's integration test); AdminListDevices every confirmed one, each
    with its remembered status (API reference example). Oldest first; *inferred*: the
    PaginationToken is the key of the first device of the next page."""
    listed = [
        d
        for d in devices.values()
        if d.confirmed and d.owned_by(pool.id, user.id) and (d.remembered or not remembered_only)
    ]
    listed.sort(key=lambda d: (d.created_at, d.key))
    start = 0
    token = params.get("PaginationToken")
    if token is not None:
        keys = [d.key for d in listed]
        if token not in keys:
            raise invalid_parameter("The pagination token is not valid for this list.")
        start = keys.index(token)
    limit = params.get("Limit") or DEFAULT_LIMIT
    page = listed[start : start + limit]
    answer: dict[str, Any] = {"Devices": [_device_type(d, pool, user) for d in page]}
    if start + limit < len(listed):
        answer["PaginationToken"] = listed[start + limit].key
    return answer


def _forget(devices: dict[str, Device], pool: Pool, user: User, key: str) -> dict[str, Any]:
    """[API] ForgetDevice: the device is gone; a sign-in naming it fails with "Device does not
    exist." and the next sign-in without it gets a new key (aws-sdk-android testForgetDevice)."""
    device = devices.get(key)
    if device is None or not device.owned_by(pool.id, user.id):
        raise CognitoError("ResourceNotFoundException", DEVICE_MISSING)
    del devices[key]
    return {}


def _confirmed(devices: dict[str, Device], pool: Pool, user: User, key: str) -> Device:
    device = devices.get(key)
    if device is None or not device.confirmed or not device.owned_by(pool.id, user.id):
        raise CognitoError("ResourceNotFoundException", DEVICE_MISSING)
    return device


def _device_type(device: Device, pool: Pool, user: User) -> dict[str, Any]:
    """DeviceType as the API reference's AdminListDevices example shows it. Not emulated:
    ``last_ip_used`` and ``dev:device_sdk`` (the sandbox does not track them)."""
    owner = f"{user.username}.{pool.id}"
    account_part = directory.pool_arn(pool).split(":userpool/", 1)[0]
    attributes = [{"Name": "device_status", "Value": "valid"}]
    if device.name:
        attributes.append({"Name": "device_name", "Value": device.name})
    attributes += [
        {"Name": "dev:device_arn", "Value": f"{account_part}:owner/{owner}/device/{device.key}"},
        {"Name": "dev:device_owner", "Value": owner},
        {
            "Name": "dev:device_remembered_status",
            "Value": REMEMBERED if device.remembered else NOT_REMEMBERED,
        },
    ]
    return {
        "DeviceKey": device.key,
        "DeviceAttributes": attributes,
        "DeviceCreateDate": device.created_at,
        "DeviceLastModifiedDate": device.last_modified_at,
        "DeviceLastAuthenticatedDate": device.last_authenticated_at,
    }


# --- forgetting ---------------------------------------------------------------------------


def forget_stale(devices: dict[str, Device], users: dict[str, set[str]], now: float) -> int:
    """Forget devices whose user or pool is gone, and keys never confirmed within
    UNCONFIRMED_DEVICE_SECONDS (no sign-in can use them); returns how many."""
    stale = [
        key
        for key, device in devices.items()
        if device.user_sub not in users.get(device.pool_id, ())
        or (not device.confirmed and now - device.created_at > UNCONFIRMED_DEVICE_SECONDS)
    ]
    for key in stale:
        del devices[key]
    return len(stale)
