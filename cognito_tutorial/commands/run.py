"""`python -m cognito_tutorial run`: execute every notebook headless, as CI does."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

EXAMPLE = """examples:
  python -m cognito_tutorial run --out /tmp/executed
  python -m cognito_tutorial run --notebooks '0[0-2]_*' --out /tmp/executed
  python -m cognito_tutorial run --in-place      # refresh the committed outputs (make notebooks)"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="run every notebook headless against a fresh sandbox (CI, make notebooks)",
        description="Start a fresh, empty local sandbox, run the notebooks NN_*.ipynb in order "
        "with papermill (interactive=False: TOTP codes come from pyotp, nothing waits for a "
        "person), print a table of results and stop the sandbox. Your own sandbox, workspace "
        "record and AWS account are not touched. Exits with 1 if any notebook failed, naming "
        "the failing cell.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="write the executed notebooks to DIR"
    )
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="replace each notebook that passed with its executed version, cleaned for "
        "committing (no injected parameters, timings or widget state)",
    )
    parser.add_argument(
        "--notebooks",
        action="append",
        default=[],
        metavar="GLOB",
        help="only notebooks whose file name matches GLOB, e.g. '01_*' (may be repeated)",
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="the notebook folder (default: ./notebooks)"
    )
    parser.add_argument(
        "--backend",
        choices=("local", "aws"),
        default="local",
        help="local: a fresh sandbox (default); aws: your AWS credentials (a new tutorial "
        "pool, which 99_clean_up deletes)",
    )
    parser.add_argument("--region", help="AWS region (with --backend aws)")
    parser.add_argument(
        "--cell-timeout",
        type=int,
        default=None,
        metavar="SECONDS",
        help="fail a cell that runs longer than this (default 300)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cognito_tutorial.errors import TutorialError
    from cognito_tutorial.instructor import runner

    # Turn SIGTERM (a CI timeout, `kill`) into an exit that runs the clean-up: the sandbox and
    # the kernels are stopped rather than left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    folder = args.dir or runner.default_notebook_dir()
    if not folder.is_dir():
        raise TutorialError(f"There is no notebook folder {folder}.", todo="Pass --dir.")
    if args.in_place and args.out is not None and args.out.resolve() != folder.resolve():
        raise TutorialError(
            f"--in-place writes the notebooks back where they are, not to {args.out}.",
            todo="Leave out --out, or pass the notebooks' own folder.",
        )
    notebooks = runner.find_notebooks(folder, args.notebooks)
    where = "in place" if args.in_place else (f"to {args.out}" if args.out else "(not kept)")
    print(f"Running {len(notebooks)} notebook(s) headless against {args.backend}, output {where}.")
    results = runner.run_notebooks(
        notebooks,
        out_dir=args.out,
        in_place=args.in_place,
        backend=args.backend,
        region=args.region,
        cell_timeout_s=args.cell_timeout or runner.CELL_TIMEOUT_S,
        progress=lambda line: print(line, flush=True),
    )
    print()
    print(runner.format_table(results))
    return 0 if all(result.passed for result in results) else 1
