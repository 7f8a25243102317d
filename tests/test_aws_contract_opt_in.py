"""The contract suite against AWS refuses to run without its explicit opt-in: it would create
user pools in an account."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_against_aws(**environment: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "COGNITO_TUTORIAL_AWS"))
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--backend", "aws", "-m", "contract", "-q",
         "-p", "no:cacheprovider", "tests/test_sandbox_flows.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_without_the_opt_in_nothing_runs_and_the_reason_is_given():
    result = run_against_aws(AWS_REGION="eu-west-1")
    assert result.returncode == 4
    assert "COGNITO_TUTORIAL_AWS_CONTRACT=yes" in result.stdout + result.stderr
    assert "passed" not in result.stdout


def test_without_a_region_nothing_runs():
    result = run_against_aws(COGNITO_TUTORIAL_AWS_CONTRACT="yes")
    assert result.returncode == 4
    assert "AWS_REGION" in result.stdout + result.stderr
