"""Which notebook cell is running, and the section it sits in: so a message can name a cell.

"Run the sign-in cell again" leaves a learner hunting; "run the cells of *1. Signing in on the
server* again" does not. JupyterLab sends each cell's id with the request that runs it (the
``cellId`` of the request's metadata), and tells the kernel which notebook it serves
(``JPY_SESSION_NAME``); the saved notebook then gives the heading above that cell. Outside
JupyterLab (a script, papermill) there is no cell id, and callers fall back to plainer words.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)


def current_cell_id() -> str | None:
    """The id of the notebook cell being run in this kernel, or None outside one."""
    shell = _shell()
    parent = getattr(shell, "parent_header", None) if shell is not None else None
    if not isinstance(parent, dict):
        return None
    metadata = parent.get("metadata")
    cell_id = metadata.get("cellId") if isinstance(metadata, dict) else None
    return cell_id if isinstance(cell_id, str) and cell_id else None


def notebook_path() -> Path | None:
    """The notebook this kernel serves, as JupyterLab names it (None when it does not)."""
    shell = _shell()
    named = (shell.user_ns.get("__session__") if shell is not None else None) or os.environ.get(
        "JPY_SESSION_NAME"
    )
    if not isinstance(named, str) or not named.endswith(".ipynb"):
        return None
    return Path(named)


def section_of(cell_id: str | None, notebook: Path | None = None) -> str | None:
    """The text of the nearest ``##``-or-deeper heading above cell ``cell_id``, or None.

    Reads the notebook as last saved (JupyterLab saves before a learner could have moved the
    cell far); a notebook that cannot be read, or a cell it does not hold, gives None.

    :param notebook: the ``.ipynb`` file; default: the one this kernel serves.
    """
    path = notebook or notebook_path()
    if not cell_id or path is None:
        return None
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    heading = None
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        if cell.get("id") == cell_id:
            return heading
        if cell.get("cell_type") == "markdown":
            heading = _last_section_heading(_source(cell)) or heading
    return None


def _last_section_heading(markdown: str) -> str | None:
    """The last heading of level 2 or deeper in ``markdown`` (the title, level 1, is no section)."""
    found = [text for hashes, text in HEADING.findall(markdown) if len(hashes) >= 2]
    return found[-1] if found else None


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _shell() -> Any:
    import sys

    if "IPython" not in sys.modules:  # nothing to ask outside IPython, and no import to pay
        return None
    from IPython import get_ipython

    return get_ipython()
