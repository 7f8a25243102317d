"""Where the sandbox keeps its files for this user (standard library only)."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """Per-user folder for the sandbox's state, log and runtime record.

    `COGNITO_TUTORIAL_HOME` overrides it (tests, or several sandboxes on one account)."""
    if os.environ.get("COGNITO_TUTORIAL_HOME"):
        return Path(os.environ["COGNITO_TUTORIAL_HOME"])
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "cognito-tutorial"


def default_state_path() -> Path:
    return state_dir() / "sandbox-state.pickle"


def runtime_file() -> Path:
    """Where a running sandbox records its URL and process id."""
    return state_dir() / "sandbox.json"
