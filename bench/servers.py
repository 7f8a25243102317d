"""The servers the benchmarks measure, each in its own process on 127.0.0.1.

`sandbox()` or `sandbox(state_path)`: a sandbox process, through `sandbox.spawn`.
`plain_moto()`: moto's own server with TOTP checks on, the baseline the sandbox is compared to.
Each is a context manager that stops its process on the way out, whatever happened.
`client(server)` signs as `connect()` does: with the sandbox's own key (it checks signatures),
or with placeholder keys for moto (it checks none).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from cognito_tutorial.sandbox.credentials import Credentials, load_or_create

LOOPBACK = "127.0.0.1"
START_TIMEOUT_S = 30.0


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    key: Credentials | None = None  # the sandbox's access key; None for plain moto

    def kill(self) -> None:
        """SIGKILL: no clean-up runs, as when a laptop's kernel or terminal is killed."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_sandbox(state_path: Path | None = None, clock_file: Path | None = None) -> Server:
    """Launch a sandbox through the one spawn function: in memory, or on `state_path` (with
    the virtual clock in `clock_file`, if given); return once it is ready.

    Its home (log, credentials) is a new folder, or the state file's folder, so a benchmark
    never touches the developer's own sandbox."""
    from cognito_tutorial.sandbox import spawn

    if state_path is None:
        home = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
        where: dict[str, Any] = {"fresh": True}
    else:
        home = Path(state_path).parent
        where = {"state_path": Path(state_path), "clock_file": clock_file}
    key = load_or_create(home)  # the key the sandbox will find in its home
    env = dict(os.environ, COGNITO_TUTORIAL_HOME=str(home))
    spawned = spawn(**where, log_path=home / "sandbox.log", env=env)
    return Server(spawned.url, spawned.process, key)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def start_plain_moto() -> Server:
    """moto's server (all services, threaded werkzeug) with its TOTP checks enabled."""
    port = free_port()
    env = dict(os.environ, MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP="true")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://{LOOPBACK}:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return Server(url, process)
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("moto's server did not start")


@contextlib.contextmanager
def sandbox(state_path: Path | None = None) -> Iterator[Server]:
    server = start_sandbox(state_path)
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def plain_moto() -> Iterator[Server]:
    server = start_plain_moto()
    try:
        yield server
    finally:
        server.stop()


def client(server: Server) -> Any:
    """A boto3 client as `connect()` builds it: no retries, so every call is measured once."""
    key = server.key or Credentials("bench", "bench")
    return boto3.client(
        "cognito-idp",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60),
    )


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: `percentile(xs, 0.95)`."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]
