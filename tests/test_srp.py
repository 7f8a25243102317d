"""SRP as Cognito's USER_SRP_AUTH does it: the sandbox's server side against the clients.

No network and no sandbox: pycognito's AWSSRP is the independent reference for the client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import pickle
import secrets
from datetime import UTC, datetime, timedelta, timezone

import boto3
import pytest
from pycognito import aws_srp
from pycognito.aws_srp import AWSSRP

from cognito_tutorial.sandbox import srp as server
from cognito_tutorial.srp import SrpSignIn

POOL_ID = "eu-west-1_Tut0rial"
CLIENT_ID = "3n4b5urk1ft4fl3mwqclient"
USERNAME = "alice"
USER_ID_FOR_SRP = "alice"
PASSWORD = "Correct-Horse-7"


def exchange(password: str = PASSWORD, *, now: datetime | None = None):
    """One sign-in: SrpSignIn against the server side. Returns (challenge, responses, client)."""
    client = SrpSignIn(USERNAME, password, POOL_ID, CLIENT_ID)
    challenge = server.start_password_verifier(
        POOL_ID, USER_ID_FOR_SRP, PASSWORD, client.auth_parameters()["SRP_A"]
    )
    params = challenge.challenge_parameters(USERNAME, USER_ID_FOR_SRP)
    return challenge, client.answer_password_verifier(params, now=now), client


def verify(challenge, responses, pool_id=POOL_ID, user_id=USER_ID_FOR_SRP) -> bool:
    return server.verify_password_claim(
        challenge,
        pool_id,
        user_id,
        responses["PASSWORD_CLAIM_SECRET_BLOCK"],
        responses["TIMESTAMP"],
        responses["PASSWORD_CLAIM_SIGNATURE"],
    )


def flip_first_byte(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[0] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


# --- the group and the encoding -------------------------------------------------------------


def test_group_and_k_are_pycognitos():
    assert int(aws_srp.N_HEX, 16) == server.N
    assert int(aws_srp.G_HEX, 16) == server.G == 2
    assert AWSSRP(USERNAME, PASSWORD, POOL_ID, CLIENT_ID, client=object()).val_k == server.K


@pytest.mark.parametrize(
    "n", [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x0FFF, 0x8000, 2**128 - 1, server.N, server.N - 12345]
)
def test_pad_is_pycognitos_pad_hex(n):
    assert server.pad(n) == bytes.fromhex(aws_srp.pad_hex(n))


def test_pool_name():
    assert server.pool_name("us-east-1_AbC123") == "AbC123"
    with pytest.raises(ValueError):
        server.pool_name("AbC123")


# --- the password check ---------------------------------------------------------------------


def test_right_password_verifies():
    challenge, responses, _ = exchange()
    assert verify(challenge, responses)


def test_wrong_password_is_refused():
    challenge, responses, _ = exchange("Correct-Horse-8")
    assert not verify(challenge, responses)


def test_other_pool_or_user_is_refused():
    challenge, responses, _ = exchange()
    assert not verify(challenge, responses, pool_id="eu-west-1_Other")
    assert not verify(challenge, responses, user_id="bob")


def test_tampered_secret_block_is_refused():
    challenge, responses, _ = exchange()
    for block in [flip_first_byte(responses["PASSWORD_CLAIM_SECRET_BLOCK"]), "%%%not-base64", ""]:
        assert not verify(challenge, {**responses, "PASSWORD_CLAIM_SECRET_BLOCK": block})
    assert not verify(challenge, {**responses, "PASSWORD_CLAIM_SECRET_BLOCK": None})


def test_secret_block_not_issued_is_refused_even_when_signed_correctly():
    client = SrpSignIn(USERNAME, PASSWORD, POOL_ID, CLIENT_ID)
    challenge = server.start_password_verifier(POOL_ID, USER_ID_FOR_SRP, PASSWORD, client.srp_a)
    params = challenge.challenge_parameters(USERNAME, USER_ID_FOR_SRP)
    foreign = base64.b64encode(secrets.token_bytes(96)).decode()
    # The right password, signing a block the server never issued.
    responses = client.answer_password_verifier({**params, "SECRET_BLOCK": foreign})
    assert not verify(challenge, responses)
    assert verify(challenge, client.answer_password_verifier(params))


def test_tampered_timestamp_is_refused():
    moment = datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)
    challenge, responses, _ = exchange(now=moment)
    later = server.format_cognito_timestamp(moment + timedelta(seconds=1))
    assert server.is_cognito_timestamp(later)
    assert not verify(challenge, {**responses, "TIMESTAMP": later})
    assert not verify(challenge, {**responses, "TIMESTAMP": None})
    assert verify(challenge, responses)


@pytest.mark.parametrize(
    "tamper",
    [
        flip_first_byte,
        lambda sig: sig[:-4],  # still base64, one block short
        lambda sig: "",
        lambda sig: "not base64!",
        lambda sig: sig + "\u00e9",
        lambda sig: None,
    ],
)
def test_tampered_signature_is_refused(tamper):
    challenge, responses, _ = exchange()
    signature = tamper(responses["PASSWORD_CLAIM_SIGNATURE"])
    assert not verify(challenge, {**responses, "PASSWORD_CLAIM_SIGNATURE": signature})


def test_challenge_pickles_and_hides_secrets_in_repr():
    challenge, responses, _ = exchange()
    assert verify(pickle.loads(pickle.dumps(challenge)), responses)
    shown = repr(challenge)
    assert challenge.srp_b_hex in shown
    assert str(challenge.b) not in shown and str(challenge.v) not in shown


def test_challenge_values_are_canonical_hex():
    # amplify-js reads SALT as a number, pycognito pads the string: they agree without leading 0s.
    for _ in range(20):
        challenge = server.start_password_verifier(POOL_ID, USERNAME, PASSWORD, "ab")
        assert challenge.salt_hex == f"{int(challenge.salt_hex, 16):x}"
        assert challenge.srp_b_hex == f"{int(challenge.srp_b_hex, 16):x}"
        assert 0 < int(challenge.srp_b_hex, 16) < server.N
        assert len(base64.b64decode(challenge.secret_block_b64, validate=True)) >= 64


def test_each_challenge_is_fresh():
    one = server.start_password_verifier(POOL_ID, USERNAME, PASSWORD, "ab")
    two = server.start_password_verifier(POOL_ID, USERNAME, PASSWORD, "ab")
    assert one.salt_hex != two.salt_hex
    assert one.srp_b_hex != two.srp_b_hex
    assert one.secret_block_b64 != two.secret_block_b64


@pytest.mark.parametrize(
    "srp_a",
    ["", "xyz", "0x1f", "-1f", " 1f", "1f ", "1_f", "\uff11f", None, "0", "00", f"{server.N:x}"]
    + [f"{2 * server.N:x}"],
)
def test_bad_srp_a_is_a_value_error(srp_a):
    with pytest.raises(ValueError):
        server.start_password_verifier(POOL_ID, USERNAME, PASSWORD, srp_a)


# --- pycognito's own client -----------------------------------------------------------------


def test_pycognito_awssrp_interoperates():
    for password, expected in [(PASSWORD, True), ("correct-horse-7", False)]:
        client = AWSSRP(USERNAME, password, POOL_ID, CLIENT_ID, client=object())
        auth_params = client.get_auth_params()
        challenge = server.start_password_verifier(
            POOL_ID, USER_ID_FOR_SRP, PASSWORD, auth_params["SRP_A"]
        )
        params = challenge.challenge_parameters(USERNAME, USER_ID_FOR_SRP)
        responses = client.process_challenge(params, auth_params)
        assert server.is_cognito_timestamp(responses["TIMESTAMP"])
        assert verify(challenge, responses) is expected


def test_wrapper_answers_exactly_as_pycognito():
    moment = datetime(2023, 9, 5, 8, 3, 9, tzinfo=UTC)
    _, _, client = exchange()
    params = {
        "SALT": client.salt,
        "SRP_B": client.srp_b,
        "SECRET_BLOCK": client.secret_block,
        "USERNAME": USERNAME,
        "USER_ID_FOR_SRP": USER_ID_FOR_SRP,
    }
    ours = client.answer_password_verifier(params, now=moment)
    client._srp.get_cognito_formatted_timestamp = lambda _: "Tue Sep 5 08:03:09 UTC 2023"
    assert client._srp.process_challenge(params, client.auth_parameters()) == ours


def test_zero_padded_day_is_refused_even_when_signed_consistently():
    # The client signs the same string it sends, so only the format is wrong.
    client = AWSSRP(USERNAME, PASSWORD, POOL_ID, CLIENT_ID, client=object())
    auth_params = client.get_auth_params()
    challenge = server.start_password_verifier(POOL_ID, USERNAME, PASSWORD, auth_params["SRP_A"])
    params = challenge.challenge_parameters(USERNAME, USER_ID_FOR_SRP)
    for timestamp, expected in [
        ("Tue Sep 05 08:03:09 UTC 2023", False),
        ("Wed Sep 5 08:03:09 UTC 2023", False),  # wrong weekday
        ("Tue Sep 5 08:03:09 UTC 2023", True),
    ]:
        client.get_cognito_formatted_timestamp = lambda _, t=timestamp: t
        responses = client.process_challenge(params, auth_params)
        assert responses["TIMESTAMP"] == timestamp
        assert verify(challenge, responses) is expected


# --- TIMESTAMP ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        datetime(2023, 9, 5, 8, 3, 9, tzinfo=UTC),
        datetime(2023, 9, 5, 8, 3, 9),  # naive: taken as UTC
        datetime(2023, 9, 5, 10, 3, 9, tzinfo=timezone(timedelta(hours=2))),
        datetime(2023, 9, 4, 20, 3, 9, tzinfo=timezone(timedelta(hours=-12))),
    ],
)
def test_timestamp_day_is_not_zero_padded(now):
    challenge, responses, client = exchange(now=now)
    assert responses["TIMESTAMP"] == client.timestamp == "Tue Sep 5 08:03:09 UTC 2023"
    assert server.format_cognito_timestamp(now) == "Tue Sep 5 08:03:09 UTC 2023"
    assert verify(challenge, responses)


def test_timestamp_defaults_to_now():
    before = datetime.now(UTC).replace(microsecond=0)
    _, responses, _ = exchange()
    after = datetime.now(UTC)
    candidates = {server.format_cognito_timestamp(before + timedelta(seconds=s)) for s in range(3)}
    assert responses["TIMESTAMP"] in candidates
    assert after - before < timedelta(seconds=3)


def test_server_formats_timestamps_like_pycognito():
    moment = datetime(2024, 1, 1, 0, 0, 0)
    for hours in range(0, 366 * 24, 7):
        shown = moment + timedelta(hours=hours, seconds=hours % 60)
        expected = AWSSRP.get_cognito_formatted_timestamp(shown)
        assert server.format_cognito_timestamp(shown) == expected
        assert server.is_cognito_timestamp(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue Sep 5 08:03:09 UTC 2023", True),
        ("Sun Dec 31 23:59:59 UTC 2023", True),
        ("Thu Feb 29 00:00:00 UTC 2024", True),
        ("Tue Sep 05 08:03:09 UTC 2023", False),  # zero-padded day
        ("Wed Sep 5 08:03:09 UTC 2023", False),  # wrong weekday
        ("Tue Sep 5 8:03:09 UTC 2023", False),  # unpadded hour
        ("Tue Sep 5 08:03:09 GMT 2023", False),
        ("Tue Sep 5 08:03:09 UTC 2023 ", False),
        ("tue sep 5 08:03:09 UTC 2023", False),
        ("Tue Sep  5 08:03:09 UTC 2023", False),
        ("Fri Feb 29 00:00:00 UTC 2023", False),  # no such day
        ("Tue Sep 5 24:03:09 UTC 2023", False),
        ("Tue Sep 5 08:03:60 UTC 2023", False),
        ("Di Sep 5 08:03:09 UTC 2023", False),
        ("Tue Sep \u0665 08:03:09 UTC 2023", False),  # an Arabic-Indic digit
        ("2023-09-05T08:03:09Z", False),
        ("", False),
        (None, False),
    ],
)
def test_is_cognito_timestamp(text, expected):
    assert server.is_cognito_timestamp(text) is expected


# --- the client wrapper ---------------------------------------------------------------------


def expected_secret_hash(username: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), (username + CLIENT_ID).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_secret_hash_exactly_when_the_client_has_a_secret():
    plain = SrpSignIn(USERNAME, PASSWORD, POOL_ID, CLIENT_ID)
    assert set(plain.auth_parameters()) == {"USERNAME", "SRP_A"}

    secret = "s3cr3t-of-the-app-client"
    with_secret = SrpSignIn(USERNAME, PASSWORD, POOL_ID, CLIENT_ID, client_secret=secret)
    auth_params = with_secret.auth_parameters()
    assert set(auth_params) == {"USERNAME", "SRP_A", "SECRET_HASH"}
    assert auth_params["SECRET_HASH"] == expected_secret_hash(USERNAME, secret)

    for client, has_hash in [(plain, False), (with_secret, True)]:
        challenge = server.start_password_verifier(POOL_ID, USERNAME, PASSWORD, client.srp_a)
        # Cognito's USERNAME in the challenge is the internal name: the answer must use it.
        params = challenge.challenge_parameters("internal-7f3a", USER_ID_FOR_SRP)
        responses = client.answer_password_verifier(params)
        assert responses["USERNAME"] == "internal-7f3a"
        assert ("SECRET_HASH" in responses) is has_hash
        if has_hash:
            assert responses["SECRET_HASH"] == expected_secret_hash("internal-7f3a", secret)
        assert verify(challenge, responses)


def test_intermediate_values_are_on_the_object():
    challenge, responses, client = exchange()
    assert client.auth_parameters() == {"USERNAME": USERNAME, "SRP_A": client.srp_a}
    assert 1 < int(client.srp_a, 16) < server.N
    assert client.srp_a == f"{challenge.srp_a:x}"
    assert client.salt == challenge.salt_hex
    assert client.srp_b == challenge.srp_b_hex
    assert client.secret_block == challenge.secret_block_b64
    assert client.user_id_for_srp == USER_ID_FOR_SRP
    assert client.password_key == server._password_key(challenge)
    assert len(client.password_key) == 16
    assert client.timestamp == responses["TIMESTAMP"]
    assert client.signature == responses["PASSWORD_CLAIM_SIGNATURE"]


def test_each_sign_in_has_its_own_srp_a():
    assert SrpSignIn(USERNAME, PASSWORD, POOL_ID, CLIENT_ID).srp_a != (
        SrpSignIn(USERNAME, PASSWORD, POOL_ID, CLIENT_ID).srp_a
    )


def test_missing_challenge_parameter_is_a_value_error():
    client = SrpSignIn(USERNAME, PASSWORD, POOL_ID, CLIENT_ID)
    with pytest.raises(ValueError, match="SRP_B"):
        client.answer_password_verifier({"SALT": "ab", "SECRET_BLOCK": "", "USER_ID_FOR_SRP": "a"})


def test_the_wrapper_never_touches_aws(monkeypatch):
    def no_boto3(*args, **kwargs):
        raise AssertionError("a boto3 client was created")

    monkeypatch.setattr(boto3, "client", no_boto3)
    monkeypatch.setattr(boto3.session.Session, "client", no_boto3)
    challenge, responses, client = exchange()
    assert verify(challenge, responses)
    with pytest.raises(RuntimeError, match="no AWS calls"):
        client._srp.client.initiate_auth(AuthFlow="USER_SRP_AUTH")
