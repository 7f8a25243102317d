"""Every error the tutorial can meet, explained for a learner: the one place for that text.

Two tables live here. ``COGNITO_ERRORS`` covers what Cognito (or botocore, on the way to it)
can answer; ``HELPER_PROBLEMS`` covers bad input caught by this package's own helpers, raised as
:class:`TutorialError`. :func:`explain` turns any exception into an :class:`Explanation` that
keeps the original code and message visible beside the words for the learner.

Error codes and messages: https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html
and the "Errors" section of each operation in
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/Welcome.html
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Literal, Self, get_args

WayOn = Literal["retry", "wait_for_next_code", "restart_sign_in", "fix_input", "fix_setup", "wait"]
"""What the learner (or a widget) does next.

- ``retry``: the challenge still stands; type the code again on the same Session.
- ``wait_for_next_code``: the code was spent; wait for the authenticator's next code.
- ``restart_sign_in``: the Session is expired or spent; call InitiateAuth again.
- ``fix_input``: something sent was wrong; correct it and send again.
- ``fix_setup``: the pool, app client, user or sandbox needs changing first.
- ``wait``: locked out or throttled; wait, then try again.
"""

WAYS_ON: tuple[str, ...] = get_args(WayOn)
WAY_ON_TEXT = {
    "retry": "type the code again: the challenge still stands",
    "wait_for_next_code": "wait for the next code, then send it",
    "restart_sign_in": "start the sign-in again (a new InitiateAuth)",
    "fix_input": "correct what was sent, then send it again",
    "fix_setup": "change the set-up first, then try again",
    "wait": "wait, then try again",
}

API_REFERENCE = "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/"
RESTART_SANDBOX = (
    "Restart it: in the notebook run `from cognito_tutorial import connect; cognito = connect()`, "
    "or in a terminal run `python -m cognito_tutorial sandbox`, then run the cell again."
)


@dataclass(frozen=True)
class ErrorEntry:
    """One row of :data:`COGNITO_ERRORS`.

    :param code: the error code (``Error.Code`` of a ClientError) or exception class name.
    :param pattern: a regular expression searched in the message (case-insensitive);
        ``None`` matches any message and acts as the fallback for ``code``.
    """

    code: str
    pattern: str | None
    title: str
    meaning: str
    cause: str
    todo: str
    way_on: WayOn


@dataclass(frozen=True)
class HelperProblem:
    """One row of :data:`HELPER_PROBLEMS`: a mistake caught before anything reaches Cognito.

    ``meaning``, ``cause`` and ``todo`` are :meth:`str.format` templates filled in by the
    helper that raises.
    """

    key: str
    title: str
    meaning: str
    cause: str
    todo: str
    way_on: WayOn


_E = ErrorEntry

COGNITO_ERRORS: tuple[ErrorEntry, ...] = (
    # --- TOTP codes -------------------------------------------------------------------------
    _E(
        "CodeMismatchException",
        None,
        "The code did not match",
        "Cognito compared the code you sent with the one it expected for this user, and they "
        "differ. The challenge still stands.",
        "A typing slip, a code read from the wrong account in the authenticator app, or a "
        "device clock that is off by more than 30 seconds.",
        "Type the code the app shows now and send it again with the same Session. If it keeps "
        "failing, check that the phone's clock is set automatically.",
        "retry",
    ),
    _E(
        "ExpiredCodeException",
        r"already been used",
        "That code was already used",
        "Each TOTP code is accepted once (RFC 6238, section 5.2). Cognito has seen this one "
        "before, so it refuses it a second time.",
        "The same code was accepted a moment ago, inside the same 30-second window: by "
        "VerifySoftwareToken during enrolment, or by an earlier sign-in of this user.",
        "Wait until the authenticator app shows a new code (at most 30 seconds), then send that "
        "one. The Session still works if it has not expired.",
        "wait_for_next_code",
    ),
    _E(
        "ExpiredCodeException",
        None,
        "The code has expired or was already used",
        "Cognito no longer accepts this code.",
        "The code's 30-second window passed before it arrived, or it was used once already.",
        "Wait for the next code from the authenticator app and send that one.",
        "wait_for_next_code",
    ),
    _E(
        "EnableSoftwareTokenMFAException",
        None,
        "The authenticator's code did not confirm the new secret",
        "VerifySoftwareToken checked the code against the secret from AssociateSoftwareToken "
        "and it did not match, so TOTP is not turned on yet.",
        "A typing slip, or the app holds an older secret: every AssociateSoftwareToken call "
        "makes a new secret, so a QR code scanned before the latest call no longer fits.",
        "Type the current code again. If it still fails, delete the entry in the authenticator "
        "app, scan the QR code from the latest AssociateSoftwareToken call, and use its code.",
        "retry",
    ),
    _E(
        "SoftwareTokenMFANotFoundException",
        None,
        "TOTP is not set up here",
        "Cognito has no software token (TOTP) configuration to use for this request.",
        "The user pool does not allow TOTP MFA, or this user never finished enrolment with "
        "VerifySoftwareToken.",
        "Turn TOTP on for the pool (SetUserPoolMfaConfig with SoftwareTokenMfaConfiguration "
        "Enabled), or finish AssociateSoftwareToken and VerifySoftwareToken for the user.",
        "fix_setup",
    ),
    # --- NotAuthorizedException, split by message ------------------------------------------
    _E(
        "NotAuthorizedException",
        r"Incorrect username or password",
        "Wrong username or password",
        "Cognito could not match the username and password. It does not say which one is "
        "wrong, so that nobody can find out which users exist.",
        "A typo in the password, the temporary password used after it was changed, or the "
        "wrong username.",
        "Check the username and password and sign in again. Repeated failures lock the user "
        "out for a while.",
        "fix_input",
    ),
    _E(
        "NotAuthorizedException",
        r"session is expired",
        "The sign-in session expired",
        "A Session is valid for a few minutes (3 by default, up to 15). This one ran out before "
        "the answer arrived.",
        "The code or new password was sent too long after InitiateAuth, for example after a "
        "break between cells.",
        "Start the sign-in again with InitiateAuth (or AdminInitiateAuth) and answer the "
        "challenges with the new Session.",
        "restart_sign_in",
    ),
    _E(
        "NotAuthorizedException",
        r"session can only be used once",
        "That Session was already used",
        "Each Session answers one challenge. Once Cognito accepted an answer, it returned a new "
        "Session (or tokens) and this one is spent.",
        "A cell was run twice, or the Session from an earlier response was sent instead of the "
        "latest one.",
        "Use the Session from the most recent response; if you no longer have it, start again "
        "with InitiateAuth.",
        "restart_sign_in",
    ),
    _E(
        "NotAuthorizedException",
        r"Invalid session",
        "The Session is not valid",
        "Cognito does not recognise the Session sent with this request.",
        "The Session was cut short when copied, belongs to another user or app client, or the "
        "local sandbox restarted and forgot it.",
        "Start the sign-in again with InitiateAuth and use the new Session.",
        "restart_sign_in",
    ),
    _E(
        "NotAuthorizedException",
        r"configured with secret but SECRET_HASH was not received",
        "SECRET_HASH is missing",
        "This app client has a client secret, so every sign-in request must prove it knows the "
        "secret by sending SECRET_HASH.",
        "The request was built for a client without a secret, or SECRET_HASH was left out of "
        "AuthParameters or ChallengeResponses.",
        "Add SECRET_HASH = secret_hash(username, client_id, client_secret) to AuthParameters "
        "(InitiateAuth) and to ChallengeResponses (RespondToAuthChallenge).",
        "fix_input",
    ),
    _E(
        "NotAuthorizedException",
        r"Unable to verify secret hash",
        "SECRET_HASH is wrong",
        "Cognito recomputed SECRET_HASH with the client secret and got a different value.",
        "The hash was made with another client's secret or ID, or with a different username "
        "than the USERNAME sent (in a challenge answer, use the USER_ID_FOR_SRP value).",
        "Recompute SECRET_HASH with secret_hash(username, client_id, client_secret) using "
        "exactly the USERNAME and ClientId in this request.",
        "fix_input",
    ),
    _E(
        "NotAuthorizedException",
        r"Password attempts exceeded",
        "Too many wrong passwords: locked out for now",
        "After five failed sign-ins Cognito locks the user out, for longer after each further "
        "failure (up to about 15 minutes).",
        "Several sign-ins with a wrong password in a row.",
        "Wait a few minutes, then sign in with the right password. Waiting is the only way on; "
        "more attempts make the lockout longer.",
        "wait",
    ),
    _E(
        "NotAuthorizedException",
        r"Access Token",
        "The access token is not valid",
        "Cognito refused the AccessToken sent with this request: it has expired, was revoked "
        "(sign-out), or is not a token from this user pool.",
        "Access tokens last an hour by default; a global sign-out or a restarted sandbox also "
        "ends them.",
        "Sign in again to get fresh tokens, or use the refresh token (REFRESH_TOKEN_AUTH).",
        "restart_sign_in",
    ),
    _E(
        "NotAuthorizedException",
        r"Refresh Token",
        "The refresh token is not valid",
        "Cognito refused the refresh token: it has expired, was revoked, or belongs to another "
        "app client.",
        "Refresh tokens expire (30 days by default) and are revoked by sign-out.",
        "Sign in again with InitiateAuth to get a new set of tokens.",
        "restart_sign_in",
    ),
    _E(
        "NotAuthorizedException",
        r"User is disabled",
        "This user is disabled",
        "An administrator turned this user off; Cognito refuses to sign them in.",
        "The user was disabled with AdminDisableUser (perhaps by a clean-up step).",
        "Enable the user again with AdminEnableUser, or run the set-up cell to recreate it.",
        "fix_setup",
    ),
    _E(
        "NotAuthorizedException",
        None,
        "Not authorised",
        "Cognito refused the request as not authorised.",
        "A wrong credential, token or Session for this request.",
        "Read Cognito's message above; if it names a token or Session, sign in again.",
        "fix_input",
    ),
    # --- InvalidParameterException, split by message ---------------------------------------
    _E(
        "InvalidParameterException",
        r"flow not enabled for this client",
        "This sign-in flow is not allowed for the app client",
        "Each app client lists the flows it accepts (ExplicitAuthFlows). The AuthFlow sent is "
        "not among them.",
        "The app client was created without ALLOW_USER_PASSWORD_AUTH (for InitiateAuth) or "
        "ALLOW_ADMIN_USER_PASSWORD_AUTH (for AdminInitiateAuth).",
        "Add the flow to the client's ExplicitAuthFlows (UpdateUserPoolClient), or run the "
        "set-up cell, which creates a client with the flows this tutorial uses.",
        "fix_setup",
    ),
    _E(
        "InvalidParameterException",
        r"Initiate Auth method not supported",
        "That AuthFlow belongs to the other API",
        "InitiateAuth takes USER_PASSWORD_AUTH; AdminInitiateAuth takes "
        "ADMIN_USER_PASSWORD_AUTH. Each refuses the other's flow.",
        "ADMIN_USER_PASSWORD_AUTH was sent to InitiateAuth, or USER_PASSWORD_AUTH to "
        "AdminInitiateAuth.",
        "Use USER_PASSWORD_AUTH with initiate_auth, or ADMIN_USER_PASSWORD_AUTH with "
        "admin_initiate_auth (which also needs UserPoolId and AWS credentials).",
        "fix_input",
    ),
    _E(
        "InvalidParameterException",
        r"has not verified software token mfa",
        "TOTP is not verified for this user yet",
        "TOTP can only be turned on once the user proved their authenticator works.",
        "SetUserMFAPreference (or AdminSetUserMFAPreference) asked for TOTP before "
        "VerifySoftwareToken succeeded.",
        "Call AssociateSoftwareToken, add the secret to the app, send its code with "
        "VerifySoftwareToken, and then set the MFA preference.",
        "fix_setup",
    ),
    _E(
        "InvalidParameterException",
        r"session is for the",
        "The Session belongs to another challenge",
        "Each Session answers one particular challenge, and the ChallengeName sent is not the "
        "one this Session was issued for.",
        "A ChallengeName copied from an earlier step, for example SOFTWARE_TOKEN_MFA sent with "
        "the Session of an MFA_SETUP challenge.",
        "Send the ChallengeName from the same response that returned this Session.",
        "fix_input",
    ),
    _E(
        "InvalidParameterException",
        r"validation error|Missing required parameter",
        "A parameter is missing or has the wrong shape",
        "Cognito checked the request's parameters and one is missing, too long, or not in the "
        "allowed form; the message names it.",
        "A ChallengeResponses key left out (USERNAME is always needed), a typo in a key, or a "
        "value of the wrong kind.",
        "Fix the parameter the message names and send the request again.",
        "fix_input",
    ),
    _E(
        "InvalidParameterException",
        None,
        "A parameter is not valid",
        "Cognito refused one of the parameters in this request.",
        "A value that does not fit this operation or this user's state.",
        "Read Cognito's message above, fix the parameter it names, and send again.",
        "fix_input",
    ),
    # --- Users and passwords ---------------------------------------------------------------
    _E(
        "InvalidPasswordException",
        None,
        "The new password does not meet the pool's policy",
        "The user pool has a password policy (length, digits, symbols, upper and lower case) "
        "and this password breaks it; the message says which rule.",
        "The NEW_PASSWORD is too short or lacks a required kind of character.",
        "Choose a password that meets every rule in the message and send it again; the Session "
        "still works if it has not expired.",
        "fix_input",
    ),
    _E(
        "UserNotFoundException",
        None,
        "No such user",
        "The user pool has no user with this username.",
        "A typo in the username, another pool, or the demo user was deleted (clean-up, or a "
        "restarted sandbox).",
        "Check the username; run the set-up cell to create the demo user again.",
        "fix_input",
    ),
    _E(
        "UserNotConfirmedException",
        None,
        "The user has not confirmed their sign-up",
        "Users who signed themselves up must confirm (usually with an emailed code) before "
        "they can sign in.",
        "The user was created with SignUp and never confirmed.",
        "Confirm the user with ConfirmSignUp, or as an administrator with AdminConfirmSignUp.",
        "fix_setup",
    ),
    _E(
        "PasswordResetRequiredException",
        None,
        "The user must reset their password",
        "An administrator marked this password for reset; Cognito will not accept it.",
        "AdminResetUserPassword was called for this user.",
        "Set a new password with ForgotPassword and ConfirmForgotPassword, or as an "
        "administrator with AdminSetUserPassword.",
        "fix_setup",
    ),
    _E(
        "UsernameExistsException",
        None,
        "That username is taken",
        "The user pool already has a user with this username.",
        "The set-up ran before, or two lessons use the same demo user.",
        "Use the existing user, choose another username, or delete the old user first.",
        "fix_input",
    ),
    # --- Limits and throttling --------------------------------------------------------------
    _E(
        "TooManyRequestsException",
        None,
        "Too many requests: slow down",
        "Cognito limits how many requests per second an operation accepts, and this request "
        "went over the limit.",
        "A loop or a room full of learners calling at the same moment.",
        "Wait a few seconds and send again; in code, retry with a growing pause.",
        "wait",
    ),
    _E(
        "LimitExceededException",
        None,
        "A limit was reached",
        "Cognito refused the request because a limit (attempts or resources) was reached.",
        "Many attempts in a short time, or a quota on the user pool.",
        "Wait a while, then try again.",
        "wait",
    ),
    _E(
        "TooManyFailedAttemptsException",
        None,
        "Too many failed attempts",
        "Cognito stopped accepting attempts for now after repeated failures.",
        "Several wrong answers in a row.",
        "Wait a few minutes before trying again.",
        "wait",
    ),
    _E(
        "InternalErrorException",
        None,
        "Cognito had an internal error",
        "The service failed to handle the request; nothing you sent is known to be wrong.",
        "A passing fault on the service side.",
        "Wait a moment and send the request again.",
        "wait",
    ),
    # --- Set-up -----------------------------------------------------------------------------
    _E(
        "ResourceNotFoundException",
        None,
        "The user pool or app client does not exist",
        "Cognito has no user pool or app client with the ID in this request.",
        "The IDs are from an earlier run: the local sandbox forgets everything when it "
        "restarts, and clean-up deletes what the tutorial made.",
        "Run the set-up cell again to create the pool, app client and demo user, and use the "
        "IDs it returns.",
        "fix_setup",
    ),
    _E(
        "UnrecognizedClientException",
        None,
        "AWS did not recognise the credentials",
        "The request was signed with an access key that AWS does not know.",
        "Wrong or expired AWS credentials for the admin operations.",
        "Check the AWS profile or keys (on the local sandbox, connect() sets working ones).",
        "fix_setup",
    ),
    _E(
        "MissingAuthenticationTokenException",
        None,
        "The request was not signed",
        "Admin operations must be signed with AWS credentials (SigV4); this one was not.",
        "The client was built with signing turned off, or without credentials.",
        "Build the client with connect(), which sets credentials for the sandbox; on AWS, "
        "configure a profile.",
        "fix_setup",
    ),
    _E(
        "AccessDeniedException",
        None,
        "The AWS credentials may not do this",
        "The IAM identity behind these credentials is not allowed to call this operation.",
        "Admin operations (AdminInitiateAuth and the like) need IAM permissions.",
        "Use credentials whose IAM policy allows the operation, or the local sandbox.",
        "fix_setup",
    ),
    # --- Before anything reaches Cognito (botocore and the network) -------------------------
    _E(
        "EndpointConnectionError",
        r"127\.0\.0\.1|localhost|\[::1\]",
        "The local Cognito sandbox is not answering",
        "boto3 could not connect to the local sandbox, so the request never reached it.",
        "The sandbox process stopped: the kernel was restarted, the terminal running it was "
        "closed, or the machine went to sleep.",
        RESTART_SANDBOX,
        "fix_setup",
    ),
    _E(
        "EndpointConnectionError",
        None,
        "Cannot reach the Cognito endpoint",
        "boto3 could not connect to the endpoint, so the request never reached Cognito.",
        "No network, a proxy or firewall in the way, or a wrong region or endpoint URL.",
        "Check the network and the region. For the local sandbox instead: " + RESTART_SANDBOX,
        "fix_setup",
    ),
    _E(
        "ConnectionError",
        None,
        "The connection failed",
        "The connection to the endpoint failed before an answer came back.",
        "The local sandbox stopped, or the network dropped.",
        RESTART_SANDBOX + " On AWS, check the network and send again.",
        "fix_setup",
    ),
    _E(
        "HTTPClientError",
        None,
        "The connection broke during the request",
        "The connection closed or timed out before Cognito answered.",
        "The local sandbox stopped or is overloaded, or the network dropped.",
        "Send the request again. If it fails again: " + RESTART_SANDBOX,
        "fix_setup",
    ),
    _E(
        "ParamValidationError",
        None,
        "boto3 refused the parameters before sending",
        "botocore checks every request against the API model; a parameter is missing, "
        "unknown, or of the wrong type. Nothing was sent to Cognito.",
        "A misspelt parameter name (they are case-sensitive) or a number where a string is "
        "expected, such as a TOTP code typed as an int.",
        "Fix the parameter named in the message; all ChallengeResponses values are strings.",
        "fix_input",
    ),
    _E(
        "NoCredentialsError",
        None,
        "No AWS credentials found",
        "Admin operations are signed with AWS credentials, and boto3 found none.",
        "The client was built without credentials (on the local sandbox any key works).",
        "Build the client with connect(), which sets credentials for the sandbox; on AWS, "
        "configure a profile.",
        "fix_setup",
    ),
    _E(
        "NoRegionError",
        None,
        "No AWS region set",
        "boto3 needs a region to know which Cognito endpoint to call.",
        "The client was created without region_name and no default region is configured.",
        "Build the client with connect(), or pass region_name='us-east-1' (or your pool's region).",
        "fix_setup",
    ),
)

UNKNOWN_ERROR = ErrorEntry(
    "*",
    None,
    "An error this tutorial does not describe",
    "The request failed with an error the tutorial has no notes on; the code and message "
    "above are the original ones.",
    "Something outside the lesson's steps, or a Cognito behaviour the tutorial does not cover.",
    "Read the message above, then look the code up under Errors for the operation in the "
    "API reference: " + API_REFERENCE,
    "fix_input",
)

_P = HelperProblem

HELPER_PROBLEMS: tuple[HelperProblem, ...] = (
    _P(
        "code_empty",
        "No code was entered",
        "The code is empty.",
        "Nothing was typed, or the cell ran before a code was filled in.",
        "Type the 6 digits your authenticator app shows now.",
        "fix_input",
    ),
    _P(
        "code_not_digits",
        "The code has characters that are not digits",
        "The code contains {found}.",
        "A TOTP code is 6 digits only; letters or symbols usually mean a typo "
        "(the letter O for zero, l for one) or text copied along with the code.",
        "Type only the 6 digits your authenticator app shows now.",
        "fix_input",
    ),
    _P(
        "code_wrong_length",
        "The code must have exactly 6 digits",
        "The code has {digits} digits.",
        "Cognito's TOTP codes are always 6 digits long; {hint}",
        "Type the 6 digits your authenticator app shows now.",
        "fix_input",
    ),
    _P(
        "secret_not_base32",
        "The secret is not Base32",
        "The TOTP secret contains {found}.",
        "AssociateSoftwareToken returns SecretCode in Base32: the letters A-Z and the digits "
        "2-7 only.",
        "Pass the SecretCode value from the AssociateSoftwareToken response unchanged.",
        "fix_input",
    ),
    _P(
        "secret_too_short",
        "The secret is too short",
        "The TOTP secret is {chars} Base32 characters ({bits} bits).",
        "A TOTP secret needs at least 112 bits (23 Base32 characters) to be safe, and pyotp "
        "refuses shorter ones; Cognito's SecretCode is longer.",
        "Copy the whole SecretCode value from the AssociateSoftwareToken response.",
        "fix_input",
    ),
    _P(
        "label_has_colon",
        "The issuer or account name contains a colon",
        "The {field} is {value!r}.",
        "In an otpauth:// URI the colon separates the issuer from the account name, so "
        "neither may contain one.",
        "Choose an {field} without ':'.",
        "fix_input",
    ),
    _P(
        "label_empty",
        "The account name is empty",
        "The {field} is empty.",
        "The authenticator app shows the account name so that the learner can tell entries apart.",
        "Pass the username (or email) of the user who is enrolling.",
        "fix_input",
    ),
    _P(
        "client_secret_empty",
        "No client secret given",
        "The client secret is empty.",
        "SECRET_HASH is only needed, and can only be computed, for an app client that has a "
        "client secret.",
        "Pass the ClientSecret of the app client (DescribeUserPoolClient shows it), or leave "
        "SECRET_HASH out if the client has no secret.",
        "fix_input",
    ),
    _P(
        "not_a_response",
        "That is not a Cognito response",
        "The value passed is a {kind}, not a dict.",
        "The helper reads the dict that a boto3 call returns.",
        "Pass the value returned by the boto3 call, for example response = "
        "cognito.initiate_auth(...).",
        "fix_input",
    ),
    _P(
        "wire_not_recording",
        "The wire view is not recording this client",
        "No requests were recorded for this client.",
        "The wire view only sees requests sent after record_wire(client) was called.",
        "Call record_wire(cognito) once, then make the call you want to look at.",
        "fix_setup",
    ),
    _P(
        "wire_nothing_yet",
        "No request recorded yet",
        "record_wire is on, but this client has sent nothing since.",
        "The wire view shows the last request the client sent.",
        "Make a Cognito call with this client, then look again.",
        "fix_input",
    ),
    _P(
        "token_use_argument",
        "token_use must be 'id' or 'access'",
        "token_use was {value!r}.",
        "Cognito issues ID tokens (token_use 'id') and access tokens (token_use 'access'); "
        "each is checked differently.",
        "Pass token_use='id' for the IdToken or token_use='access' for the AccessToken.",
        "fix_input",
    ),
    _P(
        "token_format",
        "That is not a JWT",
        "The token could not be read: {detail}.",
        "A JWT is three Base64url parts (header, claims, signature) joined by dots.",
        "Pass the IdToken or AccessToken string from AuthenticationResult, whole.",
        "fix_input",
    ),
    _P(
        "token_algorithm",
        "The token is not signed with RS256",
        "The token's header says alg {alg!r}.",
        "Cognito signs its tokens with RS256 only; any other algorithm means the token did "
        "not come from Cognito, or was tampered with.",
        "Do not trust this token; sign in again to get one from Cognito.",
        "fix_input",
    ),
    _P(
        "token_kid",
        "No key in the JWKS matches the token",
        "The token names key {kid!r}, which is not in the key set at {jwks_url}.",
        "Each user pool publishes its signing keys; a token from another pool (or a restarted "
        "sandbox with new keys) names a key this pool does not have.",
        "Check that the region, user pool ID and jwks_url belong to the pool that issued the "
        "token.",
        "fix_input",
    ),
    _P(
        "token_signature",
        "The signature does not match",
        "The signature does not verify with the pool's key {kid!r}.",
        "The header or claims were changed after Cognito signed them, or the token was signed "
        "by someone else.",
        "Do not trust this token; sign in again to get one from Cognito.",
        "fix_input",
    ),
    _P(
        "token_issuer",
        "The token is from another issuer",
        "The token's iss is {found!r}, expected {expected!r}.",
        "iss names the user pool that issued the token; a token from another pool or region "
        "must be refused.",
        "Check region and user_pool_id, or use a token from this pool.",
        "fix_input",
    ),
    _P(
        "token_audience",
        "The ID token is for another app client",
        "The token's aud is {found!r}, expected the app client ID {expected!r}.",
        "An ID token's aud claim names the app client it was issued to.",
        "Pass the client_id of the app client that signed the user in.",
        "fix_input",
    ),
    _P(
        "token_client_id",
        "The access token is for another app client",
        "The token's client_id is {found!r}, expected {expected!r}.",
        "An access token's client_id claim names the app client it was issued to (access "
        "tokens have no aud).",
        "Pass the client_id of the app client that signed the user in.",
        "fix_input",
    ),
    _P(
        "token_token_use",
        "This is the wrong kind of token",
        "The token's token_use is {found!r}, expected {expected!r}.",
        "An access token authorises API calls; an ID token describes the user. Accepting one "
        "in place of the other is a classic security bug.",
        "Pass the IdToken with token_use='id', or the AccessToken with token_use='access'.",
        "fix_input",
    ),
    _P(
        "token_expired",
        "The token has expired",
        "The token expired at {exp} (now {now}).",
        "Cognito tokens last an hour by default.",
        "Sign in again, or refresh the tokens with REFRESH_TOKEN_AUTH.",
        "restart_sign_in",
    ),
    _P(
        "token_not_yet_valid",
        "The token is not valid yet",
        "The token says it was issued in the future: {detail}.",
        "This machine's clock and the issuer's clock disagree.",
        "Set the clock automatically, or pass a small leeway (for example leeway=5).",
        "fix_setup",
    ),
    _P(
        "token_missing_claim",
        "A required claim is missing",
        "The token has no {claim!r} claim.",
        "Every Cognito token carries iss, exp, iat and token_use.",
        "Do not trust this token; sign in again to get one from Cognito.",
        "fix_input",
    ),
    _P(
        "jwks_unreachable",
        "Could not fetch the user pool's keys",
        "Fetching {jwks_url} failed: {detail}.",
        "Verifying a signature needs the pool's public keys (JWKS).",
        "Check the network and the URL; on the local sandbox pass "
        "jwks_url=f'{{endpoint_url}}/{{user_pool_id}}/.well-known/jwks.json'. " + RESTART_SANDBOX,
        "fix_setup",
    ),
    _P(
        "jwks_invalid",
        "The key set could not be read",
        "{jwks_url} did not return a usable JWKS: {detail}.",
        "A JWKS is a JSON document with a 'keys' list.",
        "Check that jwks_url points at the pool's .well-known/jwks.json.",
        "fix_setup",
    ),
)

_PROBLEMS_BY_KEY: dict[str, HelperProblem] = {p.key: p for p in HELPER_PROBLEMS}


class TutorialError(Exception):
    """Bad input caught by a helper, with a message a learner can act on.

    Build it from a row of :data:`HELPER_PROBLEMS` with :meth:`about`, or directly with free text.

    :param meaning: what happened.
    :param cause: why that is a problem.
    :param todo: what to do next.
    :param way_on: one of :data:`WAYS_ON`.
    :param title: a short heading; defaults to the class's ``default_title``.
    :param problem: the :data:`HELPER_PROBLEMS` key it was built from, if any.
    """

    default_title = "The helper could not use that input"

    def __init__(
        self,
        meaning: str,
        cause: str = "",
        todo: str = "",
        *,
        way_on: WayOn = "fix_input",
        title: str | None = None,
        problem: str | None = None,
    ) -> None:
        self.meaning = meaning
        self.cause = cause
        self.todo = todo
        self.way_on: WayOn = way_on
        self.title = title or self.default_title
        self.problem = problem
        super().__init__(" ".join(part for part in (meaning, cause, todo) if part))

    @classmethod
    def about(cls, key: str, **fields: Any) -> Self:
        """Build the error for the ``HELPER_PROBLEMS`` row ``key``, filling in ``fields``.

        :param key: the row's key, e.g. ``"code_wrong_length"``.
        :returns: an instance of ``cls``, ready to raise.
        """
        row = _PROBLEMS_BY_KEY[key]
        return cls(
            row.meaning.format(**fields),
            row.cause.format(**fields),
            row.todo.format(**fields),
            way_on=row.way_on,
            title=row.title,
            problem=key,
        )


class CodeFormatError(TutorialError, ValueError):
    """A typed TOTP code is not 6 digits (checked before it is sent to Cognito)."""

    default_title = "That is not a 6-digit code"


class TokenInvalid(TutorialError):
    """A JWT failed a verification check; :attr:`check` names which one."""

    default_title = "The token did not pass verification"

    @property
    def check(self) -> str:
        """The failed check: ``"format"``, ``"algorithm"``, ``"kid"``, ``"signature"``,
        ``"expired"``, ``"not_yet_valid"``, ``"missing_claim"``, ``"issuer"``, ``"token_use"``,
        ``"audience"`` or ``"client_id"`` (the problem key without its ``token_`` prefix)."""
        return (self.problem or "").removeprefix("token_")


@dataclass(frozen=True)
class Explanation:
    """An error explained for a learner, with Cognito's own code and message kept beside it.

    Shown as text (``str``) or as an HTML block in JupyterLab (light and dark themes).
    """

    code: str
    message: str
    title: str
    meaning: str
    cause: str
    todo: str
    way_on: str
    operation: str | None = None

    def _lines(self) -> list[tuple[str, str]]:
        rows = [("What it means", self.meaning)]
        if self.cause:
            rows.append(("Likely cause", self.cause))
        if self.todo:
            rows.append(("What to do", self.todo))
        rows.append(("Way on", WAY_ON_TEXT.get(self.way_on, self.way_on)))
        return rows

    def _original(self) -> str:
        where = f" (calling {self.operation})" if self.operation else ""
        if self.message and self.message != self.meaning:
            return f"{self.code}{where}: {self.message}"
        return f"{self.code}{where}"

    def __str__(self) -> str:
        lines = [f"Error: {self.title}", f"  {self._original()}"]
        lines += [f"{label}: {text}" for label, text in self._lines()]
        return "\n".join(lines)

    __repr__ = __str__  # the text/plain form of notebook outputs stays readable

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(
            f'<dt style="font-weight:bold;margin-top:0.4em">{esc(label)}</dt>'
            f'<dd style="margin-left:1.5em">{_html_code_spans(text)}</dd>'
            for label, text in self._lines()
        )
        return (
            '<div role="note" aria-label="Error explained" style="'
            "border:1px solid var(--jp-border-color1, #888);"
            "border-left:6px solid var(--jp-warn-color0, #b35900);"
            "background:var(--jp-layout-color1, transparent);"
            "color:var(--jp-ui-font-color1, inherit);"
            'padding:0.5em 1em;margin:0.3em 0;max-width:60em">'
            f'<p style="margin:0;font-weight:bold">Error: {esc(self.title)}</p>'
            f'<p style="margin:0.2em 0"><code>{esc(self._original())}</code></p>'
            f'<dl style="margin:0.2em 0">{rows}</dl></div>'
        )


def _html_code_spans(text: str) -> str:
    """Escape ``text`` and show its `backticked` parts as code."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def lookup(code: str, message: str = "") -> ErrorEntry:
    """Find the table row for an error code and message.

    :param code: the Cognito error code or exception class name.
    :param message: the error message; rows for the same code are told apart by it.
    :returns: the first row whose code matches and whose pattern is found in the message,
        else the row for the code with no pattern, else :data:`UNKNOWN_ERROR`.
    """
    fallback = None
    for entry in COGNITO_ERRORS:
        if entry.code != code:
            continue
        if entry.pattern is None:
            fallback = fallback or entry
        elif re.search(entry.pattern, message, re.IGNORECASE):
            return entry
    return fallback or UNKNOWN_ERROR


