"""The state file cannot be turned against its owner (docs/sandbox.md, "The state file").

It is loaded only if this user owns it and no other account can write it; it is unpickled
through an allowlist, so a planted payload never runs; a file of the wrong shape is set aside
like a damaged one and the sandbox starts empty.
"""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from moto.cognitoidp.models import CognitoIdpBackend
from moto.core import DEFAULT_ACCOUNT_ID
from support import ALL_FLOWS, PASSWORD, PoolUnderTest, client_for

from cognito_tutorial import connect, workspace
from cognito_tutorial.sandbox import directory, state
from cognito_tutorial.sandbox.auth import AuthState
from cognito_tutorial.sandbox.clock import ManualClock
from cognito_tutorial.sandbox.server import serve_in_thread
from cognito_tutorial.srp import SrpSignIn

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX owners and modes")


def plant(path: Path, data: bytes, mode: int = 0o600) -> Path:
    path.write_bytes(data)
    path.chmod(mode)
    return path


MISSING = object()  # a_state(auth=MISSING): a state without that key


def a_state(**changes) -> dict:
    """A well-formed state of an empty sandbox, with `changes` applied."""
    saved = {
        "format": state.FORMAT,
        "moto": state.MOTO_VERSION,
        "directory": {},
        "auth": AuthState(),
    }
    saved.update(changes)
    return {key: value for key, value in saved.items() if value is not MISSING}


def set_aside(folder: Path) -> list[Path]:
    return sorted(folder.glob("state.pickle.unreadable-*"))


def run_sandbox(state_file: Path) -> subprocess.CompletedProcess:
    """`python -m cognito_tutorial sandbox --state FILE`, for a start that is refused."""
    return subprocess.run(
        [sys.executable, "-m", "cognito_tutorial", "sandbox", "--port", "0"]
        + ["--state", str(state_file)],
        capture_output=True,
        text=True,
        timeout=30,
        env=dict(os.environ, COGNITO_TUTORIAL_HOME=str(state_file.parent / "home")),
    )


# --- who may write it ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode", [0o664, 0o666, 0o620, 0o602], ids=["old-umask-002", "everyone", "group", "others"]
)
def test_a_file_other_accounts_can_write_is_refused_and_left_in_place(tmp_path, mode):
    data = pickle.dumps(a_state())
    path = plant(tmp_path / "state.pickle", data, mode)
    with pytest.raises(state.UntrustedStateFile, match=f"mode {mode:04o}") as refused:
        state.load(path)
    assert f"chmod 600 {path}" in str(refused.value)
    assert path.read_bytes() == data  # not set aside: it is untrusted, not damaged
    assert not set_aside(tmp_path)


def test_the_sandbox_command_refuses_it_in_one_line(tmp_path):
    """A file from an older version saved under umask 002 (0664) stops the start: exit 1."""
    path = plant(tmp_path / "state.pickle", pickle.dumps(a_state()), 0o664)
    finished = run_sandbox(path)
    assert finished.returncode == 1
    assert finished.stdout == ""
    assert finished.stderr.splitlines() == [
        f"error: the sandbox state file {path} is writable by other accounts (mode 0664): "
        f"anyone could plant data in it. Fix: chmod 600 {path}, or delete it to start empty."
    ]


def test_a_file_of_another_account_is_refused(tmp_path, monkeypatch):
    path = plant(tmp_path / "state.pickle", pickle.dumps(a_state()))
    monkeypatch.setattr(os, "getuid", lambda: path.stat().st_uid + 1)  # we are someone else
    with pytest.raises(state.UntrustedStateFile, match="belongs to another account"):
        state.load(path)
    assert path.exists() and not set_aside(tmp_path)


