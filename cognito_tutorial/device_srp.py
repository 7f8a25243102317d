"""The client side of remembered devices: the device's secret, its verifier, and its own SRP.

1. In a pool that remembers devices, a sign-in without a device ends with ``NewDeviceMetadata``
   (``DeviceKey``, ``DeviceGroupKey``) beside the tokens.
2. `new_device_secret` draws a random device password and computes the
   ``DeviceSecretVerifierConfig`` (``PasswordVerifier``, ``Salt``) that ConfirmDevice registers.
   The password stays on the device; Cognito only ever sees the verifier.
3. A later sign-in names the device (``DEVICE_KEY``). After the password (and the MFA code, if
   the device is not remembered) Cognito asks ``DEVICE_SRP_AUTH``:
   `DeviceSrpSignIn.device_srp_auth_responses` sends ``SRP_A``.
4. Cognito answers ``DEVICE_PASSWORD_VERIFIER``: `DeviceSrpSignIn.answer_device_password_verifier`
   signs its ``SECRET_BLOCK`` with a key only the device password gives.

This is the user SRP of :mod:`cognito_tutorial.srp` with the device group key in the pool name's
place and the device key in the user name's. The arithmetic is pycognito's
(``generate_hash_device``, ``AWSSRP.get_device_authentication_key``); this module keeps the
values for display and never calls AWS.

- https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ConfirmDevice.html
- https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-device-tracking.html
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pycognito.aws_srp import AWSSRP, generate_hash_device, long_to_hex

from .srp import NoAwsClient


@dataclass(frozen=True)
class RememberedDevice:
    """What an app keeps on the device to sign in with it: the two keys Cognito issued and the
    device password it made up. The password is a secret (store it as you would a refresh
    token); the keys identify the device."""

    device_key: str
    device_group_key: str
    device_password: str = field(repr=False)


def new_device_secret(
    new_device_metadata: Mapping[str, str],
) -> tuple[RememberedDevice, dict[str, str]]:
    """A device password for the device Cognito just issued, and its verifier for ConfirmDevice.

    :param new_device_metadata: ``AuthenticationResult["NewDeviceMetadata"]`` of a sign-in.
    :returns: the device to keep, and the ``DeviceSecretVerifierConfig`` (``PasswordVerifier``
        and ``Salt``, Base64) to send with ConfirmDevice. The verifier is
        ``g^x mod N`` with ``x = SHA-256(salt + SHA-256(DeviceGroupKey + DeviceKey + ":" +
        password))``: from it nobody can work the password out.
    :raises ValueError: the metadata lacks DeviceKey or DeviceGroupKey.
    """
    try:
        device_key = new_device_metadata["DeviceKey"]
        group_key = new_device_metadata["DeviceGroupKey"]
    except KeyError as missing:
        raise ValueError(f"NewDeviceMetadata lacks {missing}") from None
    password, verifier_config = generate_hash_device(group_key, device_key)
    return RememberedDevice(device_key, group_key, password), verifier_config


class DeviceSrpSignIn:
    """The device's half of one sign-in: a fresh random a, hence a fresh SRP_A, per object.

    After `answer_device_password_verifier` the values exchanged are attributes, for display:
    `srp_a` (sent), `salt`, `srp_b`, `secret_block` (received), `device_key_material` (derived,
    never sent), `timestamp` and `signature` (sent).

    :param username: the user signing in (the ``USERNAME`` of the challenges).
    :param device: the remembered device.
    :param client_id: the app client id.
    :param client_secret: the app client's secret, if it has one; then SECRET_HASH is sent.
    """

    def __init__(
        self,
        username: str,
        device: RememberedDevice,
        client_id: str,
        client_secret: str | None = None,
    ) -> None:
        self.username = username
        self.device = device
        self.client_id = client_id
        self.client_secret = client_secret
        self._srp = AWSSRP(
            username,
            device.device_password,
            "_",  # the pool id: device SRP hashes the group key in its place
            client_id,
            client=NoAwsClient(),
            client_secret=client_secret,
            device_key=device.device_key,
            device_group_key=device.device_group_key,
            device_password=device.device_password,
        )
        self.srp_a: str = long_to_hex(self._srp.large_a_value)
        self.salt: str | None = None
        self.srp_b: str | None = None
        self.secret_block: str | None = None
        self.device_key_material: bytes | None = None
        self.timestamp: str | None = None
        self.signature: str | None = None

    def device_srp_auth_responses(self) -> dict[str, str]:
        """ChallengeResponses for RespondToAuthChallenge with ChallengeName="DEVICE_SRP_AUTH".

        :returns: USERNAME, DEVICE_KEY and SRP_A (hex), plus SECRET_HASH with a client secret.
        """
        responses = {
            "USERNAME": self.username,
            "DEVICE_KEY": self.device.device_key,
            "SRP_A": self.srp_a,
        }
        self._add_secret_hash(responses)
        return responses

    def answer_device_password_verifier(
        self, challenge_parameters: Mapping[str, str], now: datetime | None = None
    ) -> dict[str, str]:
        """ChallengeResponses for ChallengeName="DEVICE_PASSWORD_VERIFIER".

        The same computation as pycognito's ``AWSSRP.process_device_challenge``, except that
        the moment signed can be chosen and the values are kept on the object.

        :param challenge_parameters: the challenge's parameters (SALT, SRP_B, SECRET_BLOCK,
            and USERNAME).
        :param now: the moment to put in TIMESTAMP; default the current time (naive: UTC).
        :returns: USERNAME, DEVICE_KEY, TIMESTAMP, PASSWORD_CLAIM_SECRET_BLOCK,
            PASSWORD_CLAIM_SIGNATURE, plus SECRET_HASH when the client has a secret.
        :raises ValueError: a challenge parameter is missing.
        """
        try:
            self.salt = challenge_parameters["SALT"]
            self.srp_b = challenge_parameters["SRP_B"]
            self.secret_block = challenge_parameters["SECRET_BLOCK"]
        except KeyError as missing:
            raise ValueError(f"the DEVICE_PASSWORD_VERIFIER challenge lacks {missing}") from None
        moment = datetime.now(UTC) if now is None else now
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        self.timestamp = AWSSRP.get_cognito_formatted_timestamp(moment)
        device = self.device
        self.device_key_material = self._srp.get_device_authentication_key(
            device.device_group_key,
            device.device_key,
            device.device_password,
            int(self.srp_b, 16),
            self.salt,
        )
        message = (
            device.device_group_key.encode()
            + device.device_key.encode()
            + base64.standard_b64decode(self.secret_block)
            + self.timestamp.encode()
        )
        digest = hmac.new(self.device_key_material, message, hashlib.sha256).digest()
        self.signature = base64.standard_b64encode(digest).decode("ascii")
        responses = {
            "USERNAME": challenge_parameters.get("USERNAME", self.username),
            "DEVICE_KEY": device.device_key,
            "TIMESTAMP": self.timestamp,
            "PASSWORD_CLAIM_SECRET_BLOCK": self.secret_block,
            "PASSWORD_CLAIM_SIGNATURE": self.signature,
        }
        self._add_secret_hash(responses)
        return responses

    def _add_secret_hash(self, responses: dict[str, str]) -> None:
        if self.client_secret is not None:
            responses["SECRET_HASH"] = AWSSRP.get_secret_hash(
                responses["USERNAME"], self.client_id, self.client_secret
            )
