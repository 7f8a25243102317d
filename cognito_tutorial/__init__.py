"""Helpers for the cognito-tutorial notebooks.

The lesson's boto3 calls stay in the notebooks; this package does everything around them.
Importing it is cheap: boto3, the sandbox (moto) and the Jupyter widgets load only when used.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["connect"]


def connect(
    backend: str | None = None,
    region: str | None = None,
    *,
    endpoint: str | None = None,
    quiet: bool = False,
) -> Any:
    """A boto3 cognito-idp client for the local sandbox (default) or AWS; see backend.connect."""
    from .backend import connect as _connect

    return _connect(backend, region, endpoint=endpoint, quiet=quiet)
