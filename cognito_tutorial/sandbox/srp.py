"""The server side of Amazon Cognito's USER_SRP_AUTH: SRP-6a as Cognito does it.

The exchange (AWS developer guide, "User pool authentication flow", USER_SRP_AUTH):

1. InitiateAuth: the client sends USERNAME and SRP_A = g^a mod N.
   The server answers ChallengeName=PASSWORD_VERIFIER with SALT, SRP_B and SECRET_BLOCK:
   `start_password_verifier`.
2. RespondToAuthChallenge: the client proves it knows the password by sending
   PASSWORD_CLAIM_SIGNATURE, an HMAC over the pool name, USER_ID_FOR_SRP, the SECRET_BLOCK
   and a TIMESTAMP, keyed with a key only someone with the password can derive:
   `verify_password_claim`.

Remembered devices use the same exchange (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER) with the
verifier the device registered with ConfirmDevice: `start_with_verifier` and `verify_claim`, with
the device group key in the pool name's place and the device key in the user name's.

Cognito's service code is not public, so every rule below is the mirror image of what the
clients that work against it compute: pycognito's ``aws_srp.py``
(https://github.com/NabuCasa/pycognito/blob/master/pycognito/aws_srp.py) and amplify-js's
``packages/auth/src/providers/cognito/utils/srp/``
(https://github.com/aws-amplify/amplify-js). Unlike a real pool, the sandbox keeps the plaintext
password, so it computes the verifier v afresh, with a fresh salt, at every sign-in.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

# The 3072-bit group of RFC 5054, appendix A; the same hex as pycognito's N_HEX and amplify-js's
# AuthenticationHelper, with generator g = 2.
N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E34"
    "04DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6"
    "F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A6916"
    "3FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C"
    "32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA95"
    "6AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA7157"
    "5D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D876"
    "02733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E"
    "4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2


def pad(n: int) -> bytes:
    """The bytes Cognito hashes for a number: big-endian, shortest form with a clear top bit.

    pycognito's ``pad_hex`` and amplify-js's ``getPaddedHex`` prepend "0" to an odd-length hex
    string and "00" when the first digit is 8-f; that is Java's ``BigInteger.toByteArray()``.
    NB: this is NOT RFC 5054's PAD(), which left-pads to the length of N.
    """
    return n.to_bytes(n.bit_length() // 8 + 1, "big")


def hash_int(data: bytes) -> int:
    """H(data): SHA-256 read as a big-endian number (pycognito ``hex_hash`` + ``hex_to_long``)."""
    return int.from_bytes(hashlib.sha256(data).digest(), "big")


# k = H(pad(N) || pad(g)): pycognito ``AWSSRP.__init__`` hashes "00" + N_HEX + "0" + G_HEX,
# amplify-js ``AuthenticationHelper`` hashes getPaddedHex(N) + getPaddedHex(g).
K = hash_int(pad(N) + pad(G))

# The HKDF "info" string: pycognito ``INFO_BITS``, amplify-js ``getPasswordAuthenticationKey``.
HKDF_INFO = b"Caldera Derived Key"

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # datetime.weekday() order
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HEX = re.compile(r"[0-9a-fA-F]+")
_TIMESTAMP = re.compile(r"(\w{3}) (\w{3}) (\d{1,2}) (\d\d):(\d\d):(\d\d) UTC (\d{4})", re.ASCII)


@dataclass
class PasswordVerifierChallenge:
    """What the server remembers between InitiateAuth and RespondToAuthChallenge.

    The first three fields go to the client as ChallengeParameters; the rest stay secret.
    Plain strings and ints only, so it pickles.
    """

    salt_hex: str  # SALT
    srp_b_hex: str  # SRP_B = (k*v + g^b) mod N
    secret_block_b64: str  # SECRET_BLOCK, echoed back as PASSWORD_CLAIM_SECRET_BLOCK
    srp_a: int = field(repr=False)  # the client's A
    b: int = field(repr=False)  # the server's private random exponent
    v: int = field(repr=False)  # the password verifier g^x mod N

    def challenge_parameters(self, username: str, user_id_for_srp: str) -> dict[str, str]:
        """The ChallengeParameters of Cognito's PASSWORD_VERIFIER challenge."""
        return {
            "SALT": self.salt_hex,
            "SECRET_BLOCK": self.secret_block_b64,
            "SRP_B": self.srp_b_hex,
            "USERNAME": username,
            "USER_ID_FOR_SRP": user_id_for_srp,
        }


