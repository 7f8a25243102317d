"""File locks that the operating system releases when their holder dies, even by SIGKILL.

`flock` locks belong to an open file, so a crashed sandbox can never leave its state file
locked, and two opens of the same file conflict even inside one process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

POLL_S = 0.02


def try_hold(path: Path) -> int | None:
    """Lock `path` exclusively: the open descriptor (close it to let go), or None if taken."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def is_held(path: Path) -> bool:
    """Whether some process holds the lock on `path` right now."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


@contextlib.contextmanager
def holding(path: Path, timeout_s: float) -> Iterator[None]:
    """Hold the lock on `path` for a `with` block, waiting up to `timeout_s` for it."""
    deadline = time.monotonic() + timeout_s
    while (descriptor := try_hold(path)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} stayed locked for {timeout_s:.0f} s")
        time.sleep(POLL_S)
    try:
        yield
    finally:
        os.close(descriptor)
