"""From `git clone` to JupyterLab answering: what a new learner waits for on this machine.

A clone of this repository (its committed HEAD) in a temporary folder, `make lab` there with an
empty package cache (nothing downloaded before counts), until JupyterLab answers on its port;
then the size of the learner's `.venv`. Needs the package registry, like a learner's first run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.servers import free_port

REPO = Path(__file__).resolve().parents[1]
LAB_TIMEOUT_S = 600


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-setup-") as tmp:
        clone = Path(tmp) / "cognito-tutorial"
        port = free_port()
        env = dict(os.environ, UV_CACHE_DIR=str(Path(tmp) / "uv-cache"))
        env["PIP_CACHE_DIR"] = str(Path(tmp) / "pip-cache")
        started = time.perf_counter()
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        lab = subprocess.Popen(
            ["make", "lab", f"LAB_ARGS=--no-browser --port={port} --ServerApp.token=bench"],
            cwd=clone,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # make, jupyter and its kernels stop together below
        )
        try:
            setup_s = _wait_for_lab(port, lab, started)
        finally:
            os.killpg(lab.pid, signal.SIGTERM)
            lab.wait(timeout=60)
        venv_bytes = sum(f.stat().st_size for f in (clone / ".venv").rglob("*") if f.is_file())
    return {"setup_s": round(setup_s, 1), "venv_mb": round(venv_bytes / 1e6)}


def _wait_for_lab(port: int, lab: subprocess.Popen, started: float) -> float:
    """Seconds from `started` until JupyterLab answers its API on `port`."""
    while time.perf_counter() - started < LAB_TIMEOUT_S:
        if lab.poll() is not None:
            raise RuntimeError(f"make lab exited with code {lab.returncode} before answering")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token=bench", timeout=2):
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"JupyterLab did not answer within {LAB_TIMEOUT_S} s")


if __name__ == "__main__":
    print(run())
