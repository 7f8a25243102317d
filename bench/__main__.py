"""`make bench` (`python -m bench`): every benchmark in one run, a table, results/latest.json.

Each ratio's baseline is measured in the same run. A missed target is printed as MISSED; the
benchmarks never fail the build. `python -m bench setup start overhead load growth headless`
runs a subset, and updates only its own figures in results/latest.json.
Everything runs on 127.0.0.1, in temporary folders, and stops by itself.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import growth, headless, load, overhead, sandbox_start, setup

SLOWEST = headless.SLOWEST_CELLS

RESULTS = Path(__file__).parent / "results" / "latest.json"

# (key, comparison, target, what it is)
TARGETS = [
    ("setup_s", "<=", 60, "git clone to JupyterLab answering, empty package cache (s)"),
    ("venv_mb", "<=", 350, "the learner's .venv after make lab (MB)"),
    ("headless_ratio", "<=", 1.5, "all notebooks headless / as many one-cell notebooks"),
    ("sandbox_overhead_ratio", "<=", 1.3, "median call: sandbox (state file) / plain moto"),
    ("sandbox_overhead_ratio_fresh", "<=", 1.3, "median call: sandbox --fresh / plain moto"),
    ("import_s", "<=", 0.3, "import of the notebooks' set-up helpers (s)"),
    ("sandbox_start_s", "<=", 1.0, "launch to first answered request, --fresh (s)"),
    ("sandbox_start_persistent_s", "<=", 1.0, "the same, loading the workshop's state file (s)"),
    ("load_errors", "<=", 0, "workshop, state file: learners with an error"),
    ("load_lost_users", "<=", 0, "workshop, state file: acknowledged enrolments lost"),
    ("load_p95_ms", "<", 250, "workshop, state file: p95 call latency (ms)"),
    ("load_fresh_errors", "<=", 0, "workshop, --fresh: learners with an error"),
    ("load_fresh_lost_users", "<=", 0, "workshop, --fresh: acknowledged enrolments lost"),
    ("load_fresh_p95_ms", "<", 250, "workshop, --fresh: p95 call latency (ms)"),
    ("growth_latency_ratio", "<=", 1.2, "InitiateAuth p50: after 5,000 sign-ins / after 10"),
    ("room_save_ms", "<=", 20, "one save of a room's state at the end of its day (ms)"),
]
FIGURES = [
    ("load_learners", "workshop: simulated learners, all at once"),
    ("load_rounds", "workshop: groups of learners, one after another"),
    ("load_calls_per_s", "workshop, state file: calls per second"),
    ("load_sign_ins_per_s", "workshop, state file: enrol + MFA sign-ins per second"),
    ("load_fresh_calls_per_s", "workshop, --fresh: calls per second"),
    ("load_state_save_ms", "one state save (pickle, write, fsync, rename) at the workshop's end"),
    ("load_state_file_bytes", "the workshop's state file (bytes)"),
    ("srp_sign_in_ms", "one USER_SRP_AUTH sign-in, both calls and the client's arithmetic"),
    ("srp_client_ms", "  of which the client's arithmetic (SRP_A, the password claim)"),
    ("srp_extra_ms", "  more than one USER_PASSWORD_AUTH InitiateAuth"),
    ("import_all_helpers_s", "import of every helper, widgets and SRP too, bare interpreter"),
    ("import_boto3_s", "import boto3, for comparison"),
    ("growth_p50_ms_after_10", "InitiateAuth p50 after 10 sign-ins (ms), state file"),
    ("growth_p50_ms_after_5000", "InitiateAuth p50 after 5,000 sign-ins (ms), state file"),
    ("growth_state_bytes_after_10", "its state file once the tokens expired (bytes)"),
    ("growth_state_bytes_after_5000", "the same after 5,000 sign-ins (bytes)"),
    ("state_bytes_per_sign_in", "state growth a sign-in, once what expired is forgotten"),
    ("growth_bytes_per_live_sign_in", "state a sign-in holds while its access token lives"),
    ("room_state_bytes", "a room (100 pools, 3,000 MFA sign-ins in a day): state (bytes)"),
    ("room_pickle_ms", "  of its save, the pickling (ms)"),
    ("room_live_access_tokens", "  live access tokens at the day's end (the last hour's)"),
    ("room_sessions", "  sessions remembered (the last hour's and a bit)"),
    ("headless_s", "all notebooks headless (s)"),
    ("headless_floor_s", "the floor: as many one-cell notebooks (s)"),
]


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": {name: version(name) for name in ("moto", "boto3", "werkzeug", "papermill")},
        "commit": commit,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        # Other work on the machine slows every figure; ratios less so (same run, same load).
        "load_average_1_5_15": [round(value, 2) for value in os.getloadavg()],
    }


def run_section(name: str, measure: Callable[[], dict[str, Any]], results: dict) -> None:
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        results.update(measure())
    except Exception as error:  # one broken benchmark must not hide the others' figures
        traceback.print_exc()
        results[f"{name}_error"] = f"{type(error).__name__}: {error}"
    print(f"bench: {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


def verdict(value: Any, comparison: str, target: float) -> str:
    if not isinstance(value, int | float):
        return "NOT MEASURED"
    met = value <= target if comparison == "<=" else value < target
    return "met" if met else "MISSED"


def table(results: dict[str, Any]) -> str:
    lines = [f"{'figure':30} {'value':>10}  {'target':>8}  {'':12} what", "-" * 100]
    for key, comparison, target, what in TARGETS:
        value = results.get(key, "-")
        state = verdict(value, comparison, target)
        lines.append(f"{key:30} {value!s:>10}  {comparison + str(target):>8}  {state:12} {what}")
    lines.append("")
    for key, what in FIGURES:
        lines.append(f"{key:30} {results.get(key, '-')!s:>10}  {'':8}  {'':12} {what}")
    return "\n".join(lines)


def details(results: dict[str, Any]) -> str:
    lines = ["", "Per operation, ms (p50 / p95):"]
    servers = ("sandbox_fresh", "sandbox_persistent", "moto")
    lines.append(f"  {'operation':30}" + "".join(f"{name:>22}" for name in servers))
    for operation in overhead.OPERATIONS:
        cells = []
        for server in servers:
            p50 = results.get(f"{server}_{operation}_p50_ms", "-")
            p95 = results.get(f"{server}_{operation}_p95_ms", "-")
            cells.append(f"{p50} / {p95}")
        lines.append(f"  {operation:30}" + "".join(f"{cell:>22}" for cell in cells))
    if results.get("headless_per_notebook_s"):
        lines.append("")
        lines.append("Notebooks headless, s:")
        for name, seconds in results["headless_per_notebook_s"].items():
            lines.append(f"  {name:40} {seconds:>7}")
        lines.append("Slowest cells, s:")
        for cell in results.get("headless_slowest_cells", []):
            where = f"{cell['notebook']} cell {cell['cell']}"
            lines.append(f"  {where:44} {cell['seconds']:>6}  {cell['source']}")
    problems = [
        f"  {key}: {value}"
        for key, value in results.items()
        if key.endswith(("_error", "_failed")) and value
    ]
    for key in ("load_error_samples", "load_fresh_error_samples"):
        problems += [f"  {key}: {sample}" for sample in results.get(key, [])]
    if problems:
        lines += ["", "Problems:", *problems]
    return "\n".join(lines)


def missed_notes(results: dict[str, Any]) -> str:
    """Measured facts beside each missed target, to start looking for the cause."""
    missed = {
        key
        for key, comparison, target, _ in TARGETS
        if verdict(results.get(key), comparison, target) == "MISSED"
    }
    lines = []
    if "headless_ratio" in missed:
        slowest = sum(c["seconds"] for c in results.get("headless_slowest_cells", []))
        lines.append(
            f"headless_ratio: the notebooks took {results['headless_s']} s against a floor of "
            f"{results['headless_floor_s']} s; the {SLOWEST} slowest cells above took "
            f"{slowest:.1f} s of it."
        )
    if missed & {"sandbox_overhead_ratio", "load_p95_ms"}:
        lines.append(
            "state file: after every write the persistent sandbox saves its whole state, under "
            f"its one lock: {results.get('load_state_save_ms')} ms a save at the workshop's end "
            f"({results.get('load_state_file_bytes', 0) // 1024} KB). In memory (--fresh): "
            f"ratio {results.get('sandbox_overhead_ratio_fresh')}, "
            f"workshop p95 {results.get('load_fresh_p95_ms')} ms."
        )
    return "\n".join(["", "Missed targets:", *lines]) if lines else ""


def main(sections: list[str]) -> int:
    results: dict[str, Any] = {}
    load_before = [round(value, 2) for value in os.getloadavg()]
    chosen = sections or ["setup", "start", "overhead", "load", "growth", "headless"]
    with tempfile.TemporaryDirectory(prefix="cognito-tutorial-bench-") as tmp:
        work = Path(tmp)
        # Sandboxes started here keep their access key and records here, not in your home.
        os.environ["COGNITO_TUTORIAL_HOME"] = str(work / "home")
        if "setup" in chosen:
            run_section("setup", setup.run, results)
        if "start" in chosen:
            run_section("start", sandbox_start.run, results)
        if "overhead" in chosen:
            run_section("overhead", lambda: overhead.run(work), results)
        if "load" in chosen:
            run_section("load", lambda: load.run(work), results)
            state_file = work / load.STATE_FILE
            run_section(
                "start with state",
                lambda: {
                    "sandbox_start_persistent_s": round(
                        sandbox_start.sandbox_start_s(state_file), 3
                    )
                },
                results,
            )
        if "growth" in chosen:
            run_section("growth", lambda: growth.run(work), results)
        if "headless" in chosen:
            run_section("headless", lambda: headless.run(work / "notebooks"), results)
    results["machine"] = machine() | {"load_average_before": load_before}
    print(table(results))
    print(details(results))
    print(missed_notes(results))
    RESULTS.parent.mkdir(exist_ok=True)
    if sections and RESULTS.exists():  # a subset updates its own figures, keeps the others
        previous = json.loads(RESULTS.read_text())
        for name in chosen:  # and forgets its own earlier failure
            previous.pop(f"{name}_error", None)
        results = previous | results
    partial = RESULTS.with_suffix(".json.tmp")
    partial.write_text(json.dumps(results, indent=2) + "\n")
    partial.replace(RESULTS)
    print(f"\nwrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