def test_a_folder_others_can_write_is_refused(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    path = plant(folder / "state.pickle", pickle.dumps(a_state()))
    folder.chmod(0o777)
    with pytest.raises(state.UntrustedStateFile, match=f"chmod 700 {folder}"):
        state.load(path)
    folder.chmod(0o1777)  # sticky, as /tmp: others cannot replace this user's file
    assert state.load(path).note.startswith("restored")


def test_a_fifo_in_place_of_the_file_is_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / "state.pickle", 0o600)
    finished = run_sandbox(tmp_path / "state.pickle")
    assert finished.returncode == 1
    assert "is not a regular file" in finished.stderr


def test_saves_are_private(tmp_path, empty_moto):
    path = tmp_path / "new-folder" / "state.pickle"
    state.save(path, AuthState())
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert state.load(path).note.startswith("restored")


# --- what it may hold: the allowlist --------------------------------------------------------


def save_a_rich_state(path: Path, monkeypatch) -> str:
    """Run a sandbox on `path` and make one of everything it keeps; returns the MFA pool's id."""
    sandbox = serve_in_thread(state_path=path, clock=ManualClock())
    try:
        cognito = client_for(sandbox.url)
        pool_id = cognito.create_user_pool(
            PoolName="rich",
            UserPoolTags={"team": "a"},
            Schema=[{"Name": "nickname", "AttributeDataType": "String", "Mutable": True}],
        )["UserPool"]["Id"]
        cognito.set_user_pool_mfa_config(
            UserPoolId=pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration="ON",
        )
        cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="s", GenerateSecret=True)
        public = cognito.create_user_pool_client(
            UserPoolId=pool_id, ClientName="public", ExplicitAuthFlows=ALL_FLOWS
        )["UserPoolClient"]["ClientId"]
        pool = PoolUnderTest(cognito, pool_id, public, None)
        enrolled = pool.create_user("enrolled")
        pool.enrol_totp(enrolled, sandbox.app.auth.clock)  # an authenticator, tokens
        cognito.create_group(UserPoolId=pool_id, GroupName="readers")
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=enrolled, GroupName="readers")
        cognito.create_identity_provider(
            UserPoolId=pool_id,
            ProviderName="Google",
            ProviderType="Google",
            ProviderDetails={"client_id": "id", "client_secret": "s", "authorize_scopes": "email"},
        )
        cognito.create_resource_server(
            UserPoolId=pool_id,
            Identifier="https://api.example.com",
            Name="api",
            Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}],
        )
        cognito.create_user_pool_domain(UserPoolId=pool_id, Domain="rich-state")
        locked = pool.create_user("locked")
        for _ in range(3):  # failed sign-ins: a lockout record
            with pytest.raises(cognito.exceptions.NotAuthorizedException):
                pool.sign_in(locked, "Wrong-Passw0rd!")
        setting_up = pool.create_user("setting-up")  # an MFA_SETUP session, a pending secret
        cognito.associate_software_token(Session=pool.sign_in(setting_up)["Session"])
        srp = SrpSignIn(pool.create_user("srp"), PASSWORD, pool_id, public)  # SRP's secrets
        cognito.initiate_auth(
            ClientId=public, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.auth_parameters()
        )
        outbox_pool = cognito.create_user_pool(
            PoolName="sign-up", AutoVerifiedAttributes=["email"]
        )["UserPool"]["Id"]
        sign_up_client = cognito.create_user_pool_client(UserPoolId=outbox_pool, ClientName="c")
        cognito.sign_up(  # a code and its message in the outbox
            ClientId=sign_up_client["UserPoolClient"]["ClientId"],
            Username="new",
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "new@example.com"}],
        )
        plain = cognito.create_user_pool(PoolName="no-mfa")["UserPool"]["Id"]
        plain_client = cognito.create_user_pool_client(
            UserPoolId=plain, ClientName="c", ExplicitAuthFlows=ALL_FLOWS
        )["UserPoolClient"]["ClientId"]
        signed_in = PoolUnderTest(cognito, plain, plain_client, None)
        user = signed_in.create_user("tokens")
        tokens = signed_in.sign_in(user)["AuthenticationResult"]
        cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=plain_client)
        signed_in.sign_in(user)
        cognito.admin_disable_user(UserPoolId=plain, Username=user)
        remembering = cognito.create_user_pool(
            PoolName="devices", DeviceConfiguration={"ChallengeRequiredOnNewDevice": True}
        )["UserPool"]["Id"]
        remembering_client = cognito.create_user_pool_client(
            UserPoolId=remembering, ClientName="c", ExplicitAuthFlows=ALL_FLOWS
        )["UserPoolClient"]["ClientId"]
        with_device = PoolUnderTest(cognito, remembering, remembering_client, None)
        assert (
            "NewDeviceMetadata"
            in with_device.sign_in(with_device.create_user())["AuthenticationResult"]
        )  # a device key
        monkeypatch.setenv("COGNITO_TUTORIAL_ENDPOINT", sandbox.url)
        monkeypatch.setenv("COGNITO_TUTORIAL_ACCESS_KEY_ID", sandbox.app.credentials.access_key_id)
        monkeypatch.setenv(
            "COGNITO_TUTORIAL_SECRET_ACCESS_KEY", sandbox.app.credentials.secret_access_key
        )
        monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(path.parent))
        tutorial = connect(quiet=True)
        workspace.ensure_totp(tutorial, workspace.setup(tutorial, mfa="ON", quiet=True))
        return pool_id
    finally:
        sandbox.stop()


