"""Rehearse a room on a real JupyterHub: how many learners does this machine hold?

``rehearse`` starts a JupyterHub on 127.0.0.1 (``hub``), and N learners arrive over a few
minutes, as in a room. Each logs in through the hub, gets their own JupyterLab server and home,
and runs notebooks 00-03 cell by cell in their own kernels (``hub_learner``), headless
(``interactive=False``: the code forms answer with pyotp when a learner would type a code). It
measures every step, the memory and CPU of each learner's processes, and the machine's totals,
and stops everything it started, also on Ctrl-C.

Two room shapes:

- ``own``: every learner's first ``connect()`` starts their own sandbox in their server, as on
  a laptop or a hub built from ``binder/``.
- ``room``: one shared sandbox for the room, with a pool per learner made by ``provisioning``
  (as ``python -m cognito_tutorial provision`` does); each learner's server is started pointed at
  it (:func:`learner_environment`), and each learner runs their handout's ``first_cell`` at the
  top of notebook 00, as the instructors' guide tells them to.

The TOTP waits are real: nothing here moves a clock. A cell that waits for the authenticator's
next code is timed net of that wait (``hub_learner`` explains how), since the wait is a
learner's, not the machine's.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import platform
import random
import secrets
import shutil
import signal
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from cognito_tutorial.errors import TutorialError
from cognito_tutorial.instructor import hub as hubs
from cognito_tutorial.instructor import runner
from cognito_tutorial.instructor.hub_learner import (
    KERNEL_HUNG_S,
    LESSON,
    START_UP,
    WAIT_COUNTER_FILE,
    WAIT_COUNTER_STARTUP,
    CellToRun,
    HubLearner,
    Kernel,
    Step,
    StepFailed,
    Stopped,
    notebook_cells,
)
from cognito_tutorial.sandbox import Credentials

OWN, ROOM = "own", "room"
SHAPES = (OWN, ROOM)
SHAPE_DESCRIPTIONS = {
    OWN: "a sandbox per learner, started by their own connect()",
    ROOM: "one shared room sandbox, a provisioned pool per learner",
}
NOTEBOOK_PATTERNS = ("00_*", "01_*", "02_*", "03_*")
PARAMETERS = {"backend": "local", "interactive": False}
"""What papermill injects, as ``python -m cognito_tutorial run`` does."""
MAX_LEARNERS = 200
STEP_LIMIT_S = 1.0
"""The sizing criterion: every lesson step's p95 under this, and no error."""
FIRST_ERRORS_IN_FULL = 3
HUB_LOG_LINES = 40
ARRIVAL_SEED = 16
"""Arrivals are random (uniform over the spread) but the same from one run to the next."""
ROOM_NAME = "rehearsal"
SAMPLE_EVERY_S = 1.0
TREE_SAMPLE_EVERY_S = 3.0
MIB = 1024 * 1024
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOP_WAIT_S = 10.0
DEFAULT_REPORT = Path(__file__).resolve().parents[2] / "bench" / "results" / "room.json"


def learner_environment(endpoint: str, credentials: Credentials) -> dict[str, str]:
    """What a learner's server needs to use a room sandbox: where it is, and its credentials.

    The one place that names these variables. Learners' kernels inherit them, and ``connect()``
    reads them, as a learner's would from the handout's key columns.
    """
    return {
        "COGNITO_TUTORIAL_ENDPOINT": endpoint,
        "COGNITO_TUTORIAL_ACCESS_KEY_ID": credentials.access_key_id,
        "COGNITO_TUTORIAL_SECRET_ACCESS_KEY": credentials.secret_access_key,
    }


def learner_name(number: int) -> str:
    return f"learner-{number:03d}"


def arrival_times(learners: int, spread_s: float) -> list[float]:
    """Seconds after the start at which each learner arrives: uniform over ``spread_s``."""
    chance = random.Random(ARRIVAL_SEED)
    return sorted(chance.uniform(0, spread_s) for _ in range(learners))


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: a value that was measured, never an interpolation."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# --- what happens to each learner ---------------------------------------------------------


