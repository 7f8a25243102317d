"""headless_ratio: every notebook run headless, over the floor of as many one-cell notebooks.

Both runs go through `cognito_tutorial.instructor.runner.run_notebooks`, as
`python -m cognito_tutorial run` and CI do: one fresh sandbox (COGNITO_TUTORIAL_ENDPOINT), a
temporary COGNITO_TUTORIAL_HOME, papermill with interactive=False, a new kernel per notebook.
The floor's notebooks hold one `pass` cell, so the floor is the fixed cost: the sandbox's start,
a kernel per notebook, papermill. Per-cell durations (papermill's metadata) show where the
rest goes.

The two runs alternate, ROUNDS times each, and the ratio is of their medians: a machine that
is busy for a moment slows one round of each, not the result. On the local sandbox, TOTP waits
take no time in either run (``cognito_tutorial.instructor.headless_clock``); the cells that
wait still run.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

import nbformat

from cognito_tutorial.instructor.runner import default_notebook_dir, find_notebooks, run_notebooks

SLOWEST_CELLS = 8
ROUNDS = 5


def floor_notebooks(folder: Path, count: int, like: Path) -> list[Path]:
    """`count` notebooks of one `pass` cell, with the kernel of the notebook `like`."""
    kernelspec = nbformat.read(like, as_version=4).metadata.get("kernelspec", {})
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        notebook = nbformat.v4.new_notebook(metadata={"kernelspec": kernelspec})
        notebook.cells.append(nbformat.v4.new_code_cell("pass", metadata={"tags": ["parameters"]}))
        path = folder / f"{index:02d}_floor.ipynb"
        nbformat.write(notebook, path)
        paths.append(path)
    return paths


def slowest_cells(executed: list[Path], count: int = SLOWEST_CELLS) -> list[dict[str, Any]]:
    cells = []
    for path in executed:
        notebook = nbformat.read(path, as_version=4)
        for number, cell in enumerate(notebook.cells, 1):
            seconds = cell.metadata.get("papermill", {}).get("duration")
            if cell.cell_type == "code" and seconds:
                first_line = next((line for line in cell.source.splitlines() if line.strip()), "")
                cells.append(
                    {
                        "notebook": path.name,
                        "cell": number,
                        "seconds": round(seconds, 1),
                        "source": first_line[:60],
                    }
                )
    return sorted(cells, key=lambda cell: -cell["seconds"])[:count]


def timed_run(notebooks: list[Path], out_dir: Path, progress: Any) -> tuple[float, list[Any]]:
    started = time.perf_counter()
    results = run_notebooks(notebooks, out_dir=out_dir, progress=progress)
    return time.perf_counter() - started, results


def run(work_dir: Path, notebook_dir: Path | None = None, rounds: int = ROUNDS) -> dict[str, Any]:
    notebooks = find_notebooks(notebook_dir or default_notebook_dir())
    floor = floor_notebooks(work_dir / "floor", len(notebooks), like=notebooks[0])

    def progress(line: str) -> None:
        print(f"  {line}", file=sys.stderr, flush=True)

    floor_runs, headless_runs = [], []
    for number in range(1, rounds + 1):
        print(f"  round {number}/{rounds}: floor, then the notebooks", file=sys.stderr, flush=True)
        floor_s, _ = timed_run(floor, work_dir / "floor-executed", progress=lambda line: None)
        floor_runs.append(floor_s)
        headless_s, results = timed_run(notebooks, work_dir / "executed", progress)
        headless_runs.append(headless_s)
    floor_s, headless_s = statistics.median(floor_runs), statistics.median(headless_runs)
    executed = [result.output for result in results if result.output]
    return {
        "headless_ratio": round(headless_s / floor_s, 2),
        "headless_s": round(headless_s, 1),
        "headless_floor_s": round(floor_s, 1),
        "headless_runs_s": [round(s, 2) for s in headless_runs],
        "headless_floor_runs_s": [round(s, 2) for s in floor_runs],
        "headless_notebooks": len(notebooks),
        "headless_failed": [f"{r.name}: {r.failure}" for r in results if not r.passed],
        "headless_per_notebook_s": {r.name: round(r.seconds, 1) for r in results},
        "headless_slowest_cells": slowest_cells(executed),
    }


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for key, value in run(Path(tmp)).items():
            print(f"{key:26} {value}")
