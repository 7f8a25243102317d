"""Seconds from launching `python -m cognito_tutorial sandbox` to its first answered request,
and the cost of `import cognito_tutorial` (in a new interpreter, against `import boto3`)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import urllib.request

RUNS = 5


def sandbox_start_s() -> float:
    """Median over RUNS launches: spawn, read the URL line, first request answered."""
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "cognito_tutorial", "sandbox", "--fresh", "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            url = process.stdout.readline().split("listening on ", 1)[1].split()[0]
            with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=10) as reply:
                reply.read()
            timings.append(time.perf_counter() - started)
        finally:
            process.terminate()
            process.wait(timeout=10)
    return statistics.median(timings)


def _import_s(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(RUNS)
    ]
    return statistics.median(runs)


def run() -> dict[str, float]:
    boto3_s = _import_s("import boto3")
    package_s = _import_s(
        "import cognito_tutorial, cognito_tutorial.display, cognito_tutorial.errors"
    )
    return {
        "sandbox_start_s": round(sandbox_start_s(), 3),
        "import_s": round(package_s, 3),
        "import_boto3_s": round(boto3_s, 3),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:20} {value:8.3f}")