@dataclass
class LearnerRun:
    """One learner's rehearsal: what they did, how long it took, what it cost."""

    name: str
    arrival_s: float
    first_cell: str = ""
    handout_password: str = ""
    steps: list[Step] = field(default_factory=list)
    now: str = "waiting to arrive"
    arrived: bool = False
    server_up: bool = False
    finished: bool = False
    error: dict[str, str] | None = None
    session_s: float | None = None
    server_pid: int | None = None
    rss_mib: float | None = None
    pss_mib: float | None = None
    cpu_s: float | None = None
    peak_rss_mib: float = 0.0
    reconnects: int = 0
    hung_kernels: int = 0
    server_retries: int = 0

    @property
    def done(self) -> bool:
        return self.finished or self.error is not None


@dataclass(frozen=True)
class Lesson:
    """A notebook as every learner runs it: its file and its code cells, in order."""

    notebook: Path
    cells: list[CellToRun]


def plan_lessons(notebooks: Sequence[Path]) -> list[Lesson]:
    """The cells of each notebook; in the first, the first cell that calls ``connect()`` counts
    as start-up: a learner runs it once, and in the ``own`` shape it starts their sandbox."""
    lessons = [Lesson(notebook, notebook_cells(notebook, PARAMETERS)) for notebook in notebooks]
    cells = lessons[0].cells
    for position, cell in enumerate(cells):
        if "connect(" in cell.code:
            cells[position] = CellToRun(cell.step, cell.code, START_UP)
            break
    return lessons


def _journey(
    run: LearnerRun,
    *,
    hub: hubs.Hub,
    password: str,
    lessons: Sequence[Lesson],
    stop: threading.Event,
) -> None:
    """A learner's session: arrive, log in, start a server, run every notebook, in order.

    Stops at the first error (later cells and notebooks depend on earlier ones). The learner's
    processes are measured the moment they finish, their four kernels still open, as a learner
    who moved on from notebook to notebook leaves them.
    """
    if stop.wait(run.arrival_s):
        return
    run.arrived, run.now = True, "log in"
    started = time.monotonic()
    browser = HubLearner(hub.ports.url, run.name, password, stop)
    kernels: list[Kernel] = []
    try:
        run.steps.append(browser.log_in())
        run.now = "server start"
        run.steps.append(browser.start_server())
        run.server_up = True
        server = hub.learner_server(run.name)
        run.server_pid = server.pid if server else None
        for position, lesson in enumerate(lessons):
            prefix = lesson.notebook.name[:2]
            run.now = f"{prefix} kernel start"
            kernel, step = browser.open_notebook(f"notebooks/{lesson.notebook.name}")
            kernels.append(kernel)
            run.steps.append(step)
            cells = lesson.cells
            if position == 0 and run.first_cell:  # added at the top, as the guide says
                cells = [CellToRun(f"{prefix} handout first_cell", run.first_cell, START_UP)]
                cells += lesson.cells
            for cell in cells:
                run.now = cell.step
                run.steps.append(kernel.run(cell))
        run.session_s = time.monotonic() - started
        _measure(run)
        run.finished, run.now = True, "finished"
    except Stopped:
        run.now = "stopped"
    except StepFailed as failure:
        run.error = _error(run, failure.step, failure.summary, failure.detail)
    except Exception as error:  # a dropped connection, a bug: reported, not raised in a thread
        run.error = _error(run, run.now, f"{type(error).__name__}: {error}")
    finally:
        for kernel in kernels:
            kernel.close()
        run.reconnects = sum(kernel.reconnects for kernel in kernels)
        run.hung_kernels = sum(kernel.replaced for kernel in kernels)
        run.server_retries = browser.server_retries


def _error(run: LearnerRun, step: str, summary: str, detail: str = "") -> dict[str, str]:
    """What went wrong, for the report; the handout's password never appears in it."""
    run.now = f"failed at {step}"
    if run.handout_password:
        summary = summary.replace(run.handout_password, "<password>")
        detail = detail.replace(run.handout_password, "<password>")
    return {"step": step, "error": summary, "detail": detail}


def _measure(run: LearnerRun) -> None:
    """Memory (RSS and PSS) and CPU time of the learner's server and everything under it."""
    if run.server_pid is None:
        return
    try:
        server = psutil.Process(run.server_pid)
        processes = [server, *server.children(recursive=True)]
    except psutil.Error:
        return
    rss = pss = cpu = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            memory = process.memory_full_info()
            times = process.cpu_times()
            rss, pss = rss + memory.rss, pss + memory.pss
            cpu += times.user + times.system
    run.rss_mib, run.pss_mib, run.cpu_s = rss / MIB, pss / MIB, cpu


