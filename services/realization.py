"""Realizing fees: one run under the realize lock, and what it left blocked.

Shared by the command line and the scheduler. A run reports what it did to
the events it evaluated; the events still blocked are counted afterwards
from the stored list, because an incremental run does not evaluate (and so
does not count) events that were blocked before and did not change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from ats.reader import PLACEMENTS, SERVICE_FEES, TIMECARDS, AtsReader
from backoffice.clock import utc_now
from backoffice.locks import hold_lock
from backoffice.runtime import Runtime
from billing.realization.run import RealizationRun
from services.ats_access import complete_ats
from services.fees import count_blocked


class RealizeProgress(Protocol):
    """Where a run reports how far it is, for a progress bar or log lines."""

    def started(self, total: int | None) -> None:
        """The run begins; ``total`` ATS rows will be evaluated (None: not known ahead)."""

    def advanced(self, rows: int) -> None:
        """``rows`` more ATS rows were evaluated and written."""


class _Silent:
    def started(self, total: int | None) -> None:
        """Nobody is watching."""

    def advanced(self, rows: int) -> None:
        """Nobody is watching."""


@dataclass(frozen=True)
class RealizeResult:
    """What one run did, and what is left for a person to fix.

    ``counts`` has the contract's summary keys first (``new``, ``changed``,
    ``cancelled``, ``blocked``, ``unchanged``), then the others; ``blocked``
    counts the events this run evaluated and blocked, ``still_blocked`` every
    event blocked after the run, evaluated now or before.
    """

    counts: dict[str, int]
    full_pass: bool
    still_blocked: int
    warnings: tuple[str, ...]


def realize(
    runtime: Runtime,
    as_of: dt.date,
    *,
    wait_seconds: float,
    progress: RealizeProgress | None = None,
) -> RealizeResult:
    """Bring realized fees up to date with the ATS (incremental, idempotent).

    Raises ``NeedsUserAction`` when the ATS lacks tables or another run holds
    the lock for longer than ``wait_seconds``.
    """
    reader = complete_ats(runtime)
    watcher = progress or _Silent()
    with hold_lock(runtime.engine, "realize", wait_seconds=wait_seconds) as lock:
        run = RealizationRun(
            runtime.engine,
            reader,
            as_of=as_of,
            now=utc_now(),
            progress=watcher.advanced,
            heartbeat=lock.heartbeat,
        )
        watcher.started(_rows_in_ats(reader) if run.will_read_everything() else None)
        summary = run.run()
    return RealizeResult(
        counts=summary.as_dict(),
        full_pass=summary.full,
        still_blocked=count_blocked(runtime),
        warnings=tuple(summary.warnings),
    )


def _rows_in_ats(reader: AtsReader) -> int:
    """The events a full pass evaluates: every placement, time card and service fee."""
    return sum(reader.count(source) for source in (PLACEMENTS, TIMECARDS, SERVICE_FEES))
