"""`python -m cognito_tutorial rehearse`: a room of learners on a real JupyterHub, measured."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

EXAMPLE = """examples:
  python -m cognito_tutorial rehearse --learners 2                 # a first try, ~2 minutes
  python -m cognito_tutorial rehearse --learners 20 --shape both --arrival-spread 120
  make rehearse LEARNERS=20 SHAPE=both                             # installs the hub's parts first

Needs JupyterHub (requirements-test.txt) and configurable-http-proxy (`make http-proxy`, Node.js).
See docs/instructors.md, "Rehearse the room", for reading the report and sizing a hub."""


DEFAULT_PORT = 8000
DEFAULT_ARRIVAL_SPREAD_S = 60.0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "rehearse",
        help="rehearse a room on a real JupyterHub on this machine: how many learners it holds",
        description="Start a JupyterHub on 127.0.0.1 (a local-process spawner, a home folder "
        "per learner) and have N learners arrive over --arrival-spread seconds. Each logs in "
        "through the hub, gets their own JupyterLab server and runs notebooks 00-03 cell by "
        "cell in their own kernels, headless (codes from pyotp when a learner would type "
        "them). Prints progress while it runs, then a report: learners who finished, errors "
        "(the first few in full), time per step (p50/p95/max), memory and CPU per learner "
        "(server + kernels + sandbox) and the machine's totals; writes it as JSON. The room "
        "holds if there was no error and every lesson step's p95 is under a second. "
        "Everything it starts is stopped at the end, also on Ctrl-C. Exits with 1 if a port it "
        "needs is taken, a part is missing, or a learner met an error.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--learners", type=int, required=True, metavar="N", help="how many learners arrive"
    )
    parser.add_argument(
        "--shape",
        choices=("own", "room", "both"),
        default="own",
        help="own: a sandbox per learner, started by their connect() (default); room: one "
        "shared room sandbox with a provisioned pool per learner; both: one after the other, "
        "compared",
    )
    parser.add_argument(
        "--arrival-spread",
        type=float,
        default=DEFAULT_ARRIVAL_SPREAD_S,
        metavar="SECONDS",
        help="learners arrive at random moments over this many seconds "
        f"(default {DEFAULT_ARRIVAL_SPREAD_S:g}; 0: all at once)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="P",
        help=f"the hub's address http://127.0.0.1:P (default {DEFAULT_PORT}); P+1 and P+2 "
        "are its proxy's API and its own port; all three must be free",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="JSON",
        help="where the report goes (default: bench/results/room.json in this checkout)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cognito_tutorial.instructor import rehearsal

    # SIGTERM (a CI timeout, `kill`) takes the same way out as Ctrl-C: everything is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    shapes = rehearsal.SHAPES if args.shape == "both" else (args.shape,)
    print(
        f"Rehearsing {args.learners} learner(s), shape {args.shape}, arriving over "
        f"{args.arrival_spread:g} s, on a hub at http://127.0.0.1:{args.port}. Ctrl-C stops it "
        "and cleans up.",
        flush=True,
    )
    report_path = args.report or rehearsal.DEFAULT_REPORT
    report = rehearsal.rehearse(
        args.learners,
        shapes,
        arrival_spread_s=args.arrival_spread,
        port=args.port,
        report_path=report_path,
        progress=ProgressLine(sys.stdout),
    )
    print()
    print(rehearsal.format_report(report))
    print(f"\nReport: {report_path}")
    failed = any(
        shape["errors"] or shape["finished"] < shape["learners"]
        for shape in report["shapes"].values()
    )
    return 1 if failed else 0


class ProgressLine:
    """The room at a glance, once a second: redrawn in place on a terminal, else a line every
    15 seconds and whenever a learner finishes or fails."""

    def __init__(self, out) -> None:
        self.out = out
        self.interactive = out.isatty()
        self.last_printed = 0.0
        self.last_done = (-1, -1)

    def __call__(self, now) -> None:
        if now.stopping:
            end = "\n" if self.interactive else ""
            print(
                f"{end}[{now.shape}] Stopping the hub, the learners' servers, kernels and "
                "sandboxes (Ctrl-C waits until that is done) ...",
                file=self.out,
                flush=True,
            )
            return
        doing = ""
        if now.busy:
            name, step = now.busy[0]
            more = f" (+{len(now.busy) - 1} more)" if len(now.busy) > 1 else ""
            doing = f" | {name}: {step}{more}"
        minutes, seconds = divmod(int(now.elapsed_s), 60)
        line = (
            f"[{now.shape} {minutes}:{seconds:02d}] arrived {now.arrived}/{now.learners}, "
            f"servers {now.servers_up}, finished {now.finished}, errors {now.errors} | "
            f"load {now.load_1m:.1f}, memory {now.memory_used_mib / 1024:.1f} GiB{doing}"
        )
        if self.interactive:
            width = 160
            print(f"\r{line[:width]:<{width}}", end="", file=self.out, flush=True)
            return
        done = (now.finished, now.errors)
        if done != self.last_done or time.monotonic() - self.last_printed >= 15:
            print(line, file=self.out, flush=True)
            self.last_printed, self.last_done = time.monotonic(), done
