"""The sandbox's access key: an owner-only file per home, and AWS's answers to every request
Cognito wants signed that is unsigned, malformed, from an unknown key or wrongly signed.

Over HTTP against real sandboxes. Raw requests (http.client) are built here byte by byte, or
signed with botocore's SigV4 code, so each test controls exactly what the sandbox receives.
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import json
import os
import re
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import boto3
import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials as BotocoreCredentials
from expect import cognito_error
from support import PASSWORD, REGION, client_for

from cognito_tutorial import backend, cli, connect
from cognito_tutorial.errors import TutorialError
from cognito_tutorial.sandbox import credentials, directory
from cognito_tutorial.sandbox.credentials import Credentials, CredentialsError, load_or_create

TARGET = "AWSCognitoIdentityProviderService."
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)
UNKNOWN_KEY = "The security token included in the request is invalid."
EXAMPLE_KEY = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
URL = re.compile(r"http://127\.0\.0\.1:\d+")


def raw_post(url: str, operation: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    """POST exactly these headers (plus Host and Content-Length) and body; (status, JSON)."""
    parts = urlparse(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(
        "POST", "/", body=body, headers={"X-Amz-Target": TARGET + operation, **headers}
    )
    response = connection.getresponse()
    payload = json.loads(response.read() or b"{}")
    assert response.getheader("x-amzn-ErrorType") in (None, payload.get("__type"))
    connection.close()
    return response.status, payload


def signed_headers(
    url: str,
    operation: str,
    body: bytes,
    key: Credentials,
    *,
    service: str = "cognito-idp",
    region: str = REGION,
) -> dict[str, str]:
    """The headers botocore would send for this request, signed with `key`."""
    host = urlparse(url).netloc
    request = AWSRequest(
        method="POST",
        url=f"{url}/",
        headers={
            "Host": host,
            "X-Amz-Target": TARGET + operation,
            "Content-Type": "application/x-amz-json-1.1",
        },
        data=body,
    )
    signer = BotocoreCredentials(key.access_key_id, key.secret_access_key)
    SigV4Auth(signer, service, region).add_auth(request)
    return {name: value for name, value in request.headers.items() if name != "X-Amz-Target"}


def unsigned_client(url: str):
    """botocore with signing off: no Authorization header on any request."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name=REGION,
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )


# --- the key file ------------------------------------------------------------------------------


def test_the_key_is_generated_once_owner_only_where_aws_sdks_read_it(tmp_path, monkeypatch):
    home = tmp_path / "home"
    key = load_or_create(home)
    path = home / "credentials"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", key.access_key_id)
    assert len(key.secret_access_key) == 40
    assert load_or_create(home) == key  # read back, not made again
    assert load_or_create(tmp_path / "other") != key  # each home has its own
    assert key.secret_access_key not in repr(key)
    # botocore's own shared-credentials loader finds it under the tutorial's profile.
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    found = botocore.session.Session(profile=credentials.PROFILE).get_credentials()
    assert (found.access_key, found.secret_key) == (key.access_key_id, key.secret_access_key)


CREATE = """
import sys
from pathlib import Path
from cognito_tutorial.sandbox.credentials import load_or_create
home, ready, go = (Path(arg) for arg in sys.argv[1:])
ready.touch()
while not go.exists():  # every racer imported and waiting: all start at the same instant
    pass
print(load_or_create(home).access_key_id)
"""


@pytest.mark.parametrize("attempt", range(3))
def test_processes_racing_to_create_the_key_all_get_the_same_one(tmp_path, attempt):
    home, go = tmp_path / "home", tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(4)]
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", CREATE, str(home), str(flag), str(go)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 60
    while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    keys = {racer.communicate(timeout=60)[0].strip() for racer in racers}
    assert all(racer.returncode == 0 for racer in racers)
    assert keys == {load_or_create(home).access_key_id}
    assert os.listdir(home) == ["credentials"]  # nothing left aside


