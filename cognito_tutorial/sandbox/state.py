"""The sandbox's state file: moto's directory and the auth layer's state, saved together.

moto keeps its directory in Python objects and has no export format, so the sandbox pickles
them (with the auth state) after every request that changes something, before answering it:
what a learner was told succeeded is on disk. Each save writes a new file and renames it over
the old one, so a crash mid-write leaves the previous state whole.

A pickle can run code when loaded, so a state file is loaded only if it can be trusted: it
belongs to this user and no other account can write it or replace it (else the sandbox refuses
to start, saying how to fix it), and it is unpickled through an allowlist of the classes the
sandbox itself writes, so a planted file cannot run anything. A file that is not a state this
sandbox can use (damaged, from another moto version, naming a class off the list, or of the
wrong shape) is set aside with a message and the sandbox starts empty, never half-loaded.

The file holds passwords and TOTP secrets of throwaway sandbox users: it lives in the user's own
state directory (see `paths.default_state_path`), readable by them alone.
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import stat
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool

from . import directory
from .auth import Authenticator, AuthSession, AuthState, Failures
from .devices import Device
from .errors import SandboxError
from .messages import IssuedCode, Message, Outbox

FORMAT = 1
MOTO_VERSION = version("moto")  # looked up once: it costs ~0.4 ms, and saves are frequent

# Every (module, name) a state file names, and nothing else: unpickling calls only these.
# Plain data classes, their containers, and joserfc's key import. To regenerate after a moto
# upgrade, run `pytest tests/test_state_trust.py -k rich`: it saves a state using every kind of
# object the sandbox keeps and names any class missing here or listed but never written. Add
# a class only after reading that constructing it with any arguments cannot run code.
ALLOWED_GLOBALS = frozenset(
    {
        ("builtins", "getattr"),  # only for RSAKey.import_key: see _allowed_lookup
        ("collections", "OrderedDict"),
        ("datetime", "datetime"),
        ("joserfc._rfc7518.rsa_key", "RSAKey"),
        ("moto.cognitoidp.models", "CognitoIdpBackend"),
        ("moto.cognitoidp.models", "CognitoIdpGroup"),
        ("moto.cognitoidp.models", "CognitoIdpIdentityProvider"),
        ("moto.cognitoidp.models", "CognitoIdpUser"),
        ("moto.cognitoidp.models", "CognitoIdpUserPool"),
        ("moto.cognitoidp.models", "CognitoIdpUserPoolAttribute"),
        ("moto.cognitoidp.models", "CognitoIdpUserPoolClient"),
        ("moto.cognitoidp.models", "CognitoIdpUserPoolDomain"),
        ("moto.cognitoidp.models", "CognitoResourceServer"),
        ("moto.cognitoidp.models", "UserStatus"),
        ("cognito_tutorial.sandbox.auth", "AuthSession"),
        ("cognito_tutorial.sandbox.auth", "AuthState"),
        ("cognito_tutorial.sandbox.auth", "Authenticator"),
        ("cognito_tutorial.sandbox.auth", "Failures"),
        ("cognito_tutorial.sandbox.devices", "Device"),
        ("cognito_tutorial.sandbox.messages", "IssuedCode"),
        ("cognito_tutorial.sandbox.messages", "Message"),
        ("cognito_tutorial.sandbox.messages", "Outbox"),
        ("cognito_tutorial.sandbox.srp", "PasswordVerifierChallenge"),
    }
)
# directory.py pickles each pool's RSAKey as a call of the classmethod RSAKey.import_key, which
# pickle writes as getattr(RSAKey, "import_key"). getattr is the classic way out of a pickle
# allowlist (getattr(cls, "__init__").__globals__ ...), so it may look up this one attribute only.
ALLOWED_LOOKUPS = ((RSAKey, "import_key"),)


class UntrustedStateFile(SandboxError):
    """The state file, or its folder, could be written by another account: refuse to start.

    Not "damaged": setting it aside would hide that someone else can plant data there.
    """


@dataclass
class Loaded:
    auth: AuthState
    note: str


def load(path: Path) -> Loaded:
    """Restore moto's directory from `path` and return the auth state saved with it.

    :raises UntrustedStateFile: the file or its folder can be changed by another account.
    """
    _check_folder(path.parent)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # a sandbox killed mid-save
        stale.unlink(missing_ok=True)
    try:
        # Non-blocking: a FIFO planted in a shared folder must not hang the start.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        directory.reset()
        return Loaded(AuthState(), f"new state file {path}")
    with os.fdopen(fd, "rb") as handle:
        _check_file(path, os.fstat(fd))  # the file opened, not the name looked up again
        data = handle.read()
    try:
        saved = _AllowlistUnpickler(io.BytesIO(data)).load()
        _add_new_fields(saved)
        _check_shape(saved)
        directory.restore(saved["directory"])
        return Loaded(saved["auth"], f"restored state from {path}")
    except Exception as error:  # any damage: keep the file for inspection, start empty
        aside = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
        path.rename(aside)
        directory.reset()
        print(
            f"warning: could not read the sandbox state ({error}); moved it to {aside} "
            "and started with an empty sandbox.",
            file=sys.stderr,
        )
        return Loaded(AuthState(), f"started empty; old state kept at {aside}")


# --- trust: who can write the file ---------------------------------------------------------


def _check_file(path: Path, info: os.stat_result) -> None:
    """Refuse a state file another account owns or can write: its contents would be theirs."""
    if not stat.S_ISREG(info.st_mode):
        raise UntrustedStateFile(
            f"the sandbox state file {path} is not a regular file. "
            "Fix: remove it, or give --state another file."
        )
    if not hasattr(os, "getuid"):  # Windows: no POSIX owner or mode bits to check
        return
    if info.st_uid != os.getuid():
        raise UntrustedStateFile(
            f"the sandbox state file {path} belongs to another account (uid {info.st_uid}), "
            "so its contents are theirs, not yours. Fix: delete it (or move it away) to start "
            "empty, or give --state a file of your own."
        )
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UntrustedStateFile(
            f"the sandbox state file {path} is writable by other accounts "
            f"(mode {stat.S_IMODE(info.st_mode):04o}): anyone could plant data in it. "
            f"Fix: chmod 600 {path}, or delete it to start empty."
        )


def _check_folder(folder: Path) -> None:
    """Refuse a folder where other accounts may replace the state file with their own.

    A sticky folder (like /tmp) is fine: others can add files there but not replace yours.
    """
    if not hasattr(os, "getuid"):
        return
    try:
        info = folder.stat()
    except FileNotFoundError:
        return  # nothing to load; save() creates it, private
    mode = info.st_mode
    if mode & (stat.S_IWGRP | stat.S_IWOTH) and not mode & stat.S_ISVTX:
        raise UntrustedStateFile(
            f"the folder {folder} that holds the sandbox state is writable by other accounts "
            f"(mode {stat.S_IMODE(mode):04o}): anyone could replace the state file. "
            f"Fix: chmod 700 {folder}, or give --state a file in a folder of your own."
        )


# --- what a file may hold ------------------------------------------------------------------


class _AllowlistUnpickler(pickle.Unpickler):
    """Builds only the objects on ALLOWED_GLOBALS: a planted payload names something else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(
                f"it names {module}.{name}, which is not among the classes a sandbox state holds"
            )
        if (module, name) == ("builtins", "getattr"):
            return _allowed_lookup
        return super().find_class(module, name)


