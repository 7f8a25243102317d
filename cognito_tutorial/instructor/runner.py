"""Run the tutorial's notebooks headless, in order, against a fresh local sandbox.

This is what CI and `make notebooks` do: start a new, empty sandbox in a subprocess, execute
every `NN_*.ipynb` with papermill (``interactive=False``: codes come from pyotp, no widget
waits), and report which notebook failed and in which cell. The kernels get
``COGNITO_TUTORIAL_ENDPOINT`` (the fresh sandbox), ``COGNITO_TUTORIAL_HOME`` (a temporary
folder) and ``IPYTHONDIR`` (an empty profile), so a run never touches the learner's own
sandbox, workspace record, IPython start-up files or AWS account.

On the local sandbox, waiting for the next TOTP code takes no time: the sandbox and the kernels
share a virtual clock that a cell's ``time.sleep`` moves forward (``headless_clock``).

With ``in_place`` the executed notebooks replace the sources, cleaned for committing: no
papermill injected-parameters cell, timing metadata or widget state, so diffs show only what
the learner sees.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cognito_tutorial.errors import TutorialError
from cognito_tutorial.instructor import headless_clock

NOTEBOOK_NAME = re.compile(r"^\d\d[a-z]?_.+\.ipynb$")
SANDBOX_START_TIMEOUT_S = 30.0
SANDBOX_IDLE_TIMEOUT_S = 900
CELL_TIMEOUT_S = 300
"""Per cell. Headless cells never wait for a person; the longest wait is one TOTP step."""

PASSED, FAILED = "passed", "failed"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class NotebookResult:
    """How one notebook's run went.

    :param failure: for a failed notebook, the failing cell and error in one line.
    :param output: where the executed notebook was written (for a failure: kept for reading).
    """

    name: str
    status: str
    seconds: float
    failure: str | None = None
    output: Path | None = None

    @property
    def passed(self) -> bool:
        return self.status == PASSED


def default_notebook_dir() -> Path:
    """``./notebooks`` if there is one, else the notebooks folder of this checkout."""
    here = Path("notebooks")
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "notebooks"


def find_notebooks(directory: Path, patterns: Sequence[str] = ()) -> list[Path]:
    """The lesson notebooks (``NN_name.ipynb``, or ``NNx_name.ipynb`` for a lesson placed
    between two, such as 04b) in ``directory``, in reading order.

    :param patterns: shell-style patterns on the file name (``"01_*"``); none means all.
    :raises TutorialError: if the folder has no notebook, or none matches.
    """
    if not directory.is_dir():
        raise TutorialError(
            f"There is no notebook folder {directory}.",
            todo="Pass the folder that holds the lesson notebooks.",
        )
    found = sorted(p for p in directory.iterdir() if NOTEBOOK_NAME.match(p.name))
    if patterns:
        found = [p for p in found if any(fnmatch.fnmatch(p.name, pat) for pat in patterns)]
    if not found:
        wanted = f" matching {', '.join(patterns)}" if patterns else ""
        raise TutorialError(f"No notebooks named NN_*.ipynb{wanted} in {directory}.")
    return found


# --- the sandbox --------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_sandbox(
    home: Path, *, clock_file: Path | None = None, timeout_s: float = SANDBOX_START_TIMEOUT_S
) -> Iterator[str]:
    """Start a sandbox that keeps nothing on disk; yield its URL; stop it.

    Its home (credentials, log) is `home`; its output goes to ``home/sandbox-run.log``, which
    the error names if it does not start. It is stopped on the way out, whatever happened.

    :param clock_file: the virtual clock's file (``--clock-file``; see ``headless_clock``).
    """
    from cognito_tutorial.sandbox import SandboxError, spawn

    try:
        sandbox = spawn(
            fresh=True,
            clock_file=clock_file,
            # A safety net: if this process is killed before it can stop the sandbox, it
            # stops itself.
            idle_timeout_s=SANDBOX_IDLE_TIMEOUT_S,
            log_path=home / "sandbox-run.log",
            env=dict(os.environ, COGNITO_TUTORIAL_HOME=str(home)),
            timeout_s=timeout_s,
        )
    except SandboxError as error:
        raise TutorialError(
            "The local sandbox did not start.",
            str(error),
            "Run `python -m cognito_tutorial sandbox --fresh` to see the error.",
            way_on="fix_setup",
        ) from error
    try:
        yield sandbox.url
    finally:
        sandbox.stop()


@contextlib.contextmanager
def _environment(**values: str | None) -> Iterator[None]:
    """Set (or, for None, remove) environment variables, and restore them afterwards.

    papermill starts each kernel with this process's environment, so this is how the kernels
    learn the sandbox's URL and the temporary home.
    """
    saved = {name: os.environ.get(name) for name in values}
    try:
        _set_environment(values)
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Send this process's file descriptor 2 (which kernels inherit) to ``path``.

    Kernels write start-up warnings there; a failure message points at the file instead of
    mixing them into the progress lines.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with path.open("ab") as target:
            os.dup2(target.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


# --- one notebook -------------------------------------------------------------------------


def describe_failure(error: BaseException, notebook: Any | None) -> str:
    """One line naming the failing cell and the error, from papermill's exception.

    Cells are counted from 1 over the whole source notebook (Markdown included), as
    JupyterLab's "Go to cell" does; papermill's injected parameters cell is not counted.
    """
    from papermill.exceptions import PapermillExecutionError

    if not isinstance(error, PapermillExecutionError):
        # A timeout or a dead kernel. nbclient's timeout message previews the cell between
        # dashed lines; its first line is enough to find the cell.
        text = str(error).strip()
        first_line = text.splitlines()[0] if text else ""
        preview = re.search(r"^-{3,}\n(.+)$", text, re.MULTILINE)
        where = f" (the cell starting {preview.group(1).strip()!r})" if preview else ""
        return f"{type(error).__name__}: {first_line}{where}"
    index = error.cell_index
    if notebook is not None:
        # cell_index counts the cells as executed: with the injected cell, before papermill
        # added its error banners to the saved notebook.
        executed = [
            cell
            for cell in notebook.cells
            if "papermill-error-cell-tag" not in cell.metadata.get("tags", [])
        ]
        index -= sum(
            1
            for cell in executed[: error.cell_index]
            if "injected-parameters" in cell.metadata.get("tags", [])
        )
    first_line = next((line for line in error.source.splitlines() if line.strip()), "")
    if len(first_line) > 60:
        first_line = first_line[:57] + "..."
    return f"cell {index + 1} ({first_line!r}): {error.ename}: {error.evalue}"


def run_notebook(
    source: Path,
    output: Path,
    *,
    parameters: dict[str, Any],
    log: Path,
    cell_timeout_s: int = CELL_TIMEOUT_S,
) -> NotebookResult:
    """Execute one notebook with papermill and say how it went (never raises for a cell error).

    papermill writes the executed notebook once, at the end, not after every cell (rewriting
    the 65-cell notebook 04 twice a cell took 0.4 s, as long as its cells), and the kernel is
    killed as soon as the last cell is done (ipykernel 7 sometimes takes 3.5 s to exit when
    asked).

    :param output: where papermill writes the executed notebook (also when a cell fails; not
        when a cell times out or the kernel dies, which the failure line names instead).
    :param log: file that receives the kernel's own stderr.
    """
    import nbformat
    import papermill

    started = time.monotonic()
    try:
        with _stderr_to(log):
            papermill.execute_notebook(
                str(source),
                str(output),
                parameters=parameters,
                cwd=str(source.parent),
                progress_bar=False,
                log_output=False,
                execution_timeout=cell_timeout_s,
                request_save_on_cell_execute=False,
                shutdown_kernel="immediate",
            )
    except Exception as error:  # a failed cell, a dead kernel, a timeout: reported, not raised
        executed = nbformat.read(output, as_version=4) if output.exists() else None
        return NotebookResult(
            source.name,
            FAILED,
            time.monotonic() - started,
            failure=describe_failure(error, executed),
            output=output if output.exists() else None,
        )
    return NotebookResult(source.name, PASSED, time.monotonic() - started, output=output)


# --- committing -------------------------------------------------------------------------------

_NOISE_TAGS = {"injected-parameters", "papermill-error-cell-tag"}


def clean_for_commit(notebook: Any) -> Any:
    """Strip what a headless run adds but a learner never needs, in place; returns it.

    Drops papermill's injected-parameters cell (the committed notebook keeps the learner's
    defaults), papermill's and nbclient's per-cell metadata (timings, status), empty tag
    lists and ``metadata.widgets`` (saved widget state), and numbers the executed cells
    1, 2, 3... so that a re-run changes only what the learner sees.
    """
    notebook.cells = [
        cell for cell in notebook.cells if not _NOISE_TAGS & set(cell.metadata.get("tags", []))
    ]
    notebook.metadata.pop("papermill", None)
    notebook.metadata.pop("widgets", None)
    count = 0
    for cell in notebook.cells:
        for key in ("papermill", "execution", "widgets"):
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
        if cell.cell_type != "code":
            continue
        if cell.get("execution_count") is None:
            continue
        count += 1
        cell.execution_count = count
        for output in cell.outputs:
            if output.get("output_type") == "execute_result":
                output.execution_count = count
    return notebook


def _write_clean(executed: Path, target: Path) -> None:
    import nbformat

    notebook = clean_for_commit(nbformat.read(executed, as_version=4))
    tmp = target.with_suffix(".ipynb.tmp")
    nbformat.write(notebook, tmp)
    os.replace(tmp, target)


# --- the whole run ------------------------------------------------------------------------


def run_notebooks(
    notebooks: Sequence[Path],
    *,
    out_dir: Path | None = None,
    in_place: bool = False,
    backend: str = "local",
    region: str | None = None,
    cell_timeout_s: int = CELL_TIMEOUT_S,
    progress: Progress = print,
) -> list[NotebookResult]:
    """Run ``notebooks`` in order, each in a new kernel, against one fresh sandbox.

    Every notebook runs even if an earlier one failed (later ones may then fail too: the
    table shows the first failure first).

    :param out_dir: where executed notebooks go; with ``in_place``, the sources are replaced
        instead (only for notebooks that passed) and ``out_dir`` must be their folder or None.
    :param backend: ``"local"`` (a fresh sandbox is started) or ``"aws"`` (your credentials;
        the tutorial's resources are recorded in the temporary home and not reused).
    :param progress: receives one line as each notebook starts and one as it ends.
    :returns: one result per notebook, in order.
    """
    if not notebooks:
        return []
    if in_place and out_dir is not None:
        folders = {p.parent.resolve() for p in notebooks}
        if folders != {out_dir.resolve()}:
            raise TutorialError(
                f"Run in place, the notebooks are written back where they are, not to {out_dir}.",
                todo="Pass no out_dir, or the notebooks' own folder.",
            )
    parameters: dict[str, Any] = {"backend": backend, "interactive": False}
    if region:
        parameters["region"] = region
    with tempfile.TemporaryDirectory(prefix="cognito-tutorial-run-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir(mode=0o700)
        executed_dir = Path(tmp) / "executed"
        executed_dir.mkdir()
        if out_dir is not None and not in_place:
            out_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.ExitStack() as stack:
            # Kernels read IPython's start-up files from here, not from the learner's profile.
            ipython_dir = Path(tmp) / "ipython"
            ipython_dir.mkdir()
            endpoint = None
            if backend == "local":
                clock_file = home / "virtual-clock"
                headless_clock.write_startup_file(ipython_dir, clock_file)
                endpoint = stack.enter_context(fresh_sandbox(home, clock_file=clock_file))
                progress(
                    f"Fresh sandbox at {endpoint} (stopped when the run ends); "
                    "TOTP waits take no time on its virtual clock."
                )
            stack.enter_context(
                _environment(
                    COGNITO_TUTORIAL_ENDPOINT=endpoint,
                    COGNITO_TUTORIAL_HOME=str(home),
                    COGNITO_TUTORIAL_BACKEND=None,
                    # A room's key is not the fresh sandbox's: kernels sign with the home's.
                    COGNITO_TUTORIAL_ACCESS_KEY_ID=None,
                    COGNITO_TUTORIAL_SECRET_ACCESS_KEY=None,
                    IPYTHONDIR=str(ipython_dir),
                )
            )
            return [
                _run_one(
                    source,
                    position,
                    len(notebooks),
                    executed_dir=executed_dir,
                    out_dir=out_dir,
                    in_place=in_place,
                    parameters=parameters,
                    cell_timeout_s=cell_timeout_s,
                    progress=progress,
                )
                for position, source in enumerate(notebooks, 1)
            ]


def _run_one(
    source: Path,
    position: int,
    total: int,
    *,
    executed_dir: Path,
    out_dir: Path | None,
    in_place: bool,
    parameters: dict[str, Any],
    cell_timeout_s: int,
    progress: Progress,
) -> NotebookResult:
    width = len(str(total))
    progress(f"[{position:>{width}}/{total}] {source.name} ...")
    executed = executed_dir / source.name
    log = executed_dir / f"{source.stem}.kernel.log"
    result = run_notebook(
        source, executed, parameters=parameters, log=log, cell_timeout_s=cell_timeout_s
    )
    kept = _keep(result, source, executed, out_dir=out_dir, in_place=in_place)
    result = NotebookResult(result.name, result.status, result.seconds, result.failure, kept)
    if result.passed:
        progress(f"[{position:>{width}}/{total}] {source.name} passed in {result.seconds:.1f} s")
    else:
        progress(f"[{position:>{width}}/{total}] {source.name} FAILED at {result.failure}")
    return result


def _keep(
    result: NotebookResult, source: Path, executed: Path, *, out_dir: Path | None, in_place: bool
) -> Path | None:
    """Move the executed notebook where the caller wants it; returns where it is now."""
    if not executed.exists():
        return None
    if in_place:
        if result.passed:
            _write_clean(executed, source)
            return source
        # Never overwrite a committed notebook with a broken run; keep the run for reading.
        failed_copy = Path(tempfile.gettempdir()) / f"{source.stem}.failed.ipynb"
        os.replace(executed, failed_copy)
        return failed_copy
    if out_dir is None:
        return None
    target = out_dir / source.name
    os.replace(executed, target)
    return target


def format_table(results: Sequence[NotebookResult]) -> str:
    """A plain-text table: notebook, status, seconds; then one line per failure."""
    rows = [("notebook", "status", "seconds")]
    rows += [(r.name, r.status, f"{r.seconds:.1f}") for r in results]
    rows.append(("total", "", f"{sum(r.seconds for r in results):.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]

    def line(row: tuple[str, str, str]) -> str:
        return f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}"

    lines = [line(rows[0]), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in rows[1:-1]]
    lines += ["  ".join("-" * w for w in widths), line(rows[-1])]
    for result in results:
        if not result.passed:
            lines.append(f"\n{result.name} failed at {result.failure}")
            if result.output:
                lines.append(f"  executed notebook, with the error: {result.output}")
    return "\n".join(lines)