# --- watching the machine -----------------------------------------------------------------


@dataclass
class MachineSamples:
    """The machine's totals, sampled while a room runs."""

    memory_used_mib: list[float] = field(default_factory=list)
    cpu_percent: list[float] = field(default_factory=list)
    load_1m: list[float] = field(default_factory=list)

    def take(self) -> None:
        self.memory_used_mib.append(_memory_used_mib())
        self.cpu_percent.append(psutil.cpu_percent(interval=None))
        self.load_1m.append(os.getloadavg()[0])


def _memory_used_mib() -> float:
    memory = psutil.virtual_memory()
    return (memory.total - memory.available) / MIB


def _sample_trees(runs: Sequence[LearnerRun]) -> None:
    """Each running learner's peak RSS so far: one pass over the process table for all."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for process in psutil.process_iter(["ppid", "memory_info"]):
        if process.info["memory_info"] is None:
            continue
        children.setdefault(process.info["ppid"], []).append(process.pid)
        rss[process.pid] = process.info["memory_info"].rss
    for run in runs:
        if run.server_pid is None or run.done:
            continue
        total, pending = 0, [run.server_pid]
        while pending:
            pid = pending.pop()
            total += rss.get(pid, 0)
            pending.extend(children.get(pid, []))
        run.peak_rss_mib = max(run.peak_rss_mib, total / MIB)


@dataclass(frozen=True)
class Progress:
    """A snapshot of the room, for a progress display."""

    shape: str
    elapsed_s: float
    learners: int
    arrived: int
    servers_up: int
    finished: int
    errors: int
    load_1m: float
    memory_used_mib: float
    busy: tuple[tuple[str, str], ...]
    """(learner, step) of each learner at work, the latest arrivals first."""
    stopping: bool = False
    """Everything started is being stopped (Ctrl-C and SIGTERM wait until that is done)."""


# --- one room shape -----------------------------------------------------------------------


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Clean-up must finish: a second Ctrl-C (or SIGTERM) during it would leave servers
    running. Ignored until it is done; the progress line has said why."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, signal.SIG_IGN) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _prepare_home(home: Path, notebooks: Sequence[Path]) -> None:
    """A learner's home as nbgitpuller would leave it: the notebooks in ``notebooks/``."""
    (home / "notebooks").mkdir(parents=True)
    home.chmod(0o700)
    for notebook in notebooks:
        shutil.copy(notebook, home / "notebooks" / notebook.name)
    counter = home / WAIT_COUNTER_FILE
    counter.parent.mkdir(parents=True)
    counter.write_text(WAIT_COUNTER_STARTUP)


def _start_room_sandbox(
    folder: Path, learners: int, run_tag: str, stack: contextlib.ExitStack
) -> tuple[str, Credentials, dict[str, dict[str, str]], float]:
    """Start the room's sandbox and provision a pool per learner, as an instructor would.

    :returns: its URL, its access key, each learner's handout row, and the provisioning's
        seconds.
    """
    from cognito_tutorial import connect
    from cognito_tutorial.instructor import provisioning
    from cognito_tutorial.sandbox import load_credentials, spawn

    folder.mkdir(mode=0o700)
    sandbox = spawn(
        state_path=folder / "room.pickle",
        log_path=folder / "sandbox.log",
        env=dict(os.environ, COGNITO_TUTORIAL_HOME=str(folder), **{hubs.RUN_TAG_VARIABLE: run_tag}),
    )
    stack.callback(sandbox.stop)
    started = time.monotonic()
    key = load_credentials(folder)  # the room sandbox's home is `folder`
    cognito = connect("local", endpoint=sandbox.url, key=key, quiet=True)
    handout = folder / "handout.csv"
    provisioning.provision_room(
        cognito,
        room=ROOM_NAME,
        attendees=learners,
        handout=handout,
        endpoint=sandbox.url,
        key=key,
    )
    seconds = time.monotonic() - started
    with handout.open(newline="") as rows:
        handout = {learner_name(int(row["attendee"])): row for row in csv.DictReader(rows)}
    return sandbox.url, key, handout, seconds


