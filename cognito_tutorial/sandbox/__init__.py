"""A local Amazon Cognito user pool sandbox: moto's directory behind our authentication layer.

Nothing here imports the notebook-side helpers. Code outside the sandbox reaches it over HTTP,
or through this public face (tests/test_import_rules.py keeps it so): start one (`spawn`,
`ensure_running`), find it (`find`), stop it (`stop`), where its files live (`paths`), the key
that signs requests to it (`load_credentials`), the virtual clock's file (`read_offset`,
`write_offset`) and its command-line options (`add_serve_options`, `serve_from`). Importing it
loads only the standard library.
"""

from . import paths
from .clock import read_offset, write_offset
from .command_line import add_serve_options, serve_from
from .credentials import Credentials, CredentialsError
from .credentials import load_or_create as load_credentials
from .errors import SandboxError
from .process import Running, Spawned, ensure_running, find, is_answering, spawn, stop

__all__ = [
    "Credentials",
    "CredentialsError",
    "Running",
    "SandboxError",
    "Spawned",
    "add_serve_options",
    "ensure_running",
    "find",
    "is_answering",
    "load_credentials",
    "paths",
    "read_offset",
    "serve_from",
    "spawn",
    "stop",
    "write_offset",
]