def globals_named(data: bytes) -> set[tuple[str, str]]:
    """Every (module, name) a pickle names; it is our own file, so plain unpickling is safe."""
    named = set()

    class Recording(pickle.Unpickler):
        def find_class(self, module, name):
            named.add((module, name))
            return super().find_class(module, name)

    Recording(io.BytesIO(data)).load()
    return named


def test_a_rich_state_loads_back_through_the_allowlist(tmp_path, monkeypatch, empty_moto):
    """If moto (or the auth layer) starts pickling a new class, this names it."""
    path = tmp_path / "state.pickle"
    pool_id = save_a_rich_state(path, monkeypatch)
    written = globals_named(path.read_bytes())
    unlisted = sorted(written - state.ALLOWED_GLOBALS)
    assert not unlisted, (
        f"the sandbox now writes {unlisted}: add each to state.ALLOWED_GLOBALS once you have "
        "checked that building it from any arguments cannot run code"
    )
    never_written = sorted(state.ALLOWED_GLOBALS - written)
    assert not never_written, f"state.ALLOWED_GLOBALS lists {never_written}: remove them"

    directory.reset()
    loaded = state.load(path)
    assert loaded.note.startswith("restored"), loaded.note
    assert directory.find_pool(pool_id).mfa_config == "ON"
    auth = loaded.auth
    assert auth.authenticators and auth.pending_secrets and auth.failures
    assert any(session.srp_challenge for session in auth.sessions.values())
    assert auth.devices


def test_a_state_saved_before_devices_existed_loads_with_none(tmp_path, empty_moto):
    """A whole state file from an older sandbox is not damaged: it lacks only the new field."""
    older = AuthState()
    del older.devices  # what unpickling a state from before remembered devices gives
    path = plant(tmp_path / "state.pickle", pickle.dumps(a_state(auth=older)))
    loaded = state.load(path)
    assert loaded.note.startswith("restored"), loaded.note
    assert loaded.auth.devices == {}


class Call:
    """Pickles as the call `func(*args)`: what a planted state file would hold."""

    def __init__(self, func, *args) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args

    def __call__(self) -> None:
        """pickle accepts only a callable as `func`, even one that is itself a Call."""


def escape_through_getattr(code: str) -> Call:
    """eval(code), reached from an allowed class by getattr: CognitoIdpBackend.__init__
    .__globals__["__builtins__"]["eval"]. The reason getattr is allowed one lookup only."""

    def attr(owner, name):
        return Call(getattr, owner, name)

    module_globals = attr(attr(CognitoIdpBackend, "__init__"), "__globals__")
    builtins_dict = Call(attr(module_globals, "get"), "__builtins__")
    return Call(Call(attr(builtins_dict, "get"), "eval"), code)