def rehearse_shape(
    shape: str,
    learners: int,
    *,
    arrival_spread_s: float,
    port: int,
    notebooks: Sequence[Path],
    progress: Callable[[Progress], None] = lambda _: None,
) -> dict[str, Any]:
    """Run one room shape from start to clean-up; its part of the report.

    :raises TutorialError: a port is taken, or the hub or the room sandbox did not start.
    """
    ports = hubs.HubPorts(port)
    hubs.check_ports_free(ports)
    proxy = hubs.find_proxy()
    run_tag = secrets.token_hex(8)
    password = secrets.token_urlsafe(12)
    stop = threading.Event()
    machine = MachineSamples()
    started = time.monotonic()
    memory_before = _memory_used_mib()
    load_before = os.getloadavg()[0]
    runs = [
        LearnerRun(learner_name(number), arrival)
        for number, arrival in enumerate(arrival_times(learners, arrival_spread_s), 1)
    ]
    lessons = plan_lessons(notebooks)
    threads: list[threading.Thread] = []
    report: dict[str, Any] = {
        "shape": shape,
        "description": SHAPE_DESCRIPTIONS[shape],
        "run_tag": run_tag,
    }
    stack = contextlib.ExitStack()
    try:
        folder = Path(
            stack.enter_context(
                tempfile.TemporaryDirectory(
                    prefix="cognito-tutorial-rehearsal-", ignore_cleanup_errors=True
                )
            )
        )
        # From here on, everything started is ended on the way out, the last started first;
        # the sweep is the backstop, and the report lists anything it had to end.
        stack.callback(_sweep_into, report, run_tag)
        environment = {hubs.RUN_TAG_VARIABLE: run_tag}
        if shape == ROOM:
            url, key, handout, provision_s = _start_room_sandbox(
                folder / "room", learners, run_tag, stack
            )
            environment.update(learner_environment(url, key))
            report["provision_s"] = round(provision_s, 2)
            for run in runs:
                run.first_cell = handout[run.name]["first_cell"]
                run.handout_password = handout[run.name]["password"]
        homes = folder / "homes"
        for run in runs:
            _prepare_home(homes / run.name, notebooks)
        stack.callback(_stop_own_sandboxes, [homes / run.name for run in runs])
        config = hubs.write_config(
            folder, ports, proxy=proxy, password=password, homes=homes, environment=environment
        )
        hub = hubs.Hub(config, ports, run_tag=run_tag, log_path=folder / "jupyterhub.log")
        stack.callback(hub.stop)
        stack.callback(stop.set)
        hub.start()
        started = time.monotonic()  # the room's clock starts when learners can log in
        for run in runs:
            thread = threading.Thread(
                target=_journey,
                args=(run,),
                kwargs={"hub": hub, "password": password, "lessons": lessons, "stop": stop},
                name=run.name,
                daemon=True,
            )
            thread.start()
            threads.append(thread)
        psutil.cpu_percent(interval=None)  # the first call only starts the measurement
        next_sample = next_tree_sample = time.monotonic() + SAMPLE_EVERY_S
        while alive := [thread for thread in threads if thread.is_alive()]:
            alive[0].join(timeout=max(0.0, next_sample - time.monotonic()))
            if time.monotonic() < next_sample:
                continue  # that learner is done; the others are not
            next_sample += SAMPLE_EVERY_S
            machine.take()
            if time.monotonic() >= next_tree_sample:
                _sample_trees(runs)
                next_tree_sample = time.monotonic() + TREE_SAMPLE_EVERY_S
            progress(_snapshot(shape, runs, started, machine))
        duration = time.monotonic() - started
        report["shared_rss_mib"] = _shared_rss(hub, run_tag)
        if any(run.error for run in runs):  # the folder, and the hub's log in it, will go
            report["hub_log_warnings"] = hubs.log_warnings(hub.log_path)[-HUB_LOG_LINES:]
    finally:
        with _signals_deferred():
            progress(_snapshot(shape, runs, started, machine, stopping=True))
            stack.close()
    report.update(
        _summarise(runs, arrival_spread_s=arrival_spread_s, duration_s=duration, machine=machine)
    )
    report["machine"].update(
        memory_used_mib_before=round(memory_before), load_1m_before=round(load_before, 2)
    )
    return report


