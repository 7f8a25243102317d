"""The sandbox's sense of time, injectable so tests can expire a session without waiting."""

from __future__ import annotations

import math
import os
import threading
import time
from pathlib import Path

# The offset a headless run can reach is minutes; ten years is far beyond any run, and keeps
# every clock reading a date that Python, pyotp and the tokens can hold.
MAX_OFFSET_S = 10 * 365 * 24 * 60 * 60


class ClockFileError(ValueError):
    """The virtual clock's file holds something other than a number of seconds."""


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
    notebooks' kernels the same file (see ``cognito_tutorial.instructor.headless_clock``): a
    cell that sleeps adds its seconds to the file instead of waiting, and the sandbox and the
    kernel jump forward together.
    """

    def __init__(self, path: Path) -> None:
        """Reads the file once, so that a damaged one stops the sandbox at start
        (`ClockFileError`), not at its first sign-in."""
        self.path = path
        read_offset(path)

    def now(self) -> float:
        return time.time() + read_offset(self.path)


def read_offset(path: Path) -> float:
    """The seconds in a clock file; 0 while there is none.

    :raises ClockFileError: the file is empty, or not a finite number within `MAX_OFFSET_S`
        (`write_offset` replaces the file whole, so a reader never sees half a value).
    """
    try:
        text = path.read_text()
    except FileNotFoundError:
        return 0.0
    except (OSError, UnicodeDecodeError) as error:
        raise ClockFileError(f"Cannot read the sandbox's clock file {path}: {error}") from None
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not -MAX_OFFSET_S <= seconds <= MAX_OFFSET_S:  # NaN fails this too
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise ClockFileError(
            f"The sandbox's clock file {path} holds {shown!r}, not a number of seconds within "
            f"{MAX_OFFSET_S}. Headless runs write it; delete it (the clock returns to real time) "
            "or start the run again."
        )
    return seconds


def write_offset(path: Path, seconds: float) -> None:
    """Replace a clock file's offset; readers see the old value or the new one, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(repr(float(seconds)))
    os.replace(tmp, path)
