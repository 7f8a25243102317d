"""SECRET_HASH: what an app client with a client secret must send with every sign-in request.

https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cognito_tutorial.errors import TutorialError


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """Compute ``Base64(HMAC-SHA256(key=client_secret, message=username + client_id))``.

    Send it as ``SECRET_HASH`` in AuthParameters and in ChallengeResponses. ``username`` must be
    the exact USERNAME sent in the same request (in a challenge answer, the challenge's
    ``USER_ID_FOR_SRP``), or Cognito answers "Unable to verify secret hash for client".

    :param username: the USERNAME of the request.
    :param client_id: the app client ID.
    :param client_secret: the app client's secret (DescribeUserPoolClient ``ClientSecret``).
    :returns: the Base64 string to send.
    :raises TutorialError: if ``client_secret`` is empty.
    """
    if not client_secret:
        raise TutorialError.about("client_secret_empty")
    digest = hmac.new(
        client_secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")