def test_a_key_file_others_may_read_is_refused(tmp_path):
    home = tmp_path / "home"
    load_or_create(home)
    (home / "credentials").chmod(0o644)
    with pytest.raises(CredentialsError, match=r"others may read .*mode 644.*delete the file"):
        load_or_create(home)


@pytest.mark.parametrize(
    "content", ["", "not an ini file", "[default]\naws_access_key_id = AKIA\n", "[x\n"]
)
def test_a_damaged_key_file_is_a_clear_error(tmp_path, content):
    home = tmp_path / "home"
    home.mkdir()
    path = home / "credentials"
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(CredentialsError, match=r"not a usable credentials file.*delete the file"):
        load_or_create(home)


# --- which operations need a signature -------------------------------------------------------


def test_the_public_operations_are_those_the_model_marks_unsigned():
    model = directory.service_model()
    public = {
        name
        for name in model.operation_names
        if not credentials.needs_signature(model.operation_model(name))
    }
    # The sign-in, sign-up and access-token operations Cognito serves to anyone...
    assert {
        "InitiateAuth",
        "RespondToAuthChallenge",
        "SignUp",
        "ConfirmSignUp",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "GetUser",
        "SetUserMFAPreference",
        "GlobalSignOut",
        "RevokeToken",
    } <= public
    # ...and nothing that manages a pool: the attack of issue 11 used these unsigned.
    assert not {name for name in public if name.startswith("Admin")}
    assert not {"DescribeUserPoolClient", "ListUsers", "DeleteUserPool", "ListUserPools"} & public


@pytest.mark.parametrize("operation", sorted(directory.service_model().operation_names))
def test_every_operation_unsigned_is_refused_exactly_when_the_model_wants_a_signature(
    sandbox_url, operation
):
    needs = credentials.needs_signature(directory.service_model().operation_model(operation))
    status, payload = raw_post(sandbox_url, operation, b"{}", {})
    if needs:
        assert (status, payload) == (
            403,
            {
                "__type": "MissingAuthenticationTokenException",
                "message": "Missing Authentication Token",
            },
        )
    else:
        assert payload.get("__type") != "MissingAuthenticationTokenException"


# --- the attack of issue 11 ------------------------------------------------------------------


ATTACKS = [
    ("describe_user_pool_client", lambda pool, user: {"ClientId": pool.client_id}),
    ("list_users", lambda pool, user: {}),
    ("admin_set_user_password", lambda pool, user: {"Username": user, "Password": "Pwn3d-pass!"}),
    ("delete_user_pool", lambda pool, user: {}),
]


