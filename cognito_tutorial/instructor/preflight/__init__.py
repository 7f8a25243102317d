"""Pre-flight checks: is this machine (and, if asked, this AWS account) ready for the tutorial?

Each check returns :class:`Check` rows: a name, a status and one line of detail that says what
was found and, when something is wrong, how to fix it. ``python -m cognito_tutorial check``
prints them as a table; a notebook can call the same functions. The checks, by what they look
at:

- ``environment``: Python and the installed packages (against ``requirements``, the pins),
  the notebook kernel and the widgets in JupyterLab (``jupyterlab``), this machine's clock;
- ``sandbox_drill``: the local sandbox answers, and a complete TOTP MFA sign-in passes on it;
- ``aws_account``: credentials, account, region, clock and a read-only permission probe.
"""

from __future__ import annotations

from dataclasses import dataclass

OK, INFO, WARN, FAIL, SKIP = "ok", "info", "warn", "fail", "skip"
STATUSES = (OK, INFO, WARN, FAIL, SKIP)


@dataclass(frozen=True)
class Check:
    """One row of the pre-flight table.

    :param name: what was checked, e.g. ``"Python"``.
    :param status: one of :data:`STATUSES`; only ``fail`` makes the check command fail.
    :param detail: what was found, and how to fix it when it is not ``ok``.
    """

    name: str
    status: str
    detail: str
