"""Seconds from launching `python -m cognito_tutorial sandbox` to its first answered request,
and the cost of importing the tutorial's helpers (in a new interpreter, against `import boto3`).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench import servers

RUNS = 5
SETUP_IMPORTS = "from cognito_tutorial import connect, workspace, display, errors"
ALL_HELPERS = (
    "from cognito_tutorial import connect, workspace, display, errors, totp, tokens, forms, "
    "next_step, secret_hash, srp"
)


def sandbox_start_s(state_path: Path | None = None) -> float:
    """Median over RUNS launches: spawn, ready, first request answered.

    In memory by default; with `state_path`, loading that state file is included."""
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        server = servers.start_sandbox(state_path)
        try:
            with urllib.request.urlopen(f"{server.url}/_sandbox/health", timeout=10) as reply:
                reply.read()
            timings.append(time.perf_counter() - started)
        finally:
            server.stop()
    return statistics.median(timings)


def _import_s(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(RUNS)
    ]
    return statistics.median(runs)


def run() -> dict[str, float]:
    """`import_s`: what every notebook's first cells import (boto3 loads later, in connect()).
    `import_all_helpers_s`: every helper module a notebook imports, widgets and SRP included,
    in a bare interpreter (a Jupyter kernel has IPython loaded already)."""
    return {
        "sandbox_start_s": round(sandbox_start_s(), 3),
        "import_s": round(_import_s(SETUP_IMPORTS), 3),
        "import_all_helpers_s": round(_import_s(ALL_HELPERS), 3),
        "import_boto3_s": round(_import_s("import boto3"), 3),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:22} {value:8.3f}")
