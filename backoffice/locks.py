"""A named run lock in the database, so two processes never run one job at once.

Works the same on SQLite, PostgreSQL and MariaDB: taking the lock inserts a
row whose primary key is the job's name, so only one insert can win. A lock
whose holder died (same host, process gone) or stopped renewing it is taken
over with a compare-and-set update, so a crash never blocks the job forever.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import DateTime, String, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.clock import utc_now
from backoffice.errors import FatalError, NeedsUserAction
from backoffice.storage import Base

logger = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=15)
POLL_SECONDS = 0.5


class JobLock(Base):
    """Who holds a job's lock, and since when they last showed life."""

    __tablename__ = "job_lock"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime)


def this_process() -> str:
    """``host:pid``, enough to tell whether a holder on this host is still alive."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _is_dead(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class RunLock:
    """The lock of one job, held by this process."""

    def __init__(self, engine: Engine, name: str, clock: Callable[[], dt.datetime] = utc_now):
        self.engine = engine
        self.name = name
        self.holder = this_process()
        self.clock = clock

    def try_acquire(self) -> str | None:
        """Take the lock; None when taken, else who holds it."""
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(JobLock).values(
                        name=self.name, holder=self.holder, heartbeat_at=self.clock()
                    )
                )
            return None
        except IntegrityError:
            return self._take_over_if_abandoned()

    def _take_over_if_abandoned(self) -> str | None:
        with self.engine.begin() as connection:
            row = connection.execute(select(JobLock).where(JobLock.name == self.name)).first()
            if row is None:
                return "(just released)"
            abandoned = _is_dead(row.holder) or self.clock() - row.heartbeat_at > STALE_AFTER
            if not abandoned:
                return f"{row.holder} since {row.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC"
            taken = connection.execute(
                update(JobLock)
                .where(JobLock.name == self.name, JobLock.holder == row.holder,
                       JobLock.heartbeat_at == row.heartbeat_at)
                .values(holder=self.holder, heartbeat_at=self.clock())
            )  # fmt: skip
        if taken.rowcount != 1:
            return "(taken over by another process)"
        logger.warning("took over the %s lock abandoned by %s", self.name, row.holder)
        return None

    def heartbeat(self) -> None:
        """Show the lock is still in use (long runs call this between pages).

        Raises ``FatalError`` if another process took the lock over (this one
        stalled past ``STALE_AFTER``): going on would run two jobs at once.
        """
        with self.engine.begin() as connection:
            renewed = connection.execute(
                update(JobLock)
                .where(JobLock.name == self.name, JobLock.holder == self.holder)
                .values(heartbeat_at=self.clock())
            )
        if renewed.rowcount != 1:
            raise FatalError(
                f"the {self.name} lock was taken over by another process while this one stalled"
            )

    def release(self) -> None:
        """Give the lock up."""
        with self.engine.begin() as connection:
            connection.execute(
                delete(JobLock).where(JobLock.name == self.name, JobLock.holder == self.holder)
            )


def current_holders(engine: Engine) -> list[str]:
    """Each job lock held now, as "realize by host:pid since ...", for a busy database's message.

    Best effort: when even reading the locks fails (the database is locked
    for readers too), there is nothing to name.
    """
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(JobLock).order_by(JobLock.name)).all()
    except SQLAlchemyError:
        return []
    return [f"{row.name} by {row.holder} since {row.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC"
            for row in rows]  # fmt: skip


@contextmanager
def hold_lock(engine: Engine, name: str, *, wait_seconds: float) -> Iterator[RunLock]:
    """Hold the job's lock for the block, waiting up to ``wait_seconds`` for it."""
    lock = RunLock(engine, name)
    deadline = time.monotonic() + wait_seconds
    while (holder := lock.try_acquire()) is not None:
        if time.monotonic() >= deadline:
            raise NeedsUserAction(
                "job_running",
                f"Another {name} run holds the lock ({holder}).",
                f"Wait for it to finish, then run {name} again.",
            )
        time.sleep(POLL_SECONDS)
    try:
        yield lock
    finally:
        lock.release()