PAYLOADS = {
    "os.system": lambda marker: Call(os.system, f"touch {marker}"),
    "subprocess.run": lambda marker: Call(subprocess.run, ["touch", str(marker)]),
    "builtins.eval": lambda marker: Call(eval, f"open({str(marker)!r}, 'w').close()"),
    "io.open": lambda marker: Call(open, str(marker), "w"),
    "getattr-escape": lambda marker: escape_through_getattr(f"open({str(marker)!r}, 'w').close()"),
}


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_a_planted_pickle_does_not_run_and_is_set_aside(tmp_path, capsys, empty_moto, payload):
    marker = tmp_path / "ran"
    data = pickle.dumps(a_state(auth=payload(marker)))
    pickle.loads(data)  # the payload is live: plain unpickling runs it
    assert marker.exists()
    marker.unlink()

    path = plant(tmp_path / "state.pickle", data)
    loaded = state.load(path)
    assert not marker.exists()
    assert loaded.note.startswith("started empty")
    assert not path.exists()
    assert [aside.read_bytes() for aside in set_aside(tmp_path)] == [data]
    warning = capsys.readouterr().err
    assert "which is not among the classes a sandbox state holds" in warning or (
        "looks up the attribute '__init__'" in warning
    ), warning


def test_a_planted_pickle_does_not_run_when_the_sandbox_starts(tmp_path):
    marker = tmp_path / "ran"
    path = plant(tmp_path / "state.pickle", pickle.dumps(PAYLOADS["os.system"](marker)))
    process = subprocess.Popen(
        [sys.executable, "-m", "cognito_tutorial", "sandbox", "--port", "0"]
        + ["--state", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, COGNITO_TUTORIAL_HOME=str(tmp_path / "home")),
    )
    try:
        assert "started empty" in process.stdout.readline()
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert not marker.exists()
    assert "it names posix.system, which is not among the classes" in err
    assert set_aside(tmp_path)


# --- what it may hold: the shape -------------------------------------------------------------


def backend_whose_pools_are_a_list() -> CognitoIdpBackend:
    backend = CognitoIdpBackend("us-east-1", DEFAULT_ACCOUNT_ID)
    backend.user_pools = []
    return backend


WRONG_SHAPES = {
    "a-list": lambda: [state.FORMAT, state.MOTO_VERSION],
    "directory-a-list": lambda: a_state(directory=[]),
    "auth-a-string": lambda: a_state(auth="auth"),
    "no-auth": lambda: a_state(auth=MISSING),
    "no-directory": lambda: a_state(directory=MISSING),
    "region-not-a-backend": lambda: a_state(directory={"us-east-1": "backend"}),
    "pools-a-list": lambda: a_state(directory={"us-east-1": backend_whose_pools_are_a_list()}),
    "sessions-a-list": lambda: a_state(auth=AuthState(sessions=[])),
}


@pytest.mark.parametrize("shape", WRONG_SHAPES.values(), ids=WRONG_SHAPES.keys())
def test_a_state_of_the_wrong_shape_is_set_aside_and_the_sandbox_serves(
    tmp_path, capsys, empty_moto, shape
):
    path = plant(tmp_path / "state.pickle", pickle.dumps(shape()))
    sandbox = serve_in_thread(state_path=path)
    try:
        assert sandbox.app.load_note.startswith("started empty")
        cognito = client_for(sandbox.url)
        assert cognito.list_user_pools(MaxResults=10)["UserPools"] == []
        pool_id = cognito.create_user_pool(PoolName="after")["UserPool"]["Id"]
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=ALL_FLOWS
        )["UserPoolClient"]["ClientId"]
        pool = PoolUnderTest(cognito, pool_id, client_id, None)
        assert "AuthenticationResult" in pool.sign_in(pool.create_user())
    finally:
        sandbox.stop()
    assert len(set_aside(tmp_path)) == 1
    assert "could not read the sandbox state" in capsys.readouterr().err