def _stop_own_sandboxes(homes: Sequence[Path]) -> None:
    """Stop each learner's own sandbox, which outlives their kernels by design (a learner's
    sandbox is detached from the kernel that started it).

    ``connect()`` in a learner's kernel keeps it under the learner's home: the spawner sets
    HOME, and the hub passes on neither XDG_STATE_HOME nor COGNITO_TUTORIAL_HOME.
    """
    from cognito_tutorial.sandbox import SandboxError, paths, stop

    name = paths.default_state_path().name
    for home in homes:
        with contextlib.suppress(SandboxError, OSError):
            stopped = stop(home / ".local" / "state" / "cognito-tutorial" / name)
            if stopped is not None:  # it has let go of its state file; wait for its exit too
                hubs.wait_until_gone([stopped.pid], STOP_WAIT_S)


def _sweep_into(report: dict[str, Any], run_tag: str) -> None:
    """The last clean-up step: end whatever the hub left; the report says if it had to."""
    report["left_running_after_hub_stop"] = hubs.sweep(run_tag)


def _shared_rss(hub: hubs.Hub, run_tag: str) -> dict[str, float]:
    """What the room shares: the hub, its proxy and (shape room) the room's sandbox."""
    shared = {"hub": 0.0, "proxy": 0.0, "room_sandbox": 0.0}
    hub_process = hub.process_info()
    for process in hubs.tagged_processes(run_tag):
        with contextlib.suppress(psutil.Error):
            command = " ".join(process.cmdline())
            rss = process.memory_info().rss / MIB
            if hub_process is not None and process.pid == hub_process.pid:
                shared["hub"] += rss
            elif "configurable-http-proxy" in command:
                shared["proxy"] += rss
            elif (
                "cognito_tutorial.sandbox" in command
                and "--state" in command
                and ("room.pickle" in command)
            ):
                shared["room_sandbox"] += rss
    return {name: round(value, 1) for name, value in shared.items()}


def _snapshot(
    shape: str,
    runs: Sequence[LearnerRun],
    started: float,
    machine: MachineSamples,
    *,
    stopping: bool = False,
) -> Progress:
    busy = tuple((run.name, run.now) for run in reversed(runs) if run.arrived and not run.done)
    return Progress(
        shape=shape,
        elapsed_s=time.monotonic() - started,
        learners=len(runs),
        arrived=sum(run.arrived for run in runs),
        servers_up=sum(run.server_up for run in runs),
        finished=sum(run.finished for run in runs),
        errors=sum(run.error is not None for run in runs),
        load_1m=machine.load_1m[-1] if machine.load_1m else 0.0,
        memory_used_mib=machine.memory_used_mib[-1] if machine.memory_used_mib else 0.0,
        busy=busy,
        stopping=stopping,
    )


# --- the report ---------------------------------------------------------------------------


def _spread(values: Sequence[float], digits: int = 1) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "p50": round(percentile(values, 0.50), digits),
        "p95": round(percentile(values, 0.95), digits),
        "max": round(max(values), digits),
        "mean": round(statistics.fmean(values), digits),
    }