def _allowed_lookup(owner: Any, name: str) -> Any:
    if not any(owner is allowed and name == attr for allowed, attr in ALLOWED_LOOKUPS):
        raise pickle.UnpicklingError(f"it looks up the attribute {name!r}, which is not allowed")
    return getattr(owner, name)


def _check_shape(saved: Any) -> None:
    """Raise ValueError unless `saved` is a state this sandbox wrote, in the shape it uses.

    Checked before anything is restored, so a file of the wrong shape is set aside instead of
    failing at every start (or at the first request).
    """
    if not isinstance(saved, dict):
        raise ValueError(f"it holds a {type(saved).__name__}, not a sandbox state")
    if saved.get("format") != FORMAT or saved.get("moto") != MOTO_VERSION:
        raise ValueError(
            f"saved by format {saved.get('format')} / moto {saved.get('moto')}, "
            f"this sandbox uses format {FORMAT} / moto {MOTO_VERSION}"
        )
    backends, auth = saved.get("directory"), saved.get("auth")
    if not _is_map(backends, CognitoIdpBackend):
        raise ValueError("its directory is not a map of regions to moto's Cognito backends")
    for backend in backends.values():
        if not _is_map(getattr(backend, "user_pools", None), CognitoIdpUserPool):
            raise ValueError("a region's user pools are not a map of ids to user pools")
    if not isinstance(auth, AuthState):
        raise ValueError(f"its auth state is a {type(auth).__name__}, not an AuthState")
    for name, kind in [
        ("sessions", AuthSession),
        ("authenticators", Authenticator),
        ("pending_secrets", str),
        ("failures", Failures),
        ("devices", Device),
    ]:
        if not _is_map(getattr(auth, name, None), kind):
            raise ValueError(f"its auth state's {name} is not a map of strings to {kind.__name__}")
    outbox = getattr(auth, "outbox", None)
    if not (
        isinstance(outbox, Outbox)
        and _is_map(getattr(outbox, "codes", None), IssuedCode)
        and isinstance(getattr(outbox, "messages", None), list)
        and all(isinstance(message, Message) for message in outbox.messages)
    ):
        raise ValueError("its outbox is not the sandbox's codes and messages")


def _add_new_fields(saved: Any) -> None:
    """Give an auth state saved before a field existed that field, empty (remembered devices
    came after the first state files): such a file is whole, not damaged."""
    auth = saved.get("auth") if isinstance(saved, dict) else None
    if isinstance(auth, AuthState):
        for name, field in AuthState.__dataclass_fields__.items():
            if name not in vars(auth) and callable(field.default_factory):
                setattr(auth, name, field.default_factory())


def _is_map(value: Any, kind: type) -> bool:
    return isinstance(value, dict) and all(
        isinstance(key, str) and isinstance(item, kind) for key, item in value.items()
    )


def serialise(state: dict) -> bytes:
    """The state as a pickle, with the directory's reducers for what does not pickle by itself
    (moto's joserfc keys), set on this pickler only."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table | directory.PICKLE_REDUCERS
    pickler.dump(state)
    return buffer.getvalue()


def save(path: Path, auth: AuthState) -> None:
    """Write the whole state atomically: a temporary file, fsync, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = serialise(
        {"format": FORMAT, "moto": MOTO_VERSION, "directory": directory.snapshot(), "auth": auth}
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
