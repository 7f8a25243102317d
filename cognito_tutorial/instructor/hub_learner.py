"""One rehearsal learner on a hub, doing what their browser would: log in, start a server, run
notebooks cell by cell.

Everything goes through the hub's public address, with the headers a browser sends
(``Sec-Fetch-Mode``, the ``_xsrf`` token): the hub's login form and spawn page, then the
learner's own JupyterLab server behind the proxy at ``/user/NAME/``: Jupyter Server's REST API
opens a notebook's session (its kernel), and the kernel's websocket carries the Jupyter messaging
protocol, one ``execute_request`` a cell. Nothing of the tutorial is imported here: the
notebooks run in the learner's kernel, as they would for a person.

A cell's time is measured from the request to the kernel's reply. The rehearsal subtracts the
time a cell waited in ``time.sleep`` (the headless code form waiting for the authenticator's next
30-second code, as a learner waits for their app): an IPython start-up file in the learner's home
(:data:`WAIT_COUNTER_STARTUP`) adds those seconds up, and each request reads the sum back
through ``user_expressions``.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import websocket

NAVIGATE = {"Sec-Fetch-Mode": "navigate"}
FETCH = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "same-origin"}
HTTP_TIMEOUT_S = 120
CELL_TIMEOUT_S = 300
SERVER_START_TIMEOUT_S = 300
SERVER_ATTEMPTS = 3
KERNEL_HUNG_S = 60
"""A kernel that has not answered by then is taken for hung (Jupyter Server's own
``kernel_info_timeout``); the learner shuts it down and opens the notebook again."""
KERNEL_ATTEMPTS = 3
RECONNECTS = 5
START_UP, LESSON = "start-up", "lesson"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

WAIT_COUNTER_STARTUP = """\
# The room rehearsal's one instrument (cognito_tutorial/instructor/hub_learner.py): the seconds
# this kernel's cells spend in time.sleep, i.e. waiting for an authenticator's next code.
def _count_waits():
    import threading
    import time

    real_sleep = time.sleep

    def sleep(seconds):
        started = time.monotonic()
        try:
            real_sleep(seconds)
        finally:
            if threading.current_thread() is threading.main_thread():
                sleep.waited_s += time.monotonic() - started

    sleep.waited_s = 0.0
    time.sleep = sleep