@pytest.mark.parametrize(("method", "arguments"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_another_account_cannot_drive_the_sandbox(
    sandbox_url, isolated_home, make_pool, method, arguments
):
    """Unsigned, an unknown key, the right key ID with a guessed secret: all refused, and the
    learner's pool and password are as they were."""
    pool = make_pool()
    user = pool.create_user()
    own = load_or_create(isolated_home)
    intruders = [
        (unsigned_client(sandbox_url), "MissingAuthenticationTokenException", None),
        (client_for(sandbox_url, EXAMPLE_KEY), "UnrecognizedClientException", UNKNOWN_KEY),
        (
            client_for(sandbox_url, Credentials(own.access_key_id, "a-guess")),
            "InvalidSignatureException",
            MISMATCH,
        ),
    ]
    for intruder, code, message in intruders:
        with cognito_error(code, message):
            getattr(intruder, method)(UserPoolId=pool.pool_id, **arguments(pool, user))
    assert "AuthenticationResult" in pool.sign_in(user, PASSWORD)


def test_the_right_key_from_any_region_is_accepted(sandbox_url, isolated_home):
    """The region is read from the signature's scope, as the botocore client chose it."""
    body = b'{"MaxResults": 1}'
    headers = signed_headers(
        sandbox_url, "ListUserPools", body, load_or_create(isolated_home), region="eu-west-1"
    )
    status, payload = raw_post(sandbox_url, "ListUserPools", body, headers)
    assert status == 200 and "UserPools" in payload


# --- what a signature covers -----------------------------------------------------------------


def test_a_body_changed_after_signing_is_refused(sandbox_url, isolated_home, make_pool):
    """A signed AdminGetUser for one user, replayed for another: the body no longer matches."""
    pool = make_pool()
    user = pool.create_user()
    body = json.dumps({"UserPoolId": pool.pool_id, "Username": "someone-else"}).encode()
    headers = signed_headers(sandbox_url, "AdminGetUser", body, load_or_create(isolated_home))
    tampered = body.replace(b"someone-else", user.encode())
    status, payload = raw_post(sandbox_url, "AdminGetUser", tampered, headers)
    assert (status, payload) == (400, {"__type": "InvalidSignatureException", "message": MISMATCH})
    status, payload = raw_post(sandbox_url, "AdminGetUser", body, headers)  # as signed
    assert (status, payload["__type"]) == (400, "UserNotFoundException")


def test_a_signed_request_sent_as_another_operation_is_refused(
    sandbox_url, isolated_home, make_pool
):
    """X-Amz-Target is signed: a signed DescribeUserPool cannot become DeleteUserPool."""
    pool = make_pool()
    body = json.dumps({"UserPoolId": pool.pool_id}).encode()
    headers = signed_headers(sandbox_url, "DescribeUserPool", body, load_or_create(isolated_home))
    status, payload = raw_post(sandbox_url, "DeleteUserPool", body, headers)
    assert (status, payload["__type"]) == (400, "InvalidSignatureException")
    assert pool.cognito.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]["Id"]


def test_a_botocore_client_whose_body_is_changed_in_flight_is_refused(sandbox_url, make_pool):
    """The same through botocore: a handler edits the body after the signature is made."""
    pool = make_pool()
    user = pool.create_user()
    cognito = client_for(sandbox_url)

    def tamper(request, **_):
        request.body = request.body.replace(b"someone-else", user.encode())
        request.headers["Content-Length"] = str(len(request.body))

    cognito.meta.events.register("before-send.cognito-identity-provider.AdminGetUser", tamper)
    with cognito_error("InvalidSignatureException", MISMATCH):
        cognito.admin_get_user(UserPoolId=pool.pool_id, Username="someone-else")


def test_a_content_hash_header_must_be_the_bodys(sandbox_url, isolated_home, make_pool):
    """botocore signs X-Amz-Content-SHA256 in place of the body when it is set: a signed hash of
    the original body must not let another body through."""
    pool = make_pool()
    original = json.dumps({"UserPoolId": pool.pool_id}).encode()
    request = AWSRequest(
        method="POST",
        url=f"{sandbox_url}/",
        headers={
            "Host": urlparse(sandbox_url).netloc,
            "X-Amz-Target": TARGET + "DescribeUserPool",
            "X-Amz-Content-SHA256": hashlib.sha256(original).hexdigest(),
        },
        data=original,
    )
    key = load_or_create(isolated_home)
    signer = BotocoreCredentials(key.access_key_id, key.secret_access_key)
    SigV4Auth(signer, "cognito-idp", REGION).add_auth(request)
    headers = {name: value for name, value in request.headers.items() if name != "X-Amz-Target"}
    other = json.dumps({"UserPoolId": pool.pool_id + "x"}).encode()
    status, payload = raw_post(sandbox_url, "DescribeUserPool", other, headers)
    assert (status, payload["__type"]) == (400, "InvalidSignatureException")
    status, payload = raw_post(sandbox_url, "DescribeUserPool", original, headers)
    assert status == 200 and payload["UserPool"]["Id"] == pool.pool_id


# --- malformed Authorization headers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (
            "Bearer abc.def",
            "'abc.def' not a valid key=value pair (missing equal-sign) in Authorization header: "
            "'Bearer abc.def'.",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/cognito-idp/"
            "aws4_request",
            "Authorization header requires 'Signature' parameter. Authorization header requires "
            "'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential="
            "AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/cognito-idp/aws4_request",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/b/c, SignedHeaders=host, Signature=00",
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            "keyid/date/region/service/term, got 'a/b/c'",
        ),
    ],
    ids=["not-sigv4", "parts-missing", "short-credential"],
)
def test_a_malformed_authorization_header_gets_awss_answer(sandbox_url, authorization, message):
    headers = {"Authorization": authorization, "X-Amz-Date": "20240101T000000Z"}
    status, payload = raw_post(sandbox_url, "ListUserPools", b'{"MaxResults": 1}', headers)
    assert status == 400
    assert payload == {"__type": "IncompleteSignatureException", "message": message}