def explain(error: BaseException) -> Explanation:
    """Explain an exception for a learner.

    Works for botocore ``ClientError`` (and the modelled ``cognito.exceptions.*``), botocore
    connection and validation errors, :class:`TutorialError`, and anything else (a safe
    default that keeps the original type and message).

    :param error: the exception caught around a Cognito call or a helper.
    :returns: an :class:`Explanation`; display it in a notebook, or ``print`` it.
    """
    if isinstance(error, TutorialError):
        return Explanation(
            code=type(error).__name__,
            message=error.meaning,
            title=error.title,
            meaning=error.meaning,
            cause=error.cause,
            todo=error.todo,
            way_on=error.way_on,
        )
    response = getattr(error, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        code = str(response["Error"].get("Code", "")) or type(error).__name__
        message = str(response["Error"].get("Message", ""))
        entry = lookup(code, message)
        operation = getattr(error, "operation_name", None)
    else:
        code = type(error).__name__
        message = str(error)
        # Match the class or its nearest known base, so that e.g. ConnectTimeoutError is
        # explained by the ConnectionError row.
        entry = UNKNOWN_ERROR
        for cls in type(error).__mro__:
            entry = lookup(cls.__name__, message)
            if entry is not UNKNOWN_ERROR:
                break
        operation = None
    return Explanation(
        code=code,
        message=message,
        title=entry.title,
        meaning=entry.meaning,
        cause=entry.cause,
        todo=entry.todo,
        way_on=entry.way_on,
        operation=operation,
    )