def _summarise(
    runs: Sequence[LearnerRun],
    *,
    arrival_spread_s: float,
    duration_s: float,
    machine: MachineSamples,
) -> dict[str, Any]:
    by_step: dict[str, list[Step]] = {}
    for run in runs:
        for step in run.steps:
            by_step.setdefault(step.step, []).append(step)
    steps = [
        {
            "step": name,
            "kind": taken[0].kind,
            "source": taken[0].source,
            "count": len(taken),
            "p50_s": round(percentile([s.busy_s for s in taken], 0.50), 3),
            "p95_s": round(percentile([s.busy_s for s in taken], 0.95), 3),
            "max_s": round(max(s.busy_s for s in taken), 3),
            "waited_for_code_max_s": round(max(s.waited_s for s in taken), 1),
        }
        for name, taken in by_step.items()
    ]
    lesson = [step for step in steps if step["kind"] == LESSON]
    start_up = [step for step in steps if step["kind"] == START_UP]
    errors = [{"learner": run.name, **run.error} for run in runs if run.error is not None]
    finished = [run for run in runs if run.finished]
    slowest = max(lesson, key=lambda step: step["p95_s"], default=None)
    slowest_start = max(start_up, key=lambda step: step["p95_s"], default=None)
    held = (
        not errors
        and len(finished) == len(runs)
        and slowest is not None
        and slowest["p95_s"] < STEP_LIMIT_S
    )
    return {
        "learners": len(runs),
        "finished": len(finished),
        "errors": len(errors),
        "first_errors": errors[:FIRST_ERRORS_IN_FULL],
        "websocket_reconnects": sum(run.reconnects for run in runs),
        "hung_kernels_replaced": sum(run.hung_kernels for run in runs),
        "server_starts_retried": sum(run.server_retries for run in runs),
        "held": held,
        "arrival_spread_s": arrival_spread_s,
        "duration_s": round(duration_s, 1),
        "slowest_lesson_step": slowest and _headline(slowest),
        "slowest_start_up_step": slowest_start and _headline(slowest_start),
        "per_learner": {
            "rss_mib": _spread([run.rss_mib for run in finished if run.rss_mib is not None]),
            "pss_mib": _spread([run.pss_mib for run in finished if run.pss_mib is not None]),
            "peak_rss_mib": _spread([run.peak_rss_mib for run in runs if run.peak_rss_mib]),
            "cpu_s": _spread([run.cpu_s for run in finished if run.cpu_s is not None]),
            "session_s": _spread([run.session_s for run in finished if run.session_s]),
        },
        "machine": {
            "memory_used_mib_peak": round(max(machine.memory_used_mib, default=0.0)),
            "cpu_percent_mean": round(statistics.fmean(machine.cpu_percent or [0.0]), 1),
            "cpu_percent_peak": round(max(machine.cpu_percent, default=0.0), 1),
            "load_1m_peak": round(max(machine.load_1m, default=0.0), 2),
            "load_1m_end": round(machine.load_1m[-1] if machine.load_1m else 0.0, 2),
        },
        "steps": steps,
    }


def _headline(step: dict[str, Any]) -> dict[str, Any]:
    return {key: step[key] for key in ("step", "source", "p95_s")}


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {
        "python": platform.python_version(),
        "jupyterhub": version("jupyterhub"),
        "jupyterlab": version("jupyterlab"),
        "configurable-http-proxy": hubs.proxy_version(hubs.find_proxy()),
    }


def check_learners(learners: int) -> int:
    if not 1 <= learners <= MAX_LEARNERS:
        raise TutorialError(f"--learners must be between 1 and {MAX_LEARNERS}, not {learners}.")
    return learners


def rehearse(
    learners: int,
    shapes: Sequence[str],
    *,
    arrival_spread_s: float,
    port: int,
    report_path: Path | None = DEFAULT_REPORT,
    notebooks_dir: Path | None = None,
    progress: Callable[[Progress], None] = lambda _: None,
) -> dict[str, Any]:
    """Rehearse a room of ``learners`` for each shape in turn; the report, also written as JSON.

    :param shapes: ``own`` and/or ``room`` (see the module's docstring).
    :param arrival_spread_s: learners arrive at random times over this many seconds.
    :param port: the hub's address; the next two ports are its internal ones. All three must be
        free.
    :param report_path: where the JSON report goes (None: not written).
    :param progress: called about once a second with a :class:`Progress`.
    :raises TutorialError: bad arguments, a missing part (JupyterHub, the proxy), a port taken,
        or a hub that did not start. Learners' errors are in the report, not raised.
    """
    check_learners(learners)
    if not shapes or any(shape not in SHAPES for shape in shapes):
        raise TutorialError(f"Room shapes are {', '.join(SHAPES)}, not {', '.join(shapes)}.")
    if arrival_spread_s < 0:
        raise TutorialError("--arrival-spread cannot be negative.")
    hubs.check_ports_free(hubs.HubPorts(port))
    hubs.check_jupyterhub_installed()
    hubs.find_proxy()
    notebooks = runner.find_notebooks(
        notebooks_dir or runner.default_notebook_dir(), NOTEBOOK_PATTERNS
    )
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "learners": learners,
        "arrival_spread_s": arrival_spread_s,
        "notebooks": [notebook.name for notebook in notebooks],
        "criterion": f"held = no error and every lesson step's p95 under {STEP_LIMIT_S:g} s "
        "(net of waits for the next TOTP code); start-up steps are reported beside it",
        "host": {
            "cpus": psutil.cpu_count(),
            "memory_total_mib": round(psutil.virtual_memory().total / MIB),
            **_versions(),
        },
        "shapes": {},
    }
    for shape in shapes:
        report["shapes"][shape] = rehearse_shape(
            shape,
            learners,
            arrival_spread_s=arrival_spread_s,
            port=port,
            notebooks=notebooks,
            progress=progress,
        )
    if report_path is not None:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        partial = report_path.with_suffix(".json.tmp")
        partial.write_text(json.dumps(report, indent=2) + "\n")
        os.replace(partial, report_path)
    return report