def test_a_missing_x_amz_date_is_named(sandbox_url, isolated_home):
    headers = signed_headers(sandbox_url, "ListUserPools", b"{}", load_or_create(isolated_home))
    del headers["X-Amz-Date"]
    status, payload = raw_post(sandbox_url, "ListUserPools", b"{}", headers)
    assert status == 400 and payload["__type"] == "IncompleteSignatureException"
    assert payload["message"].startswith(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
    )


def test_a_signature_for_another_service_is_named(sandbox_url, isolated_home):
    body = b'{"MaxResults": 1}'
    key = load_or_create(isolated_home)
    headers = signed_headers(sandbox_url, "ListUserPools", body, key, service="cognito-identity")
    status, payload = raw_post(sandbox_url, "ListUserPools", body, headers)
    assert (status, payload) == (
        400,
        {
            "__type": "InvalidSignatureException",
            "message": "Credential should be scoped to correct service: 'cognito-idp'. ",
        },
    )


# --- public operations stay public ---------------------------------------------------------------


def test_a_whole_mfa_sign_in_needs_no_signature(sandbox_url, make_pool, clock):
    """InitiateAuth, AssociateSoftwareToken, VerifySoftwareToken, RespondToAuthChallenge and
    GetUser from a client that signs nothing, as a mobile app calls them."""
    import pyotp

    pool = make_pool(mfa="ON")
    user = pool.create_user()
    app = unsigned_client(sandbox_url)
    started = app.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
    )
    assert started["ChallengeName"] == "MFA_SETUP"
    associated = app.associate_software_token(Session=started["Session"])
    code = pyotp.TOTP(associated["SecretCode"]).at(clock.now())
    verified = app.verify_software_token(Session=associated["Session"], UserCode=code)
    done = app.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": user},
    )
    token = done["AuthenticationResult"]["AccessToken"]
    assert app.get_user(AccessToken=token)["Username"] == user


def test_a_public_operation_ignores_an_authorization_header(sandbox_url, make_pool):
    """botocore never signs them; a stray (even malformed) header changes nothing."""
    pool = make_pool()
    user = pool.create_user()
    body = json.dumps(
        {
            "ClientId": pool.client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD},
        }
    ).encode()
    status, payload = raw_post(sandbox_url, "InitiateAuth", body, {"Authorization": "Bearer x"})
    assert status == 200 and "AuthenticationResult" in payload


# --- clients: connect(), a room's learner, the shell ------------------------------------------


def test_connect_signs_with_the_homes_key_never_the_learners_aws_keys(
    sandbox_url, isolated_home, monkeypatch
):
    monkeypatch.setenv("COGNITO_TUTORIAL_ENDPOINT", sandbox_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLEARNERKEY00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    cognito = connect(quiet=True)
    assert backend.access_key_id(cognito) == load_or_create(isolated_home).access_key_id
    assert "UserPools" in cognito.list_user_pools(MaxResults=1)


def test_a_learner_in_another_home_uses_the_key_from_the_rooms_handout(
    sandbox_url, tmp_path, monkeypatch, capsys
):
    """The instructor provisions the room from the room sandbox's home; a learner (another
    home, so another key) gets in with the handout's key, and only with it."""
    handout = tmp_path / "handout.csv"
    argv = ["provision", "--attendees", "1", "--room", f"room-{uuid.uuid4().hex[:8]}"]
    assert cli.main([*argv, "--endpoint", sandbox_url, "--handout", str(handout)]) == 0
    with handout.open(newline="") as rows:
        (row,) = csv.DictReader(rows)
    capsys.readouterr()
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path / "learner"))
    monkeypatch.setenv("COGNITO_TUTORIAL_ENDPOINT", sandbox_url)
    with cognito_error("UnrecognizedClientException", UNKNOWN_KEY):
        connect(quiet=True).describe_user_pool(UserPoolId=row["pool_id"])
    monkeypatch.setenv("COGNITO_TUTORIAL_ACCESS_KEY_ID", row["access_key_id"])
    with pytest.raises(TutorialError, match="COGNITO_TUTORIAL_SECRET_ACCESS_KEY is not set"):
        connect(quiet=True)
    monkeypatch.setenv("COGNITO_TUTORIAL_SECRET_ACCESS_KEY", row["secret_access_key"])
    exec(row["first_cell"], {})
    assert row["pool_id"] in capsys.readouterr().out


