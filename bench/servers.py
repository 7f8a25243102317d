"""The servers the benchmarks measure, each in its own process on 127.0.0.1.

`sandbox("--fresh")` or `sandbox("--state", path)`: a sandbox process, through `sandbox.spawn`.
`plain_moto()`: moto's own server with TOTP checks on, the baseline the sandbox is compared to.
Each is a context manager that stops its process on the way out, whatever happened.
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

LOOPBACK = "127.0.0.1"
START_TIMEOUT_S = 30.0


@dataclass
class Server:
    url: str
    process: subprocess.Popen

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


def start_sandbox(*args: str) -> Any:
    """Launch the sandbox with `--fresh` or `--state FILE` (through the one spawn function);
    return once it is ready. It has `.url`, `.stop()` and `.kill()`, like `Server`.

    With `--state FILE`, the sandbox's home (log, credentials) is FILE's folder, so a
    benchmark never touches the developer's own sandbox."""
    from cognito_tutorial.sandbox import spawn

    if args == ("--fresh",):
        home = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
        return spawn(fresh=True, log_path=home / "sandbox.log", env=_home_env(home))
    if len(args) == 2 and args[0] == "--state":
        state = Path(args[1])
        return spawn(
            state_path=state, log_path=state.parent / "sandbox.log", env=_home_env(state.parent)
        )
    raise ValueError(f"start_sandbox takes --fresh or --state FILE, not {args}")


def _home_env(home: Path) -> dict[str, str]:
    return dict(os.environ, COGNITO_TUTORIAL_HOME=str(home))


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
def sandbox(*args: str) -> Iterator[Server]:
    server = start_sandbox(*args)
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


def client(url: str) -> Any:
    """A boto3 client as `connect()` builds it: no retries, so every call is measured once."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60),
    )


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: `percentile(xs, 0.95)`."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]