# --- the report as text -------------------------------------------------------------------

SLOWEST_SHOWN = 8


def format_report(report: dict[str, Any]) -> str:
    """The report for a terminal: each shape, then the shapes side by side."""
    parts = [_format_shape(shape) for shape in report["shapes"].values()]
    if len(report["shapes"]) > 1:
        parts.append(_format_comparison(report["shapes"]))
    return "\n\n".join(parts)


def _format_shape(shape: dict[str, Any]) -> str:
    lines = [
        f"Shape {shape['shape']}: {shape['description']}",
        f"  {shape['learners']} learner(s) arrived over {shape['arrival_spread_s']:g} s; "
        f"{shape['finished']} finished, {shape['errors']} error(s); {shape['duration_s']:.0f} s "
        "in all.",
    ]
    if shape["server_starts_retried"]:
        lines.append(
            f"  The hub failed to start a learner's server {shape['server_starts_retried']} "
            "time(s); the learner started it again (a port race between learners on one "
            "machine; see docs/instructors.md)."
        )
    if shape["hung_kernels_replaced"]:
        lines.append(
            f"  {shape['hung_kernels_replaced']} new kernel(s) never answered and were replaced "
            f"after {KERNEL_HUNG_S} s, as a learner would (a port race between learners' "
            "kernels on one machine; see docs/instructors.md)."
        )
    if shape["websocket_reconnects"]:
        lines.append(
            f"  Kernel websockets dropped and were reconnected {shape['websocket_reconnects']} "
            "time(s), as JupyterLab reconnects them."
        )
    if "provision_s" in shape:
        lines.append(f"  Provisioning a pool per learner took {shape['provision_s']:.1f} s.")
    slowest = shape["slowest_lesson_step"]
    if slowest:
        verdict = "HELD" if shape["held"] else "NOT HELD"
        lines.append(
            f"  {verdict}: slowest lesson step p95 {slowest['p95_s']:.2f} s "
            f"({slowest['step']}: {slowest['source']}); the limit is {STEP_LIMIT_S:g} s, "
            "with no error."
        )
    lines.append("  Start-up steps, seconds p50 / p95 / max:")
    lines += [_step_line(step) for step in shape["steps"] if step["kind"] == START_UP]
    lessons = [step for step in shape["steps"] if step["kind"] == LESSON]
    lessons = sorted(lessons, key=lambda step: step["p95_s"], reverse=True)[:SLOWEST_SHOWN]
    lines.append(
        f"  The {len(lessons)} slowest lesson steps by p95 (net of waiting for a TOTP code), "
        "seconds p50 / p95 / max:"
    )
    lines += [_step_line(step) for step in lessons]
    learner = shape["per_learner"]
    if learner["rss_mib"]:
        lines.append(
            "  Per learner, at the end (server + 4 kernels + own sandbox, if any): "
            f"RSS p50 {learner['rss_mib']['p50']:.0f} MiB (max {learner['rss_mib']['max']:.0f}), "
            f"PSS p50 {learner['pss_mib']['p50']:.0f} MiB; peak RSS max "
            f"{learner['peak_rss_mib']['max']:.0f} MiB; CPU p50 {learner['cpu_s']['p50']:.1f} s "
            f"over a session of p50 {learner['session_s']['p50']:.0f} s."
        )
    shared = shape.get("shared_rss_mib", {})
    lines.append(
        f"  Shared: hub {shared.get('hub', 0):.0f} MiB, proxy {shared.get('proxy', 0):.0f} MiB"
        + (f", room sandbox {shared['room_sandbox']:.0f} MiB" if shape["shape"] == ROOM else "")
        + "."
    )
    machine = shape["machine"]
    lines.append(
        f"  Machine: memory used {machine['memory_used_mib_before'] / 1024:.1f} GiB before, "
        f"{machine['memory_used_mib_peak'] / 1024:.1f} GiB at peak; CPU mean "
        f"{machine['cpu_percent_mean']:.0f} %, peak {machine['cpu_percent_peak']:.0f} %; "
        f"load (1 min) {machine['load_1m_before']:.1f} before, {machine['load_1m_peak']:.1f} "
        f"at peak, {machine['load_1m_end']:.1f} at the end."
    )
    if shape["first_errors"]:
        lines.append(f"  Errors (the first {len(shape['first_errors'])} of {shape['errors']}):")
        for error in shape["first_errors"]:
            lines.append(f"  - {error['learner']} at {error['step']}: {error['error']}")
            lines += [f"      {line}" for line in error["detail"].splitlines()]
    if shape.get("hub_log_warnings"):
        lines.append("  The last warnings and errors in the hub's log (its servers' too):")
        lines += [f"      {line}" for line in shape["hub_log_warnings"][-15:]]
    if shape.get("left_running_after_hub_stop"):
        lines.append(
            "  Ended by the final sweep (the hub had not stopped them): "
            + "; ".join(shape["left_running_after_hub_stop"])
        )
    return "\n".join(lines)


