"""The virtual clock of headless runs: waiting for the next TOTP code takes no time.

Cognito accepts a TOTP code once, so a notebook that signs in again, or that shows a reused
code being refused, waits for the authenticator's next code: up to 30 seconds. A learner sees
that wait, and should. A headless run (`python -m cognito_tutorial run`, nbval) has nobody
watching, and its sandbox is its own: the runner starts that sandbox with ``--clock-file`` and
installs this clock in every kernel with an IPython start-up file (:func:`write_startup_file`).

In such a kernel, ``time.sleep`` called from a cell adds its seconds to the clock file and
returns at once; ``time.time``, ``datetime.now`` and so pyotp jump forward by as much (with
time-machine), and the sandbox reads the same file for every session, TOTP step and lockout.
Each code, Session and refusal is then what it would be after the real wait. Other threads
(ipykernel's own) and monotonic clocks keep real time.

Never installed in a learner's kernel, nor when a run targets AWS, whose clock nobody moves.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from cognito_tutorial.sandbox import read_offset, write_offset

STARTUP_FILE_NAME = "00-cognito-tutorial-virtual-clock.py"


def install(clock_file: Path) -> None:
    """Make this process's wall clock follow ``clock_file``, and ``time.sleep`` move it."""
    import time_machine

    coordinates = time_machine.travel(time.time() + read_offset(clock_file), tick=True).start()
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        if threading.current_thread() is not threading.main_thread():
            real_sleep(seconds)
            return
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        write_offset(clock_file, read_offset(clock_file) + seconds)
        coordinates.shift(seconds)

    time.sleep = sleep


def write_startup_file(ipython_dir: Path, clock_file: Path) -> Path:
    """An IPython start-up file that installs the virtual clock in each kernel that reads it.

    Point kernels at it with ``IPYTHONDIR=ipython_dir``; it leaves no name in the notebook.
    """
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    path = startup / STARTUP_FILE_NAME
    path.write_text(
        "# Headless run: time.sleep moves the virtual clock "
        "(cognito_tutorial.instructor.headless_clock).\n"
        "__import__('cognito_tutorial.instructor.headless_clock').instructor.headless_clock.install(\n"
        f"    __import__('pathlib').Path({str(clock_file)!r})\n"
        ")\n"
    )
    return path
