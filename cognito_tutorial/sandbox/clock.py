"""The sandbox's sense of time, injectable so tests can expire a session without waiting."""

from __future__ import annotations

import threading
import time


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
