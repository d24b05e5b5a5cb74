"""What realization remembers between runs: high-water marks, catalog, as-of date.

Each value is written in the same transaction as the page of fees it
describes, so after a crash the next run resumes exactly where the last
committed page left off (minus the reader's look-back).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import String, Text, delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

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


@dataclass
class Boundary:
    """Rows already evaluated inside the look-back window, by id and ``updated_at``.

    The reader re-reads the look-back window on every run so that a row
    committed late is never skipped; a row whose id and ``updated_at`` both
    match one evaluated before has not changed and is skipped instead of
    evaluated again. Past ``LIMIT`` rows the boundary is not kept: the run
    then simply evaluates the window again, which is slower but still right.
    """

    lookback: dt.timedelta
    seen: dict[str, dt.datetime] = field(default_factory=dict)

    LIMIT = 5000

    @classmethod
    def load(cls, value: str | None, lookback: dt.timedelta) -> Boundary:
        """The boundary stored by the last run (empty if none)."""
        entries = json.loads(value) if value else []
        return cls(
            lookback, {key: dt.datetime.fromisoformat(key.split("@", 1)[1]) for key in entries}
        )

    @staticmethod
    def _key(row_id: int, updated_at: dt.datetime) -> str:
        return f"{row_id}@{updated_at.isoformat()}"

    def has_seen(self, row_id: int, updated_at: dt.datetime) -> bool:
        """Whether this exact version of the row was evaluated before."""
        return self._key(row_id, updated_at) in self.seen

    def add(self, row_id: int, updated_at: dt.datetime) -> None:
        """Remember this version of the row as evaluated."""
        self.seen[self._key(row_id, updated_at)] = updated_at

    def dumps(self, high_water: dt.datetime) -> str:
        """The entries still inside the window below ``high_water``, for storing."""
        start = high_water - self.lookback
        self.seen = {k: v for k, v in self.seen.items() if v >= start}
        return json.dumps(sorted(self.seen)) if len(self.seen) <= self.LIMIT else "[]"
