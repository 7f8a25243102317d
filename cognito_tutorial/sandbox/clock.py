"""The sandbox's sense of time, injectable so tests can expire a session without waiting."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path


class SystemClock:
    """Wall-clock time, as the real service uses."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to: `advance(181)` ages every session by 181 s."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class OffsetClock:
    """Wall-clock time plus the seconds written in a file: the virtual clock of headless runs.

    `python -m cognito_tutorial run` starts its sandbox with ``--clock-file`` and gives the
    notebooks' kernels the same file (see ``cognito_tutorial.headless_clock``): a cell that
    sleeps adds its seconds to the file instead of waiting, and the sandbox and the kernel
    jump forward together.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> float:
        return time.time() + read_offset(self.path)


def read_offset(path: Path) -> float:
    """The seconds in a clock file; 0 while there is none."""
    try:
        return float(path.read_text())
    except FileNotFoundError:
        return 0.0


def write_offset(path: Path, seconds: float) -> None:
    """Replace a clock file's offset; readers see the old value or the new one, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(repr(float(seconds)))
    os.replace(tmp, path)
