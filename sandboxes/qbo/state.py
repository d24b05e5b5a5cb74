"""One sandbox company's records, deletions and remembered requestids, and its clock.

Records are kept as the JSON objects QBO would answer (amounts ``Decimal``),
keyed by entity and Id. Transactions share one Id sequence and each name
list has its own, as in a real company. Times are written in the company's
time zone (Pacific, like Intuit's sandbox companies) with QBO's offset form
(``2020-09-29T05:58:16-07:00``). Callers hold the sandbox lock while they
read or change a ``Company``: nothing here locks.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

Clock = Callable[[], dt.datetime]  # aware; tests pass a fixed or stepping clock
Record = dict[str, Any]
COMPANY_ZONE = ZoneInfo("America/Los_Angeles")
TRANSACTIONS = "transaction"  # the Id sequence Invoice, CreditMemo and Payment share


def system_clock() -> dt.datetime:
    """The wall clock, aware (the default outside tests)."""
    return dt.datetime.now(dt.UTC)


def company_time(moment: dt.datetime) -> str:
    """``MetaData`` time: seconds and the company's offset."""
    return moment.astimezone(COMPANY_ZONE).replace(microsecond=0).isoformat()


def response_time(moment: dt.datetime) -> str:
    """The top-level ``time`` of an answer: milliseconds and the company's offset."""
    return moment.astimezone(COMPANY_ZONE).isoformat(timespec="milliseconds")


def company_date(moment: dt.datetime) -> dt.date:
    """Today in the company's time zone (a transaction's default TxnDate)."""
    return moment.astimezone(COMPANY_ZONE).date()


def parse_time(text: str) -> dt.datetime:
    """An ISO time or date as aware UTC; a bare date or naive time is taken as UTC."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Tombstone:
    """A deleted record, as CDC reports it."""

    entity: str
    record_id: str
    deleted_at: str  # company time


@dataclass(frozen=True)
class StoredAnswer:
    """The answer a requestid got first: a repeat gets it again, applying nothing."""

    status: int
    body: str


@dataclass
class Company:
    """Everything one realm holds."""

    realm_id: str
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    tombstones: list[Tombstone] = field(default_factory=list)
    answers: dict[str, StoredAnswer] = field(default_factory=dict)
    _sequences: dict[str, int] = field(default_factory=dict)

    def next_id(self, entity: str, *, is_transaction: bool) -> str:
        """A new Id: transactions share one sequence, each list has its own."""
        sequence = TRANSACTIONS if is_transaction else entity
        number = self._sequences.get(sequence, 0) + 1
        self._sequences[sequence] = number
        return str(number)

    def get(self, entity: str, record_id: str) -> Record | None:
        """The stored record (callers copy before answering with it)."""
        return self.records.get(entity, {}).get(str(record_id))

    def put(self, entity: str, record: Record) -> None:
        """Store ``record`` under its Id, keeping the Id sequence past any seeded Id."""
        self.records.setdefault(entity, {})[record["Id"]] = record
        if record["Id"].isdigit():
            sequence = TRANSACTIONS if "TxnDate" in record else entity
            self._sequences[sequence] = max(self._sequences.get(sequence, 0), int(record["Id"]))

    def remove(self, entity: str, record_id: str, deleted_at: str) -> None:
        """Delete a record, leaving the tombstone CDC reports."""
        del self.records[entity][record_id]
        self.tombstones.append(Tombstone(entity, record_id, deleted_at))

    def all(self, entity: str) -> Iterator[Record]:
        """Every stored record of ``entity``, in Id order (numeric Ids by value)."""
        rows = self.records.get(entity, {}).values()
        yield from sorted(rows, key=lambda row: (len(row["Id"]), row["Id"]))


def answer_copy(record: Record) -> Record:
    """A deep copy to answer with, so later changes never alter a sent answer."""
    return copy.deepcopy(record)


def stamp(record: Record, moment: dt.datetime, *, created: bool) -> None:
    """Set ``MetaData`` for a create (both times) or an update (LastUpdatedTime)."""
    text = company_time(moment)
    if created:
        record["MetaData"] = {"CreateTime": text, "LastUpdatedTime": text}
    else:
        record["MetaData"] = {**record.get("MetaData", {}), "LastUpdatedTime": text}


def bump(record: Record, moment: dt.datetime) -> None:
    """An update: SyncToken + 1 and a new LastUpdatedTime."""
    record["SyncToken"] = str(int(record.get("SyncToken", "0")) + 1)
    stamp(record, moment, created=False)
