"""Where the sandbox keeps its files (standard library only).

A sandbox belongs to its state file: the runtime record (URL and process id) and the locks sit
beside it, so a room's sandbox (`--state room.pickle`) and a learner's own never share them.
"""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """Per-user folder for the sandbox's default state file, log and credentials.

    `COGNITO_TUTORIAL_HOME` overrides it (tests, or several sandboxes on one account)."""
    if os.environ.get("COGNITO_TUTORIAL_HOME"):
        return Path(os.environ["COGNITO_TUTORIAL_HOME"])
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "cognito-tutorial"


def default_state_path() -> Path:
    return state_dir() / "sandbox-state.pickle"


def log_file() -> Path:
    """Where background sandboxes write their output (and tracebacks)."""
    return state_dir() / "sandbox.log"


def runtime_record(state_path: Path) -> Path:
    """Where the sandbox serving `state_path` records its URL and process id."""
    return state_path.with_name(f"{state_path.name}.running.json")


def serving_lock(state_path: Path) -> Path:
    """Held (flock, exclusive) by the one sandbox serving `state_path`, for its whole life."""
    return state_path.with_name(f"{state_path.name}.lock")


def starting_lock(state_path: Path) -> Path:
    """Held while a process finds or starts the sandbox for `state_path`."""
    return state_path.with_name(f"{state_path.name}.starting.lock")


def legacy_runtime_record() -> Path:
    """The one per-home record of versions before per-state records (read only to retire it)."""
    return state_dir() / "sandbox.json"