def pool_name(pool_id: str) -> str:
    """The part of a pool id SRP hashes: "us-east-1_AbC123" -> "AbC123" (pycognito, amplify-js)."""
    _region, underscore, name = pool_id.partition("_")
    if not underscore or not name:
        raise ValueError(f"not a user pool id: {pool_id!r}")
    return name


def _password_x(pool_id: str, user_id_for_srp: str, salt: int, password: str) -> int:
    """x = H(pad(salt) || H(poolName || userIdForSrp || ":" || password)).

    Source: pycognito ``get_password_authentication_key``, amplify-js
    ``getPasswordAuthenticationKey`` (which also uses USER_ID_FOR_SRP as the user name).
    """
    identity = f"{pool_name(pool_id)}{user_id_for_srp}:{password}".encode()
    return hash_int(pad(salt) + hashlib.sha256(identity).digest())


def _scrambler(srp_a: int, srp_b: int) -> int:
    """u = H(pad(A) || pad(B)) (pycognito ``calculate_u``, amplify-js ``calculateU``)."""
    return hash_int(pad(srp_a) + pad(srp_b))


def start_password_verifier(
    pool_id: str, user_id_for_srp: str, password: str, srp_a_hex: str
) -> PasswordVerifierChallenge:
    """Answer InitiateAuth(USER_SRP_AUTH): draw a salt, b and a SECRET_BLOCK, compute SRP_B.

    :param pool_id: the user pool id, e.g. "us-east-1_AbC123".
    :param user_id_for_srp: the USER_ID_FOR_SRP the server will send (the user name).
    :param password: the user's plaintext password (the sandbox keeps it).
    :param srp_a_hex: the client's SRP_A auth parameter, hex.
    :returns: the challenge to send (salt, B, secret block) and to keep for the answer.
    :raises ValueError: SRP_A is not hex, or A % N == 0 (RFC 5054 section 2.5.4).
    """
    # A 128-bit salt. It goes out as hex without leading zeros: amplify-js reads SALT as a
    # number, pycognito pads the string as is, and the two only agree on that form.
    salt = secrets.randbits(128)
    v = pow(G, _password_x(pool_id, user_id_for_srp, salt, password), N)
    return start_with_verifier(v, salt, srp_a_hex)


def start_with_verifier(v: int, salt: int, srp_a_hex: str) -> PasswordVerifierChallenge:
    """Start an SRP exchange for a verifier the server holds: draw b and a SECRET_BLOCK.

    User SRP computes v afresh from the password (`start_password_verifier`); device SRP uses
    the verifier the device registered with ConfirmDevice.

    :param v: the verifier g^x mod N.
    :param salt: the salt x was derived with; SALT goes out as its hex, without leading zeros.
    :param srp_a_hex: the client's SRP_A, hex.
    :raises ValueError: SRP_A is not hex, or A % N == 0 (RFC 5054 section 2.5.4).
    """
    if not isinstance(srp_a_hex, str) or not _HEX.fullmatch(srp_a_hex):
        raise ValueError("SRP_A is not a hexadecimal number")
    srp_a = int(srp_a_hex, 16)
    if srp_a % N == 0:
        raise ValueError("SRP_A is 0 modulo N")
    while True:
        # 1024 random bits, as big as the clients' a (pycognito: 128 random bytes; amplify-js:
        # 128 bytes too); RFC 5054 asks for at least 256. A full 3072-bit b is 3x slower.
        b = secrets.randbits(1024)
        srp_b = (K * v + pow(G, b, N)) % N
        # Clients refuse B % N == 0 and u == 0 (pycognito, amplify-js): draw again.
        if b != 0 and srp_b != 0 and _scrambler(srp_a, srp_b) != 0:
            break
    # Cognito's SECRET_BLOCK is an opaque blob the client signs and echoes; random bytes do.
    secret_block = base64.standard_b64encode(secrets.token_bytes(96)).decode("ascii")
    return PasswordVerifierChallenge(f"{salt:x}", f"{srp_b:x}", secret_block, srp_a, b, v)