def _step_line(step: dict[str, Any]) -> str:
    waited = (
        f"  (+ up to {step['waited_for_code_max_s']:.0f} s waiting for a code)"
        if step["waited_for_code_max_s"] >= 0.5
        else ""
    )
    source = f"  {step['source']}" if step["source"] else ""
    return (
        f"    {step['step']:<22} {step['p50_s']:6.2f} / {step['p95_s']:6.2f} / "
        f"{step['max_s']:6.2f}{source}{waited}"
    )


def _format_comparison(shapes: dict[str, dict[str, Any]]) -> str:
    def step_p95(shape: dict[str, Any], name: str) -> str:
        found = [step["p95_s"] for step in shape["steps"] if step["step"] == name]
        return f"{found[0]:.2f}" if found else "-"

    def first_connect_p95(shape: dict[str, Any]) -> str:
        cells = [
            step["p95_s"]
            for step in shape["steps"]
            if step["kind"] == START_UP and step["source"]  # start-up steps that are cells
        ]
        return f"{max(cells):.2f}" if cells else "-"

    def spread(shape: dict[str, Any], key: str, digits: int = 0) -> str:
        value = shape["per_learner"][key]
        return f"{value['p50']:.{digits}f}" if value else "-"

    rows = [
        ("", *shapes),
        ("held", *("yes" if s["held"] else "no" for s in shapes.values())),
        ("finished", *(f"{s['finished']}/{s['learners']}" for s in shapes.values())),
        ("errors", *(str(s["errors"]) for s in shapes.values())),
        (
            "slowest lesson step p95 (s)",
            *(
                f"{s['slowest_lesson_step']['p95_s']:.2f}" if s["slowest_lesson_step"] else "-"
                for s in shapes.values()
            ),
        ),
        ("server start p95 (s)", *(step_p95(s, "server start") for s in shapes.values())),
        ("first connect() p95 (s)", *(first_connect_p95(s) for s in shapes.values())),
        ("RSS per learner p50 (MiB)", *(spread(s, "rss_mib") for s in shapes.values())),
        ("PSS per learner p50 (MiB)", *(spread(s, "pss_mib") for s in shapes.values())),
        ("CPU per learner p50 (s)", *(spread(s, "cpu_s", 1) for s in shapes.values())),
        (
            "machine memory peak (GiB)",
            *(f"{s['machine']['memory_used_mib_peak'] / 1024:.1f}" for s in shapes.values()),
        ),
        ("load (1 min) peak", *(f"{s['machine']['load_1m_peak']:.1f}" for s in shapes.values())),
    ]
    width = max(len(row[0]) for row in rows)
    return "Compared:\n" + "\n".join(
        f"  {row[0]:<{width}}  " + "  ".join(f"{cell:>8}" for cell in row[1:]) for row in rows
    )