_count_waits()
del _count_waits
"""
WAIT_COUNTER_FILE = Path(".ipython/profile_default/startup/00-rehearsal-wait-counter.py")
WAITED_EXPRESSION = "getattr(__import__('time').sleep, 'waited_s', 0.0)"


@dataclass(frozen=True)
class CellToRun:
    """A code cell as the learner runs it: its step name (``"02 cell 22"``) and its code."""

    step: str
    code: str
    kind: str = LESSON

    @property
    def first_line(self) -> str:
        line = next((line for line in self.code.splitlines() if line.strip()), "")
        return line if len(line) <= 70 else line[:67] + "..."


@dataclass(frozen=True)
class Step:
    """One timed thing a learner did.

    :param seconds: wall time, request to reply.
    :param waited_s: of which, waiting for the authenticator's next code (not the machine's).
    :param kind: ``start-up`` (done once: logging in, a server or kernel starting, the first
        ``connect()``) or ``lesson`` (a notebook cell).
    """

    step: str
    seconds: float
    kind: str
    waited_s: float = 0.0
    source: str = ""

    @property
    def busy_s(self) -> float:
        return max(0.0, self.seconds - self.waited_s)


class StepFailed(Exception):
    """A step that did not complete; ``detail`` is the whole error (the cell and its
    traceback, or the body of an HTTP reply)."""

    def __init__(self, step: str, summary: str, detail: str = "") -> None:
        super().__init__(f"{step}: {summary}")
        self.step = step
        self.summary = summary
        self.detail = detail


class Stopped(Exception):
    """The rehearsal was interrupted while this learner was busy."""


class KernelHung(Exception):
    """A new kernel never answered. Seen at 20 learners on one machine: Jupyter picks a
    kernel's ports before the kernel binds them, another learner's process took one meanwhile,
    and the kernel, failing to bind, hung on its way out instead of exiting, so Jupyter Server
    never restarted it."""


def notebook_cells(path: Path, parameters: dict[str, Any]) -> list[CellToRun]:
    """The code cells of a notebook as a headless learner runs them, in order.

    papermill's own parameterisation injects the parameters cell after the cell tagged
    ``parameters``, as ``python -m cognito_tutorial run`` does. Cells are numbered from 1 over
    the whole notebook (Markdown too, as JupyterLab's "Go to cell" counts); the injected cell is
    not counted.
    """
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    notebook = parameterize_notebook(
        load_notebook_node(str(path)), parameters, kernel_name="python3", language="python"
    )
    prefix = path.name[:2]
    cells = []
    number = 0
    for cell in notebook.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cells.append(CellToRun(f"{prefix} injected parameters", cell.source))
            continue
        number += 1
        if cell.cell_type == "code" and cell.source.strip():
            cells.append(CellToRun(f"{prefix} cell {number}", cell.source))
    return cells


@dataclass
class HubLearner:
    """A learner's browser: one HTTP session (cookies) with the hub and the learner's server.

    :param stop: set when the rehearsal is interrupted; waits give up at once.
    """

    hub_url: str
    name: str
    password: str
    stop: threading.Event = field(default_factory=threading.Event)
    http: requests.Session = field(default_factory=requests.Session)
    server_retries: int = 0

    @property
    def server_url(self) -> str:
        return f"{self.hub_url}/user/{self.name}"

    def _xsrf(self, path: str) -> str:
        return self.http.cookies.get("_xsrf", path=path) or ""

    def _check(self, step: str, reply: requests.Response, expected: tuple[int, ...]) -> None:
        if reply.status_code not in expected:
            raise StepFailed(
                step,
                f"HTTP {reply.status_code} from {reply.request.method} {reply.url}",
                reply.text[:2000],
            )

    def log_in(self) -> Step:
        """Fill in the hub's login form (user name, the room's shared password)."""
        started = time.monotonic()
        reply = self.http.get(f"{self.hub_url}/hub/login", headers=NAVIGATE, timeout=HTTP_TIMEOUT_S)
        self._check("log in", reply, (200,))
        reply = self.http.post(
            f"{self.hub_url}/hub/login?next=",
            data={"username": self.name, "password": self.password, "_xsrf": self._xsrf("/hub/")},
            headers=NAVIGATE,
            allow_redirects=False,
            timeout=HTTP_TIMEOUT_S,
        )
        self._check("log in", reply, (302,))
        return Step("log in", time.monotonic() - started, START_UP)

    def start_server(self, timeout_s: float = SERVER_START_TIMEOUT_S) -> Step:
        """Open the spawn page, wait as its progress page does, then load JupyterLab (which
        signs the learner in to their server through the hub's OAuth).

        When the hub gives up on a start, the learner presses "Start My Server" again, up to
        :data:`SERVER_ATTEMPTS` times; ``server_retries`` counts those. Seen at 20 learners:
        the hub picks a server's port before the server binds it, another learner's kernel
        took it meanwhile, and the hub waited on that port until its ``http_timeout``.
        """
        started = time.monotonic()
        for attempt in range(SERVER_ATTEMPTS):
            self.server_retries = attempt
            reply = self.http.get(
                f"{self.hub_url}/hub/spawn",
                headers=NAVIGATE,
                allow_redirects=False,
                timeout=HTTP_TIMEOUT_S,
            )
            if reply.status_code != 302:  # the hub's error page: the start failed at once
                continue
            deadline = time.monotonic() + timeout_s
            while (state := self._server_state()) == "pending":
                if time.monotonic() > deadline:
                    raise StepFailed("server start", f"not ready after {timeout_s:.0f} s")
                if self.stop.wait(0.25):
                    raise Stopped()
            if state == "ready":
                reply = self.http.get(
                    f"{self.server_url}/lab", headers=NAVIGATE, timeout=HTTP_TIMEOUT_S
                )
                self._check("server start", reply, (200,))
                return Step("server start", time.monotonic() - started, START_UP)
        raise StepFailed("server start", f"the hub failed to start it {SERVER_ATTEMPTS} times")

    def _server_state(self) -> str:
        """``ready``, ``pending``, or ``failed`` (the hub stopped trying), from the hub's API."""
        reply = self.http.get(
            f"{self.hub_url}/hub/api/users/{self.name}",
            headers={**FETCH, "X-XSRFToken": self._xsrf("/hub/")},
            timeout=HTTP_TIMEOUT_S,
        )
        self._check("server start", reply, (200,))
        user = reply.json()
        server = user.get("servers", {}).get("", {})
        if server.get("ready"):
            return "ready"
        return "pending" if user.get("pending") or server else "failed"

    def open_notebook(self, path: str) -> tuple[Kernel, Step]:
        """Open a notebook's session, as JupyterLab does when the learner opens it: a kernel,
        ready once it answers on its websocket.

        A kernel that never answers (:class:`KernelHung`) is shut down and the notebook opened
        again, as a learner would after a minute of "Connecting"; ``Kernel.replaced`` counts
        those.
        """
        step = f"{Path(path).name[:2]} kernel start"
        started = time.monotonic()
        for replaced in range(KERNEL_ATTEMPTS):
            session = self._api(
                step,
                "POST",
                "sessions",
                (201,),
                json={
                    "path": path,
                    "name": Path(path).name,
                    "type": "notebook",
                    "kernel": {"name": "python3"},
                },
            )
            kernel = Kernel(self, session["kernel"]["id"], replaced=replaced)
            try:
                kernel.connect(step)
            except KernelHung:
                kernel.close()
                self._api(step, "DELETE", f"sessions/{session['id']}", (204,))
                continue
            return kernel, Step(step, time.monotonic() - started, START_UP)
        raise StepFailed(step, f"{KERNEL_ATTEMPTS} kernels in a row never answered")

    def _api(
        self, step: str, method: str, path: str, expected: tuple[int, ...], **kwargs: Any
    ) -> Any:
        """A call to the learner's server's REST API, as JupyterLab makes it (xsrf header)."""
        reply = self.http.request(
            method,
            f"{self.server_url}/api/{path}",
            headers={**FETCH, "X-XSRFToken": self._xsrf(f"/user/{self.name}/")},
            timeout=HTTP_TIMEOUT_S,
            **kwargs,
        )
        self._check(step, reply, expected)
        return reply.json() if reply.content else None

    def cookie_header(self, url: str) -> str:
        prepared = self.http.prepare_request(requests.Request("GET", url))
        return prepared.headers.get("Cookie", "")


class Kernel:
    """A notebook's kernel, reached over its websocket (``/api/kernels/ID/channels``).

    Like JupyterLab, it reconnects when the websocket drops (up to :data:`RECONNECTS` times),
    with the same session id, so Jupyter Server replays what it buffered meanwhile; the
    rehearsal counts the reconnections rather than hiding them.
    """

    def __init__(self, learner: HubLearner, kernel_id: str, *, replaced: int = 0) -> None:
        self.learner = learner
        self.kernel_id = kernel_id
        self.session_id = uuid.uuid4().hex
        self.socket: websocket.WebSocket | None = None
        self.waited_s = 0.0
        self.reconnects = 0
        self.replaced = replaced
        """How many hung kernels this notebook had before this one."""

    def _open(self, step: str) -> None:
        learner = self.learner
        path = f"/user/{learner.name}/api/kernels/{self.kernel_id}/channels"
        url = learner.hub_url.replace("http://", "ws://", 1) + path
        try:
            self.socket = websocket.create_connection(
                f"{url}?session_id={self.session_id}",
                header={
                    "Cookie": learner.cookie_header(learner.hub_url + path),
                    "Sec-Fetch-Mode": "websocket",
                },
                origin=learner.hub_url,
                # Jupyter Server answers the handshake once the kernel has started.
                timeout=KERNEL_HUNG_S,
            )
        except websocket.WebSocketTimeoutException as error:
            raise KernelHung() from error
        except (OSError, websocket.WebSocketException) as error:
            raise StepFailed(step, f"the kernel's websocket did not open: {error}") from error
        self.socket.settimeout(1)  # short reads, so a stopped rehearsal is noticed at once

    def _reopen(self, step: str, why: str) -> None:
        if self.reconnects >= RECONNECTS:
            raise StepFailed(
                step, f"the kernel's websocket closed ({why}), also after {RECONNECTS} reconnects"
            )
        self.reconnects += 1
        self.close()
        self._open(step)

    def connect(self, step: str) -> None:
        """Open the websocket and wait for the kernel's first ``kernel_info_reply``.

        :raises KernelHung: no answer within :data:`KERNEL_HUNG_S`.
        """
        deadline = time.monotonic() + KERNEL_HUNG_S
        self._open(step)
        # A kernel answers once it is up; JupyterLab asks the same way, again if need be.
        while True:
            try:
                self._request(step, "kernel_info_request", {}, timeout_s=5)
                return
            except StepFailed as error:
                if time.monotonic() > deadline:
                    raise KernelHung() from error

    def run(self, cell: CellToRun, timeout_s: float = CELL_TIMEOUT_S) -> Step:
        """Execute one cell; a Step if it ran, :class:`StepFailed` (the traceback in full) if
        it raised or did not finish in ``timeout_s``."""
        started = time.monotonic()
        reply = self._request(
            cell.step,
            "execute_request",
            {
                "code": cell.code,
                "silent": False,
                "store_history": True,
                "user_expressions": {"waited": WAITED_EXPRESSION},
                "allow_stdin": False,
                "stop_on_error": True,
            },
            timeout_s=timeout_s,
        )
        seconds = time.monotonic() - started
        if reply["status"] != "ok":
            traceback = ANSI.sub("", "\n".join(reply.get("traceback", [])))
            raise StepFailed(
                cell.step,
                f"{reply.get('ename', reply['status'])}: {reply.get('evalue', '')}",
                f"{cell.code}\n\n{traceback}",
            )
        waited = reply.get("user_expressions", {}).get("waited", {})
        total = float(waited.get("data", {}).get("text/plain", self.waited_s))
        step = Step(cell.step, seconds, cell.kind, total - self.waited_s, cell.first_line)
        self.waited_s = total
        return step

    def _request(
        self, step: str, msg_type: str, content: dict[str, Any], *, timeout_s: float
    ) -> dict[str, Any]:
        """Send a shell request; return its reply's content once the kernel is idle again.

        :raises StepFailed: no reply in ``timeout_s``, or the kernel died or restarted (which
            Jupyter Server announces with a status message of its own).
        """
        msg_id = uuid.uuid4().hex
        message = json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": msg_type,
                    "username": self.learner.name,
                    "session": self.session_id,
                    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "version": "5.3",
                },
                "parent_header": {},
                "metadata": {},
                "content": content,
                "channel": "shell",
                "buffers": [],
            }
        )
        while True:  # a request that could not be sent was not received: send it again
            try:
                self.socket.send(message)
                break
            except (OSError, websocket.WebSocketException) as error:
                self._reopen(step, str(error))
        reply, idle = None, False
        deadline = time.monotonic() + timeout_s
        while reply is None or not idle:
            if self.learner.stop.is_set():
                raise Stopped()
            if time.monotonic() > deadline:
                raise StepFailed(step, f"no reply within {timeout_s:.0f} s")
            try:
                received = self.socket.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (OSError, websocket.WebSocketException) as error:
                self._reopen(step, str(error))  # the server replays what it buffered
                continue
            if not received:  # the server's close frame
                self._reopen(step, "closed by the server")
                continue
            received = json.loads(received)
            kind = received["header"]["msg_type"]
            if kind == "status" and not received.get("parent_header"):
                state = received["content"]["execution_state"]  # from Jupyter Server itself
                if state in ("restarting", "dead"):
                    raise StepFailed(step, f"the kernel died (Jupyter Server: {state})")
            if received.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if kind.endswith("_reply"):
                reply = received["content"]
            elif kind == "status" and received["content"]["execution_state"] == "idle":
                idle = True
        return reply

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