def test_the_room_key_is_not_used_for_the_learners_own_sandbox(monkeypatch, tmp_path):
    """Without COGNITO_TUTORIAL_ENDPOINT the variables are ignored: connect() starts this
    user's own sandbox, whose key is the home's."""
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path))
    monkeypatch.setenv("COGNITO_TUTORIAL_ACCESS_KEY_ID", EXAMPLE_KEY.access_key_id)
    monkeypatch.setenv("COGNITO_TUTORIAL_SECRET_ACCESS_KEY", EXAMPLE_KEY.secret_access_key)
    assert backend.sandbox_credentials(None) == load_or_create(tmp_path)
    assert backend.sandbox_credentials("http://10.0.0.5:9229") == EXAMPLE_KEY


@pytest.fixture
def own_sandbox(tmp_path):
    """`python -m cognito_tutorial sandbox` in a home of its own, as a learner runs it; yields
    (home, URL)."""
    home = tmp_path / "home"
    process = subprocess.Popen(
        [sys.executable, "-m", "cognito_tutorial", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, COGNITO_TUTORIAL_HOME=str(home)),
    )
    try:
        match = URL.search(process.stdout.readline())
        assert match
        yield home, match.group(0)
    finally:
        process.terminate()
        process.communicate(timeout=10)


def plain_environment(home: Path, tmp_path: Path) -> dict[str, str]:
    """This process's environment without any AWS setting, so only what a test adds counts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COGNITO_TUTORIAL_"))}
    env.update(
        COGNITO_TUTORIAL_HOME=str(home),
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


LIST_POOLS = (
    "import boto3; "
    "print([p['Name'] for p in boto3.client('cognito-idp').list_user_pools(MaxResults=10)"
    "['UserPools']])"
)


def test_sandbox_env_points_a_plain_boto3_client_at_the_running_sandbox(own_sandbox, tmp_path):
    """`eval "$(python -m cognito_tutorial sandbox --env)"`, then boto3 with no keys, endpoint
    or region in the code, as the AWS CLI or a learner's own app would run."""
    home, url = own_sandbox
    client_for(url, load_or_create(home)).create_user_pool(PoolName="made-before")
    python = sys.executable
    script = f'eval "$({python} -m cognito_tutorial sandbox --env)" && {python} -c "{LIST_POOLS}"'
    result = subprocess.run(
        ["bash", "-c", script],
        env=plain_environment(home, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['made-before']"


def test_the_key_file_works_as_an_aws_profile(own_sandbox, tmp_path):
    home, url = own_sandbox
    env = plain_environment(home, tmp_path)
    env.update(
        AWS_PROFILE="cognito-tutorial-sandbox",
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=url,
        AWS_DEFAULT_REGION=REGION,
    )
    result = subprocess.run(
        [sys.executable, "-c", LIST_POOLS], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_sandbox_env_says_what_to_do_when_no_sandbox_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "cognito_tutorial", "sandbox", "--env"],
        env=plain_environment(tmp_path / "home", tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "No sandbox is running" in result.stderr
    assert "python -m cognito_tutorial sandbox" in result.stderr
