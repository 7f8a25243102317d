"""The virtual clock of headless runs (instructor.headless_clock), in its own processes.

``install`` patches the process it runs in, so each test runs it in a fresh interpreter. The
runner test in test_runner.py checks the whole: a kernel and a sandbox sharing one clock file.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from cognito_tutorial.instructor import headless_clock
from cognito_tutorial.sandbox.clock import OffsetClock, read_offset, write_offset


def passes_in_a_new_python(code: str, clock_file: Path) -> None:
    """Run ``code`` (given ``CLOCK``, the clock file's path) in a fresh interpreter: it must
    exit cleanly having printed exactly "ok"."""
    script = f"from pathlib import Path\nCLOCK = Path({str(clock_file)!r})\n"
    result = subprocess.run(
        [sys.executable, "-c", script + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_sleep_moves_the_clock_file_and_the_wall_clock_without_waiting(tmp_path):
    clock_file = tmp_path / "virtual-clock"
    write_offset(clock_file, 100)
    passes_in_a_new_python(
        """
        import datetime, time
        import pyotp
        from cognito_tutorial.instructor import headless_clock

        real_start = time.monotonic()
        before = time.time()
        headless_clock.install(CLOCK)
        assert 99 < time.time() - before < 101, "starts at the file's offset"

        time.sleep(3600)
        assert time.monotonic() - real_start < 5, "no real waiting"
        assert CLOCK.read_text() == "3700.0"
        assert 3699 < time.time() - before < 3701
        assert 3699 < datetime.datetime.now().timestamp() - before < 3701
        secret = pyotp.random_base32()
        assert pyotp.TOTP(secret).now() == pyotp.TOTP(secret).at(before + 3700)
        try:
            time.sleep(-1)
        except ValueError:
            print("ok")
        """,
        clock_file,
    )


def test_other_threads_sleep_for_real_and_leave_the_clock_alone(tmp_path):
    clock_file = tmp_path / "virtual-clock"
    passes_in_a_new_python(
        """
        import threading, time
        from cognito_tutorial.instructor import headless_clock

        headless_clock.install(CLOCK)
        started = time.monotonic()
        worker = threading.Thread(target=time.sleep, args=(0.2,))
        worker.start()
        worker.join()
        assert time.monotonic() - started >= 0.2, "a kernel's own threads keep real time"
        assert not CLOCK.exists(), "and do not move the clock"
        print("ok")
        """,
        clock_file,
    )


def test_the_sandbox_clock_reads_the_same_file(tmp_path):
    clock_file = tmp_path / "virtual-clock"
    clock = OffsetClock(clock_file)
    assert read_offset(clock_file) == 0.0
    write_offset(clock_file, 181.5)
    assert read_offset(clock_file) == 181.5
    assert 181 < clock.now() - time.time() < 182


def test_the_startup_file_installs_the_clock_and_leaves_no_names(tmp_path):
    clock_file = tmp_path / "virtual-clock"
    write_offset(clock_file, 60)
    startup = headless_clock.write_startup_file(tmp_path / "ipython", clock_file)
    passes_in_a_new_python(
        f"""
        import time
        before = time.time()
        namespace = {{}}
        exec(Path({str(startup)!r}).read_text(), namespace)
        assert 59 < time.time() - before < 61
        assert sorted(namespace) == ["__builtins__"], sorted(namespace)
        print("ok")
        """,
        clock_file,
    )
