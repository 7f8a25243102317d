"""The sandbox's AWS access key, and the SigV4 check of every request Cognito wants signed.

Each sandbox home holds one generated key pair in an AWS shared-credentials file,
``<home>/credentials``, profile ``cognito-tutorial-sandbox``: where every AWS SDK and the AWS
CLI can read it (``AWS_SHARED_CREDENTIALS_FILE``, ``AWS_PROFILE``). The file is created once,
owner-only (0600), so another account on the machine can neither read the key nor sign a
request with it; the sandbox then refuses that account's unsigned or wrongly signed calls with
the errors AWS gives (docs/sandbox.md, "Credentials").

The signature is recomputed with botocore's own SigV4 code over what arrived (method, path,
query, the headers named in ``SignedHeaders``, the body, and the request's ``X-Amz-Date``), then
compared in constant time. Standard library and botocore only.
"""

from __future__ import annotations

import configparser
import contextlib
import hashlib
import hmac
import os
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CognitoError

PROFILE = "cognito-tutorial-sandbox"
FILE_NAME = "credentials"
SERVICE = "cognito-idp"
ALGORITHM = "AWS4-HMAC-SHA256"
ACCESS_KEY_PREFIX = "AKIA"  # the prefix of an IAM user's long-term access key ID
ACCESS_KEY_ALPHABET = string.ascii_uppercase + string.digits
SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
SECRET_LENGTH = 40

MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


class CredentialsError(OSError):
    """The credentials file cannot be used; the message says why and what to do.

    An OSError, like any other unusable file, so the command line reports it in one line."""


@dataclass(frozen=True)
class Credentials:
    """One access key: the ID names it (not secret), the secret key signs with it."""

    access_key_id: str
    secret_access_key: str = field(repr=False)


def credentials_file(home: Path) -> Path:
    """``<home>/credentials``: an AWS shared-credentials file."""
    return home / FILE_NAME


def load_or_create(home: Path) -> Credentials:
    """This home's key pair, generated and saved (mode 0600) the first time it is asked for.

    Two processes asking at once get the same key: the file appears complete or not at all
    (written aside, then hard-linked into place, which fails if another process got there
    first), and the process that loses the race reads the winner's file.

    :param home: the sandbox's home folder (``COGNITO_TUTORIAL_HOME``); created 0700 if missing.
    :raises CredentialsError: the file is damaged, or others may read or change it.
    """
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = credentials_file(home)
    if not path.exists():
        _create(path, _generate())
    return _load(path)


def _generate() -> Credentials:
    key_id = ACCESS_KEY_PREFIX + "".join(secrets.choice(ACCESS_KEY_ALPHABET) for _ in range(16))
    secret = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))
    return Credentials(key_id, secret)


def _create(path: Path, credentials: Credentials) -> None:
    text = (
        "# The local Cognito sandbox's own access key (cognito-tutorial). It opens this\n"
        "# sandbox only, never an AWS account. Delete this file for a new key.\n"
        f"[{PROFILE}]\n"
        f"aws_access_key_id = {credentials.access_key_id}\n"
        f"aws_secret_access_key = {credentials.secret_access_key}\n"
    )
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    # Created owner-only from the first byte: never readable by others, not even briefly.
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # If another process made the key first, everyone uses that one.
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
    finally:
        aside.unlink(missing_ok=True)


def _load(path: Path) -> Credentials:
    _check_private(path)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
        section = parser[PROFILE]
        credentials = Credentials(
            section["aws_access_key_id"].strip(), section["aws_secret_access_key"].strip()
        )
    except (configparser.Error, KeyError, UnicodeDecodeError):
        credentials = None
    if credentials is None or not credentials.access_key_id or not credentials.secret_access_key:
        raise CredentialsError(
            f"{path} is not a usable credentials file: it needs a [{PROFILE}] profile with "
            "aws_access_key_id and aws_secret_access_key. Stop the sandbox (`python -m "
            "cognito_tutorial sandbox --stop`) and delete the file: the next start makes a new key."
        )
    return credentials


def _check_private(path: Path) -> None:
    """Refuse a key that another account could have read or replaced."""
    if os.name != "posix":
        return
    status = path.stat()
    if status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise CredentialsError(
            f"{path} belongs to another account or others may read or change it "
            f"(mode {status.st_mode & 0o777:o}), so its key may be known to someone else. "
            "Stop the sandbox (`python -m cognito_tutorial sandbox --stop`) and delete the "
            "file: the next start makes a new key, readable by you only."
        )


