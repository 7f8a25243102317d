"""A cell that waits for a form, as the kernel sees it: the one touch of ipykernel's internals.

Two things a learner meets while a form's cell awaits its answer need the kernel's help:

- **Running the cell again.** JupyterLab sends a new request for the same cell, clears its
  output and shows only what the new request brings; the kernel would queue that request
  behind the waiting cell, so the new form would never appear. Here the new request is held
  back and :attr:`WaitingCell.replaced` set; the old wait ends with an error (which makes the
  kernel drop what Run All queued after it); then the held request is sent on, behind the
  kernel's own "stop dropping" marker, so it runs and shows the new form.
- **The kernel's status.** JupyterLab creates a kernel subshell for widget messages once the
  first widget appears, and handles them there; the kernel reports "idle" after each of
  those, and the status bar then reads Idle while the cell still waits. So the waiting cell
  is reported busy again after each message a subshell handled, and once a second while it
  waits (a subshell's creation is answered on the control channel, out of this module's sight).

ipykernel offers no public API for either, so this module wraps the main shell's receive
callback (``SubshellManager.set_on_recv_callback``) and sends what the kernel's own code
sends (``Kernel._publish_status``, and the shell channel's socket to the main shell, as
``Kernel._post_dummy_stop_aborting_message`` does). ``tests/test_waiting_cell.py`` runs a real
kernel and names what an ipykernel upgrade broke. Anywhere else (no kernel, an ipykernel
without subshells) the waiting cell is never replaced, and nothing else changes.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

from cognito_tutorial import notebook_cells

__all__ = ["WaitingCell", "waiting_cell"]

log = logging.getLogger(__name__)


class WaitingCell:
    """The cell running now, while it waits for a form.

    :attr replaced: set when the learner runs this same cell again.
    :attr cell_id: the notebook's id of the cell (None outside JupyterLab).
    """

    def __init__(self, cell_id: str | None, watch: _KernelWatch | None = None):
        self.cell_id = cell_id
        self.replaced = threading.Event()
        self._watch = watch
        # The request that runs the cell: the busy status names it as its parent.
        self.parent = watch.kernel.get_parent("shell") if watch is not None else None
        self._said_busy_at = -math.inf

    def keep_busy(self) -> None:
        """Report the kernel busy with this cell, at most once a second (call it often)."""
        now = time.monotonic()
        if self._watch is None or now - self._said_busy_at < 1.0:
            return
        self._said_busy_at = now
        self._watch.say_busy(self)


@contextlib.contextmanager
def waiting_cell() -> Iterator[WaitingCell]:
    """The running cell, watched for a re-run while the block waits for a form."""
    watch = _watch_for_this_kernel()
    if watch is None:
        yield WaitingCell(notebook_cells.current_cell_id())
        return
    cell = WaitingCell(notebook_cells.current_cell_id(), watch)
    watch.waiting = cell
    try:
        yield cell
    finally:
        watch.waiting = None


_WATCHES: weakref.WeakKeyDictionary[Any, _KernelWatch] = weakref.WeakKeyDictionary()


def _watch_for_this_kernel() -> _KernelWatch | None:
    """The kernel's watch, installed on first use; None outside a kernel that has subshells."""
    from IPython import get_ipython

    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None:
        return None
    watch = _WATCHES.get(kernel)
    if watch is None and threading.current_thread() is threading.main_thread():
        try:
            watch = _KernelWatch(kernel)
        except Exception:  # noqa: BLE001 - an ipykernel without these parts: forms still work
            log.warning("cannot watch this kernel for re-run cells", exc_info=True)
            return None
        _WATCHES[kernel] = watch
    return watch


class _KernelWatch:
    """What one kernel does for a waiting cell. Built on the main thread, from a cell."""

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.manager = kernel.shell_channel_thread.manager
        self.shell_main = kernel.shell_main
        self.waiting: WaitingCell | None = None
        self.held: list[bytes] | None = None
        for needed in ("_publish_status", "get_parent", "session", "io_loop"):
            if not hasattr(kernel, needed):
                raise AttributeError(f"ipykernel's Kernel has no {needed}")
        self.manager.get_shell_channel_to_subshell_socket  # noqa: B018 - fail now, not later
        self.manager.set_on_recv_callback(self.on_shell_message)
        kernel.shell.events.register("post_execute", self.after_cell)

    async def on_shell_message(self, subshell_id: str | None, msg: list[Any]) -> None:
        """Every shell message, main shell's and subshells', passes here first."""
        waiting = self.waiting
        if subshell_id is None and waiting is not None and self._runs(msg, waiting.cell_id):
            # The same cell, run again: keep the newest such request until the old run ends.
            self.held = [frame.bytes if hasattr(frame, "bytes") else bytes(frame) for frame in msg]
            waiting.replaced.set()
            return
        await self.shell_main(subshell_id, msg)
        waiting = self.waiting
        if subshell_id is not None and waiting is not None:
            # The subshell has just said "idle" for its message; the cell still runs.
            self.say_busy(waiting)

    def say_busy(self, cell: WaitingCell) -> None:
        """Report the kernel busy with ``cell``, as the kernel does when a cell starts."""
        if cell.parent:
            self.kernel._publish_status("busy", "shell", parent=cell.parent)

    def after_cell(self) -> None:
        """When a cell ends, send on the request that replaced it, if there is one.

        Sent from the main loop's next turn, after the kernel has replied to the old cell
        and, if that reply was an error, queued its marker that ends the dropping of queued
        requests: the held request then arrives after the marker, and runs.
        """
        if self.held is not None and self.waiting is None:
            self.kernel.io_loop.add_callback(self._send_held)

    def _send_held(self) -> None:
        frames, self.held = self.held, None
        if frames is None:
            return
        thread = self.kernel.shell_channel_thread

        def send() -> None:  # on the shell channel's thread, which owns that socket
            self.manager.get_shell_channel_to_subshell_socket(None).send_multipart(frames)

        thread.io_loop.add_callback(send)

    def _runs(self, msg: list[Any], cell_id: str | None) -> bool:
        """Whether ``msg`` is a request to run cell ``cell_id`` (read without its content,
        which leaves the session's replay check to the real reading)."""
        if not cell_id:
            return False
        try:
            _, frames = self.kernel.session.feed_identities(msg, copy=False)
            message = self.kernel.session.deserialize(frames, content=False, copy=False)
        except Exception:  # noqa: BLE001 - not ours to judge: the kernel reports bad messages
            return False
        metadata = message.get("metadata") or {}
        return (
            message["header"].get("msg_type") == "execute_request"
            and metadata.get("cellId") == cell_id
        )
