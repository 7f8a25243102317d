"""The sandbox's state file: moto's directory and the auth layer's state, saved together.

moto keeps its directory in Python objects and has no export format, so the sandbox pickles
them (with the auth state) after every request that changes something, before answering it:
what a learner was told succeeded is on disk. Each save writes a new file and renames it over
the old one, so a crash mid-write leaves the previous state whole. A file from another moto
version or a damaged one is set aside with a message, never loaded half-way.

The file holds passwords and TOTP secrets of throwaway sandbox users: it lives in the user's own
state directory (see `paths.default_state_path`), readable by them alone.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from . import directory
from .auth import AuthState

FORMAT = 1
MOTO_VERSION = version("moto")  # looked up once: it costs ~0.4 ms, and saves are frequent


@dataclass
class Loaded:
    auth: AuthState
    note: str


def load(path: Path) -> Loaded:
    """Restore moto's directory from `path` and return the auth state saved with it."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # a sandbox killed mid-save
        stale.unlink(missing_ok=True)
    if not path.exists():
        directory.reset()
        return Loaded(AuthState(), f"new state file {path}")
    try:
        with path.open("rb") as handle:
            saved = pickle.load(handle)
        if saved.get("format") != FORMAT or saved.get("moto") != MOTO_VERSION:
            raise ValueError(
                f"saved by format {saved.get('format')} / moto {saved.get('moto')}, "
                f"this sandbox uses format {FORMAT} / moto {MOTO_VERSION}"
            )
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


def save(path: Path, auth: AuthState) -> None:
    """Write the whole state atomically: a temporary file, fsync, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = pickle.dumps(
        {
            "format": FORMAT,
            "moto": MOTO_VERSION,
            "directory": directory.snapshot(),
            "auth": auth,
        },
        protocol=pickle.HIGHEST_PROTOCOL,
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
