"""One sandbox account's records, external ids and deletions, and how it tells time.

Records are kept as plain dicts under their canonical field names (amounts
``Decimal``, references ``{"id": ...}``, dates ISO text, sublists
``{"items": [...]}``), keyed by record type and internal id. Internal ids
come from one sequence per family, as in a real account: entities,
items, transactions and each list have their own. ``createdDate`` and
``lastModifiedDate`` are kept as aware UTC datetimes; the record service
shows them to the minute in UTC (``2019-12-09T11:22:00Z``), SuiteQL in the
account's time zone. Callers hold the sandbox lock while they read or
change an ``Account``: nothing here locks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

Clock = Callable[[], dt.datetime]  # aware; tests pass a fixed or stepping clock
Record = dict[str, Any]
CREATED = "createdDate"
MODIFIED = "lastModifiedDate"


def system_clock() -> dt.datetime:
    """The wall clock, aware (the default outside tests)."""
    return dt.datetime.now(dt.UTC)


def record_time(moment: dt.datetime) -> str:
    """A record service time: UTC, to the minute, with ``Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:00Z")


@dataclass(frozen=True)
class Deleted:
    """A deleted record, as SuiteQL's ``deletedrecord`` lists it."""

    record_type: str  # the type's display name, e.g. "Invoice"
    record_id: str
    external_id: str | None
    name: str | None
    deleted_at: dt.datetime  # aware UTC


@dataclass
class Account:
    """Everything one account holds."""

    account_id: str
    zone: ZoneInfo
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    deleted: list[Deleted] = field(default_factory=list)
    legacy_duplicates: bool = False  # answer a duplicate with DUP_* rather than USER_ERROR
    _sequences: dict[str, int] = field(default_factory=dict)

    def next_id(self, family: str) -> str:
        """A new internal id in ``family``'s sequence."""
        number = self._sequences.get(family, 0) + 1
        self._sequences[family] = number
        return str(number)

    def start_sequence(self, family: str, after: int) -> None:
        """Let ``family``'s next id follow ``after`` (seeded records keep low ids)."""
        self._sequences[family] = max(self._sequences.get(family, 0), after)

    def get(self, record_type: str, record_id: str) -> Record | None:
        """The stored record (callers copy before answering with it)."""
        return self.records.get(record_type, {}).get(str(record_id))

    def by_external_id(self, record_type: str, external_id: str) -> Record | None:
        """The record of ``record_type`` carrying ``external_id``, if any."""
        return next((r for r in self.all(record_type) if r.get("externalId") == external_id), None)

    def put(self, record_type: str, record: Record) -> None:
        """Store (or replace) ``record`` under its id."""
        self.records.setdefault(record_type, {})[record["id"]] = record

    def remove(self, record_type: str, record: Record, deleted: Deleted) -> None:
        """Delete a record, leaving what ``deletedrecord`` reports."""
        del self.records[record_type][record["id"]]
        self.deleted.append(deleted)

    def all(self, record_type: str) -> Iterator[Record]:
        """Every record of ``record_type``, in internal id order."""
        rows = self.records.get(record_type, {}).values()
        yield from sorted(rows, key=lambda row: int(row["id"]))

    def local(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` as naive account time (how SuiteQL sees dates and times)."""
        return moment.astimezone(self.zone).replace(tzinfo=None)

    def today(self, moment: dt.datetime) -> dt.date:
        """The account's date at ``moment`` (a transaction's default date)."""
        return moment.astimezone(self.zone).date()
