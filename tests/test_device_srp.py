"""The client side of device SRP (cognito_tutorial.device_srp), checked against an independent
computation of the verifier and against the sandbox's server half, without HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from cognito_tutorial.device_srp import DeviceSrpSignIn, RememberedDevice, new_device_secret
from cognito_tutorial.sandbox import srp as server

METADATA = {
    "DeviceKey": "us-east-1_a1b2c3d4-5678-40ab-8def-0123456789ab",
    "DeviceGroupKey": "-v7w9UcY6",
}


def sha256_int(data: bytes) -> int:
    return int.from_bytes(hashlib.sha256(data).digest(), "big")


def test_the_verifier_is_g_to_the_x_of_the_device_password():
    """x = SHA-256(salt || SHA-256(DeviceGroupKey || DeviceKey || ":" || password)), written
    out here from the description in amplify-js's generateHashDevice, not from pycognito."""
    device, config = new_device_secret(METADATA)
    salt = base64.b64decode(config["Salt"])
    verifier = int.from_bytes(base64.b64decode(config["PasswordVerifier"]), "big")
    identity = f"{METADATA['DeviceGroupKey']}{METADATA['DeviceKey']}:{device.device_password}"
    x = sha256_int(salt + hashlib.sha256(identity.encode()).digest())
    assert verifier == pow(2, x, server.N)
    assert (device.device_key, device.device_group_key) == (
        METADATA["DeviceKey"],
        METADATA["DeviceGroupKey"],
    )
    assert len(base64.b64decode(device.device_password)) == 40  # pycognito: 40 random bytes
    assert device.device_password not in repr(device)


def test_each_device_gets_its_own_password_and_salt():
    (one, first), (two, second) = new_device_secret(METADATA), new_device_secret(METADATA)
    assert one.device_password != two.device_password and first["Salt"] != second["Salt"]


def test_missing_metadata_is_a_plain_error():
    with pytest.raises(ValueError, match="DeviceGroupKey"):
        new_device_secret({"DeviceKey": METADATA["DeviceKey"]})


def server_challenge(config: dict[str, str], srp_a: str) -> server.PasswordVerifierChallenge:
    salt = int.from_bytes(base64.b64decode(config["Salt"]), "big")
    verifier = int.from_bytes(base64.b64decode(config["PasswordVerifier"]), "big")
    return server.start_with_verifier(verifier, salt, srp_a)


def test_the_sandboxs_server_half_accepts_the_answer():
    device, config = new_device_secret(METADATA)
    sign_in = DeviceSrpSignIn("learner", device, "client-id")
    responses = sign_in.device_srp_auth_responses()
    assert responses == {
        "USERNAME": "learner",
        "DEVICE_KEY": device.device_key,
        "SRP_A": sign_in.srp_a,
    }
    challenge = server_challenge(config, sign_in.srp_a)
    parameters = {
        "SALT": challenge.salt_hex,
        "SRP_B": challenge.srp_b_hex,
        "SECRET_BLOCK": challenge.secret_block_b64,
        "USERNAME": "learner",
    }
    moment = datetime(2023, 9, 5, 8, 3, 9, tzinfo=UTC)
    answer = sign_in.answer_device_password_verifier(parameters, now=moment)
    assert answer["TIMESTAMP"] == "Tue Sep 5 08:03:09 UTC 2023"
    assert answer["DEVICE_KEY"] == device.device_key and answer["USERNAME"] == "learner"
    assert len(sign_in.device_key_material) == 16
    assert server.verify_claim(
        challenge,
        device.device_group_key,
        device.device_key,
        answer["PASSWORD_CLAIM_SECRET_BLOCK"],
        answer["TIMESTAMP"],
        answer["PASSWORD_CLAIM_SIGNATURE"],
    )


def test_a_wrong_device_password_fails_at_the_server_half():
    device, config = new_device_secret(METADATA)
    impostor = RememberedDevice(device.device_key, device.device_group_key, "guess")
    sign_in = DeviceSrpSignIn("learner", impostor, "client-id")
    challenge = server_challenge(config, sign_in.srp_a)
    answer = sign_in.answer_device_password_verifier(
        {
            "SALT": challenge.salt_hex,
            "SRP_B": challenge.srp_b_hex,
            "SECRET_BLOCK": challenge.secret_block_b64,
        }
    )
    assert not server.verify_claim(
        challenge,
        device.device_group_key,
        device.device_key,
        answer["PASSWORD_CLAIM_SECRET_BLOCK"],
        answer["TIMESTAMP"],
        answer["PASSWORD_CLAIM_SIGNATURE"],
    )


def test_a_client_secret_adds_the_secret_hash_of_the_username():
    device, _ = new_device_secret(METADATA)
    sign_in = DeviceSrpSignIn("learner", device, "client-id", client_secret="s3cret")
    expected = base64.b64encode(
        hmac.new(b"s3cret", b"learnerclient-id", hashlib.sha256).digest()
    ).decode()
    assert sign_in.device_srp_auth_responses()["SECRET_HASH"] == expected


def test_a_challenge_without_its_parameters_is_a_plain_error():
    device, _ = new_device_secret(METADATA)
    with pytest.raises(ValueError, match="SRP_B"):
        DeviceSrpSignIn("learner", device, "c").answer_device_password_verifier(
            {"SALT": "ab", "SECRET_BLOCK": "AAAA"}
        )


def test_a_timestamp_not_in_cognitos_format_is_refused_even_when_signed():
    """'Tue Sep 05 ...' (a zero-padded day), signed with the right key, still fails: the
    server checks TIMESTAMP's form as for user SRP (docs/sandbox.md rows j and p)."""
    device, config = new_device_secret(METADATA)
    sign_in = DeviceSrpSignIn("learner", device, "client-id")
    challenge = server_challenge(config, sign_in.srp_a)
    parameters = {
        "SALT": challenge.salt_hex,
        "SRP_B": challenge.srp_b_hex,
        "SECRET_BLOCK": challenge.secret_block_b64,
    }
    sign_in.answer_device_password_verifier(
        parameters, now=datetime(2023, 9, 5, 8, 3, 9, tzinfo=UTC)
    )

    def signed(timestamp: str) -> str:
        message = (
            device.device_group_key.encode()
            + device.device_key.encode()
            + base64.b64decode(challenge.secret_block_b64)
            + timestamp.encode()
        )
        digest = hmac.new(sign_in.device_key_material, message, hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    for timestamp, accepted in (
        ("Tue Sep 5 08:03:09 UTC 2023", True),
        ("Tue Sep 05 08:03:09 UTC 2023", False),
        ("Mon Sep 5 08:03:09 UTC 2023", False),
    ):
        assert (
            server.verify_claim(
                challenge,
                device.device_group_key,
                device.device_key,
                challenge.secret_block_b64,
                timestamp,
                signed(timestamp),
            )
            is accepted
        ), timestamp
