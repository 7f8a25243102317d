"""A local Amazon Cognito user pool sandbox: moto's directory behind our authentication layer.

Nothing here imports the notebook-side helpers. Code outside the sandbox reaches it over HTTP,
or through this public face: start one (`spawn`, `ensure_running`), find it (`find`), stop it
(`stop`), and where its files live (`paths`). Importing it loads only the standard library.
"""

from . import paths
from .errors import SandboxError
from .process import Running, Spawned, ensure_running, find, is_answering, spawn, stop

__all__ = [
    "Running",
    "SandboxError",
    "Spawned",
    "ensure_running",
    "find",
    "is_answering",
    "paths",
    "spawn",
    "stop",
]