def _password_key(challenge: PasswordVerifierChallenge) -> bytes:
    """The 16-byte key both sides derive: HKDF-SHA256(ikm=pad(S), salt=pad(u), info).

    Server side S = (A * v^u)^b mod N (RFC 5054 section 2.6); the client gets the same S as
    (B - k*g^x)^(a + u*x) mod N. HKDF with one output block, cut to 16 bytes: pycognito
    ``compute_hkdf``, amplify-js ``getHkdfKey``.
    """
    srp_b = int(challenge.srp_b_hex, 16)
    u = _scrambler(challenge.srp_a, srp_b)
    s = pow(challenge.srp_a * pow(challenge.v, u, N), challenge.b, N)
    prk = hmac.new(pad(u), pad(s), hashlib.sha256).digest()
    return hmac.new(prk, HKDF_INFO + b"\x01", hashlib.sha256).digest()[:16]


def verify_password_claim(
    challenge: PasswordVerifierChallenge,
    pool_id: str,
    user_id_for_srp: str,
    secret_block_b64: str,
    timestamp: str,
    signature_b64: str,
) -> bool:
    """Check RespondToAuthChallenge(PASSWORD_VERIFIER): did the client know the password?

    The expected PASSWORD_CLAIM_SIGNATURE is
    base64(HMAC-SHA256(key, poolName || userIdForSrp || secret block bytes || TIMESTAMP))
    (pycognito ``process_challenge``, amplify-js ``getSignatureString``).

    :param challenge: what `start_password_verifier` returned for this sign-in.
    :param pool_id: the user pool id.
    :param user_id_for_srp: the USER_ID_FOR_SRP sent with the challenge.
    :param secret_block_b64: PASSWORD_CLAIM_SECRET_BLOCK from the client.
    :param timestamp: TIMESTAMP from the client.
    :param signature_b64: PASSWORD_CLAIM_SIGNATURE from the client.
    :returns: True only for the right password over the issued secret block and a canonical
        timestamp; False for anything else, malformed input included. Never raises for
        client input. The timestamp's distance from now is not checked here.
    """
    return verify_claim(
        challenge, pool_name(pool_id), user_id_for_srp, secret_block_b64, timestamp, signature_b64
    )


def verify_claim(
    challenge: PasswordVerifierChallenge,
    realm: str,
    user_id: str,
    secret_block_b64: str,
    timestamp: str,
    signature_b64: str,
) -> bool:
    """Check a password claim signed over realm || user id || secret block || TIMESTAMP.

    For a user the realm is the pool name and the user id USER_ID_FOR_SRP; for a device
    (DEVICE_PASSWORD_VERIFIER) they are the DeviceGroupKey and the DeviceKey (amplify-js
    ``handleDevicePasswordVerifier``, pycognito ``process_device_challenge``). Same contract as
    `verify_password_claim`: False for anything but a right claim, never raises.
    """
    try:
        secret_block = base64.b64decode(secret_block_b64, validate=True)
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return False
    issued = base64.b64decode(challenge.secret_block_b64)
    if not hmac.compare_digest(secret_block, issued):
        return False
    # A day written "05" or a wrong weekday is refused even when signed consistently: real
    # Cognito answers NotAuthorizedException (the fix in qwigo/warrant PR #12, pycognito's
    # ancestor). The caller may check `is_cognito_timestamp` first to answer differently.
    if not is_cognito_timestamp(timestamp):
        return False
    message = realm.encode() + user_id.encode() + secret_block + timestamp.encode()
    expected = hmac.new(_password_key(challenge), message, hashlib.sha256).digest()
    return hmac.compare_digest(expected, signature)


def format_cognito_timestamp(moment: datetime.datetime) -> str:
    """Cognito's TIMESTAMP, e.g. "Tue Sep 5 08:03:09 UTC 2023": English names, unpadded day.

    Java's "EEE MMM d HH:mm:ss z yyyy" in UTC; pycognito ``get_cognito_formatted_timestamp``,
    amplify-js ``getNowString``. Built by hand because strftime's %a/%b follow the locale.
    A naive `moment` is taken as UTC.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC)
    return (
        f"{WEEKDAYS[moment.weekday()]} {MONTHS[moment.month - 1]} {moment.day} "
        f"{moment:%H:%M:%S} UTC {moment.year}"
    )


def is_cognito_timestamp(text: object) -> bool:
    """True if `text` is exactly `format_cognito_timestamp` of a real moment (weekday included)."""
    match = _TIMESTAMP.fullmatch(text) if isinstance(text, str) else None
    if match is None or match[2] not in MONTHS:
        return False
    _weekday, month, day, hour, minute, second, year = match.groups()
    try:
        moment = datetime.datetime(
            int(year), MONTHS.index(month) + 1, int(day), int(hour), int(minute), int(second)
        )
    except ValueError:
        return False
    return format_cognito_timestamp(moment) == text