# --- which requests must be signed -----------------------------------------------------------


def needs_signature(operation: Any) -> bool:
    """False for the operations Cognito serves unsigned, as the API model marks them
    (``"authtype": "none"``; ``"auth": ["smithy.api#noAuth"]`` in newer models): InitiateAuth,
    RespondToAuthChallenge, SignUp, the access-token operations. True for all others."""
    return not (operation.auth_type == "none" or "smithy.api#noAuth" in (operation.auth or ()))


# --- the signature check ---------------------------------------------------------------------


def verify_signature(
    credentials: Credentials,
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
) -> None:
    """Return if the request is signed with ``credentials``; else raise AWS's error for it.

    :param headers: the received headers; a header sent twice arrives joined with a comma.
    :raises CognitoError: ``MissingAuthenticationTokenException`` (no Authorization header),
        ``IncompleteSignatureException`` (one that is not a SigV4 header),
        ``InvalidSignatureException`` (scoped to another service, or a wrong signature),
        ``UnrecognizedClientException`` (an access key this sandbox did not issue).
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    authorization = lowered.get("authorization", "").strip()
    if not authorization:
        raise CognitoError(
            "MissingAuthenticationTokenException", "Missing Authentication Token", status=403
        )
    scheme, parts = _parse(authorization, has_date="x-amz-date" in lowered)
    credential = parts["Credential"]
    scope = credential.split("/")
    if len(scope) != 5:
        raise CognitoError(
            "IncompleteSignatureException",
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            f"keyid/date/region/service/term, got '{credential}'",
        )
    key_id, _, region, service, _ = scope
    if service != SERVICE:
        raise CognitoError(
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: '{SERVICE}'. ",
        )
    if not hmac.compare_digest(_bytes(key_id), _bytes(credentials.access_key_id)):
        raise CognitoError(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    signed = [name for name in parts["SignedHeaders"].lower().split(";") if name]
    content_hash = lowered.get("x-amz-content-sha256")
    if "x-amz-content-sha256" in signed and content_hash != hashlib.sha256(body).hexdigest():
        # botocore signs that header's value in place of the body: it must be the body's hash.
        raise CognitoError("InvalidSignatureException", MISMATCH)
    expected = _signature(
        credentials,
        region=region,
        timestamp=lowered["x-amz-date"],
        method=method,
        url=f"http://sandbox{path}" + (f"?{query}" if query else ""),
        headers={name: lowered.get(name, "") for name in signed},
        body=body,
    )
    if scheme != ALGORITHM or not hmac.compare_digest(_bytes(expected), _bytes(parts["Signature"])):
        raise CognitoError("InvalidSignatureException", MISMATCH)


def _parse(authorization: str, *, has_date: bool) -> tuple[str, dict[str, str]]:
    """The scheme and the ``Credential``, ``SignedHeaders`` and ``Signature`` of a SigV4
    Authorization header, or IncompleteSignatureException with AWS's wording."""
    scheme, _, rest = authorization.partition(" ")
    parts: dict[str, str] = {}
    for pair in re.split(r"[,\s]+", rest.strip()):
        if not pair:
            continue
        key, equals, value = pair.partition("=")
        if not equals:
            raise CognitoError(
                "IncompleteSignatureException",
                f"'{pair}' not a valid key=value pair (missing equal-sign) in Authorization "
                f"header: '{authorization}'.",
            )
        parts[key] = value
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not parts.get(name)
    ]
    if not has_date:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if missing:
        raise CognitoError(
            "IncompleteSignatureException", " ".join(missing) + f" Authorization={authorization}"
        )
    return scheme, parts


def _signature(
    credentials: Credentials,
    *,
    region: str,
    timestamp: str,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
) -> str:
    """The SigV4 signature botocore would put on this request at ``timestamp``."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotocoreCredentials

    signer = SigV4Auth(
        BotocoreCredentials(credentials.access_key_id, credentials.secret_access_key),
        SERVICE,
        region,
    )
    request = AWSRequest(method=method, url=url, headers=headers, data=body)
    request.context["timestamp"] = timestamp
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)


def _bytes(text: str) -> bytes:
    """WSGI hands headers over as Latin-1 text: compare them as the bytes that arrived."""
    return text.encode("latin-1", errors="replace")
