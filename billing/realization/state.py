"""What realization remembers between runs: high-water marks, catalog, as-of date.

Each value is written in the same transaction as the page of fees it
describes, so after a crash the next run resumes exactly where the last
committed page left off (minus the reader's look-back).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import String, Text, delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from ats.records import Defect
from backoffice.storage import Base

CATALOG_FINGERPRINT = "catalog_fingerprint"
AS_OF = "as_of"


class RealizationState(Base):
    """One remembered value of the realization runs, by name."""

    __tablename__ = "realization_state"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def cursor_name(source: str) -> str:
    """The state name of a source table's high-water mark."""
    return f"cursor:{source}"


def boundary_name(source: str) -> str:
    """The state name of the rows a source's last read saw inside its look-back window."""
    return f"seen:{source}"


def read_state(connection: Connection) -> dict[str, str]:
    """Every remembered value."""
    rows = connection.execute(select(RealizationState.name, RealizationState.value))
    return {name: value for name, value in rows}


def write_state(connection: Connection, name: str, value: str) -> None:
    """Remember ``value`` under ``name`` (replacing what was there)."""
    connection.execute(delete(RealizationState).where(RealizationState.name == name))
    connection.execute(insert(RealizationState).values(name=name, value=value))


def parse_cursor(value: str | None) -> dt.datetime | None:
    """A stored high-water mark (None: never read)."""
    return dt.datetime.fromisoformat(value) if value else None


class VersionedRecord(Protocol):
    """An ATS record: a frozen dataclass with an id, an ``updated_at`` and its defects."""

    @property
    def id(self) -> int:
        """The row's id."""

    @property
    def updated_at(self) -> dt.datetime:
        """When the ATS last changed the row."""

    @property
    def defects(self) -> tuple[Defect, ...]:
        """Stored values that are no real date or time."""


def content_digest(record: VersionedRecord) -> str:
    """A short, stable digest of every value of a record.

    Python's ``hash`` changes between processes, so the digest is a SHA-256 of
    the record's ``repr`` (a dataclass's shows every field); equal rows give
    equal digests in every run.
    """
    return hashlib.sha256(repr(record).encode("utf-8")).hexdigest()[:16]


@dataclass
class Boundary:
    """Rows already evaluated inside the look-back window, by id, ``updated_at`` and content.

    The reader re-reads the look-back window on every run so that a row
    committed late is never skipped; a row whose id, ``updated_at`` and
    values all match one evaluated before has not changed and is skipped
    instead of evaluated again. The values count because an ATS that stamps
    whole seconds gives two changes of a row within one second the same
    ``updated_at``: by id and ``updated_at`` alone the second change would be
    taken for the first and never evaluated. Past ``LIMIT`` rows the boundary
    is not kept: the run then simply evaluates the window again, which is
    slower but still right.
    """

    lookback: dt.timedelta
    seen: dict[str, dt.datetime] = field(default_factory=dict)

    LIMIT = 5000

    @classmethod
    def load(cls, value: str | None, lookback: dt.timedelta) -> Boundary:
        """The boundary stored by the last run (empty if none)."""
        entries = json.loads(value) if value else []
        return cls(lookback, {key: _stamp_of(key) for key in entries})

    @staticmethod
    def _key(record: VersionedRecord) -> str:
        return f"{record.id}@{record.updated_at.isoformat()}#{content_digest(record)}"

    def has_seen(self, record: VersionedRecord) -> bool:
        """Whether this exact version of the row was evaluated before."""
        return bool(self.seen) and self._key(record) in self.seen

    def add_recent(self, records: Iterable[VersionedRecord], high_water: dt.datetime) -> None:
        """Remember the versions of ``records`` inside the window below ``high_water``.

        Older ones would only be dropped again by ``dumps``; leaving them out
        spares a digest per row of a full pass.
        """
        start = high_water - self.lookback
        for record in records:
            if record.updated_at >= start:
                self.seen[self._key(record)] = record.updated_at

    def dumps(self, high_water: dt.datetime) -> str:
        """The entries still inside the window below ``high_water``, for storing."""
        start = high_water - self.lookback
        self.seen = {k: v for k, v in self.seen.items() if v >= start}
        return json.dumps(sorted(self.seen)) if len(self.seen) <= self.LIMIT else "[]"


def _stamp_of(key: str) -> dt.datetime:
    """The ``updated_at`` of a stored entry ``id@updated_at#digest``."""
    return dt.datetime.fromisoformat(key.split("@", 1)[1].split("#", 1)[0])
