"""The tutorial's words for learners, kept as data: what errors mean, what to send next.

``errors.toml`` explains every error the tutorial can meet (read by ``cognito_tutorial.errors``);
``next_steps.toml`` says what each sign-in response asks for next, with code sketches (read by
``cognito_tutorial.next_step``). Text changes there, not in code.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> dict[str, Any]:
    """The catalogue file ``name`` (``"errors"`` or ``"next_steps"``), parsed once."""
    text = resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)
