"""``backoffice realize``: one realization run under the realize lock, with progress.

Shared by the command line and the scheduler. Progress is a bar on a
terminal and a log line every so many events otherwise.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable

from tqdm import tqdm

from ats.reader import AtsReader
from backoffice.clock import utc_now
from backoffice.errors import NeedsUserAction
from backoffice.locks import hold_lock
from backoffice.runtime import Runtime
from billing.realization.run import RealizationRun, RealizationSummary

logger = logging.getLogger(__name__)

LOG_EVERY = 50_000


def realize_fees(runtime: Runtime, as_of: dt.date, *, wait_seconds: float) -> RealizationSummary:
    """Run realization once; raises ``NeedsUserAction`` if the ATS is incomplete or busy."""
    reader = AtsReader(runtime.ats_engine)
    missing = reader.missing_tables()
    if missing:
        raise NeedsUserAction(
            "ats_incomplete",
            f"The ATS database lacks the tables {', '.join(missing)}.",
            "Point BACKOFFICE_ATS_DATABASE_URL at the ATS database (see ats_schema.sql).",
        )
    with (
        hold_lock(runtime.engine, "realize", wait_seconds=wait_seconds) as lock,
        _progress() as tick,
    ):
        run = RealizationRun(
            runtime.engine,
            reader,
            as_of=as_of,
            now=utc_now(),
            progress=tick,
            heartbeat=lock.heartbeat,
        )
        summary = run.run()
    logger.info("realize finished: %s", summary.as_dict())
    for warning in summary.warnings:
        logger.warning("realize: %s", warning)
    return summary


class _progress:
    """A tqdm bar on a terminal; periodic log lines otherwise."""

    def __enter__(self) -> Callable[[int], None]:
        self.bar = tqdm(unit=" events", disable=not sys.stderr.isatty())
        self.done = 0
        self.logged = 0
        return self.tick

    def tick(self, events: int) -> None:
        self.bar.update(events)
        self.done += events
        if self.bar.disable and self.done - self.logged >= LOG_EVERY:
            logger.info("realize: %d events evaluated so far", self.done)
            self.logged = self.done

    def __exit__(self, *_exc: object) -> None:
        self.bar.close()
