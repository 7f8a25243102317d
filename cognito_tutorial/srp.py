"""The client side of Amazon Cognito's USER_SRP_AUTH, one visible step at a time.

The password never leaves the notebook. Instead:

1. `SrpSignIn.auth_parameters` gives InitiateAuth (or AdminInitiateAuth) the user name and
   SRP_A = g^a mod N, for AuthFlow="USER_SRP_AUTH".
2. Cognito answers ChallengeName="PASSWORD_VERIFIER" with SALT, SRP_B and SECRET_BLOCK.
3. `SrpSignIn.answer_password_verifier` derives a key from the password and those values and
   signs the SECRET_BLOCK and a TIMESTAMP with it: the ChallengeResponses for
   RespondToAuthChallenge.

The SRP arithmetic is pycognito's `pycognito.aws_srp.AWSSRP`; this module only makes the
intermediate values easy to show and never calls AWS itself (the notebook makes the boto3
calls).

- https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
- https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html
- AWS developer guide, "User pool authentication flow" (USER_SRP_AUTH).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

from pycognito.aws_srp import AWSSRP, long_to_hex


class NoAwsClient:
    """Stands in for the boto3 client AWSSRP wants: the SRP helpers compute, they never call AWS."""

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        raise RuntimeError(f"the SRP helpers make no AWS calls (tried client.{name}); use boto3")


class SrpSignIn:
    """One USER_SRP_AUTH sign-in: a fresh random a, hence a fresh SRP_A, per object.

    After `answer_password_verifier` the values exchanged are attributes, for display:
    `srp_a` (sent), `salt`, `srp_b`, `secret_block` and `user_id_for_srp` (received),
    `password_key` (derived, never sent), `timestamp` and `signature` (sent).

    :param username: the user name (or alias) to sign in with.
    :param password: the password; it stays in this object.
    :param pool_id: the user pool id, e.g. "eu-west-1_AbC123".
    :param client_id: the app client id.
    :param client_secret: the app client's secret, if it has one; then SECRET_HASH is sent.
    """

    def __init__(
        self,
        username: str,
        password: str,
        pool_id: str,
        client_id: str,
        client_secret: str | None = None,
    ) -> None:
        self.username = username
        self.pool_id = pool_id
        self.client_id = client_id
        self.client_secret = client_secret
        # A placeholder client rather than pool_region: boto3.client() would look for
        # credentials, which can mean a network call to an instance metadata service.
        self._srp = AWSSRP(
            username,
            password,
            pool_id,
            client_id,
            client=NoAwsClient(),
            client_secret=client_secret,
        )
        self.srp_a: str = long_to_hex(self._srp.large_a_value)
        self.user_id_for_srp: str | None = None
        self.salt: str | None = None
        self.srp_b: str | None = None
        self.secret_block: str | None = None
        self.password_key: bytes | None = None
        self.timestamp: str | None = None
        self.signature: str | None = None

    def auth_parameters(self) -> dict[str, str]:
        """AuthParameters for InitiateAuth / AdminInitiateAuth with AuthFlow="USER_SRP_AUTH".

        https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html

        :returns: USERNAME and SRP_A (hex), plus SECRET_HASH when the client has a secret.
        """
        return self._srp.get_auth_params()

    def answer_password_verifier(
        self, challenge_parameters: Mapping[str, str], now: datetime | None = None
    ) -> dict[str, str]:
        """ChallengeResponses for RespondToAuthChallenge with ChallengeName="PASSWORD_VERIFIER".

        https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html

        The same computation as pycognito's ``AWSSRP.process_challenge``, except that the moment
        signed can be chosen and the values are kept on the object.

        :param challenge_parameters: the ChallengeParameters of InitiateAuth's answer
            (SALT, SRP_B, SECRET_BLOCK, USER_ID_FOR_SRP, USERNAME).
        :param now: the moment to put in TIMESTAMP; default the current time. A naive datetime
            is taken as UTC.
        :returns: USERNAME, TIMESTAMP, PASSWORD_CLAIM_SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE,
            plus SECRET_HASH when the client has a secret.
        :raises ValueError: a challenge parameter is missing.
        """
        try:
            self.user_id_for_srp = challenge_parameters["USER_ID_FOR_SRP"]
            self.salt = challenge_parameters["SALT"]
            self.srp_b = challenge_parameters["SRP_B"]
            self.secret_block = challenge_parameters["SECRET_BLOCK"]
        except KeyError as missing:
            raise ValueError(f"the PASSWORD_VERIFIER challenge lacks {missing}") from None

        moment = datetime.now(UTC) if now is None else now
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        # "Tue Sep 5 08:03:09 UTC 2023": English names, day of month not zero-padded.
        self.timestamp = AWSSRP.get_cognito_formatted_timestamp(moment)

        # HKDF key from S = (B - k*g^x)^(a + u*x) mod N, with x from the salt and password.
        self.password_key = self._srp.get_password_authentication_key(
            self.user_id_for_srp, self._srp.password, int(self.srp_b, 16), self.salt
        )
        message = (
            self.pool_id.split("_", 1)[1].encode()
            + self.user_id_for_srp.encode()
            + base64.standard_b64decode(self.secret_block)
            + self.timestamp.encode()
        )
        digest = hmac.new(self.password_key, message, hashlib.sha256).digest()
        self.signature = base64.standard_b64encode(digest).decode("ascii")

        # pycognito answers with the USERNAME Cognito sent (the internal user name).
        username = challenge_parameters.get("USERNAME", self.username)
        responses = {
            "USERNAME": username,
            "TIMESTAMP": self.timestamp,
            "PASSWORD_CLAIM_SECRET_BLOCK": self.secret_block,
            "PASSWORD_CLAIM_SIGNATURE": self.signature,
        }
        if self.client_secret is not None:
            responses["SECRET_HASH"] = AWSSRP.get_secret_hash(
                username, self.client_id, self.client_secret
            )
        return responses
