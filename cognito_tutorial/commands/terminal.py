"""Talking to the instructor at a terminal: a yes/no question, and a progress bar.

Shared by the commands that create or delete many pools (provision, cleanup).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO


def confirm(question: str, yes: bool) -> bool:
    """True if --yes, or if someone at a terminal answers y; never waits on a closed stdin."""
    if yes:
        return True
    try:
        at_a_terminal = sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # stdin closed
        at_a_terminal = False
    if not at_a_terminal:
        print(f"{question}\nNot asked: no terminal to answer. Run again with --yes to go ahead.")
        return False
    try:
        answer = input(f"{question} [y/N] ").strip().lower()
    except EOFError:
        answer = ""
    if answer not in ("y", "yes"):
        print("Nothing done.")
        return False
    return True


def progress_printer(label: str, out: TextIO | None = None) -> Callable[[int, int], None]:
    """A progress bar on stderr: redrawn in place on a terminal, one line per tenth elsewhere."""
    out = out or sys.stderr
    interactive = out.isatty()

    def show(done: int, total: int) -> None:
        if interactive:
            filled = 30 * done // total
            bar = "#" * filled + "." * (30 - filled)
            end = "\n" if done == total else ""
            print(f"\r{label} [{bar}] {done}/{total}", end=end, file=out, flush=True)
        elif done == total or done % max(1, total // 10) == 0:
            print(f"{label}: {done}/{total}", file=out, flush=True)

    return show
