"""Read-only access to the ATS: incremental, paged, typed.

Changes are read by ``updated_at`` from a high-water mark minus a look-back
window, because a row can be committed after rows with a later
``updated_at`` were already read; re-reading a few minutes is cheap and
consumers are idempotent. Pages are bounded and walked by keyset
(``updated_at``, ``id``) so no table is ever loaded whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    Table,
    and_,
    func,
    inspect,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.engine import Engine

from ats import tables
from ats.records import AtsBillto, AtsCompany, AtsPlacement, AtsServiceFee, AtsTimecard, Defect
from ats.stored_dates import CheckedValue, dated_converter, is_dated, selected_columns

DEFAULT_LOOKBACK = dt.timedelta(minutes=10)
DEFAULT_PAGE_SIZE = 1000
# Earlier than any real ``updated_at``, later than MariaDB's zero date.
FIRST_VALID_TIME = dt.datetime(1000, 1, 1)

RecordT = TypeVar("RecordT")


@dataclass(frozen=True)
class Source(Generic[RecordT]):
    """One ATS table and how its rows become records."""

    table: Table
    make: Callable[..., RecordT]


def _billto(**columns: Any) -> AtsBillto:
    return AtsBillto(**{**columns, "active": bool(columns["active"])})


COMPANIES: Source[AtsCompany] = Source(tables.company, AtsCompany)
BILLTOS: Source[AtsBillto] = Source(tables.billto, _billto)
PLACEMENTS: Source[AtsPlacement] = Source(tables.placement, AtsPlacement)
TIMECARDS: Source[AtsTimecard] = Source(tables.timecard, AtsTimecard)
SERVICE_FEES: Source[AtsServiceFee] = Source(tables.service_fee, AtsServiceFee)


@dataclass(frozen=True)
class Page(Generic[RecordT]):
    """A bounded page of changed records and the newest valid ``updated_at`` in it.

    ``high_water`` is None when no record of the page has a valid ``updated_at``.
    """

    records: list[RecordT]
    high_water: dt.datetime | None


class AtsReader:
    """Reads the ATS tables; never writes them."""

    def __init__(self, engine: Engine, *, lookback: dt.timedelta = DEFAULT_LOOKBACK) -> None:
        self.engine = engine
        self.lookback = lookback
        self._columns: dict[
            str, tuple[list[str], list[tuple[str, Callable[[Any], CheckedValue]]]]
        ] = {}

    def _record(self, source: Source[RecordT], row: Row[Any]) -> RecordT:
        """The record for ``row``: dates checked, helper columns the query added ignored."""
        mapping = row._mapping
        plain, dated = self._columns_of(source.table)
        values = {name: mapping[name] for name in plain}
        defects: list[Defect] = []
        for name, check in dated:
            values[name], defect = check(mapping[name])
            if defect is not None:
                defects.append(defect)
        return source.make(**values, defects=tuple(defects))

    def _columns_of(
        self, table: Table
    ) -> tuple[list[str], list[tuple[str, Callable[[Any], CheckedValue]]]]:
        """The table's plain column names, and its dated ones with their checks."""
        if table.name not in self._columns:
            dialect = self.engine.dialect
            self._columns[table.name] = (
                [c.name for c in table.columns if not is_dated(c)],
                [(c.name, dated_converter(c, dialect)) for c in table.columns if is_dated(c)],
            )
        return self._columns[table.name]

    def _select(self, table: Table, *extra: ColumnElement[Any]) -> Select[Any]:
        return select(*selected_columns(table, self.engine.dialect), *extra)

    def missing_tables(self) -> list[str]:
        """The ATS tables this database lacks (empty when the ATS is complete)."""
        present = set(inspect(self.engine).get_table_names())
        return [t.name for t in tables.ALL_TABLES if t.name not in present]

    def iter_changed(
        self,
        source: Source[RecordT],
        since: dt.datetime | None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[Page[RecordT]]:
        """Pages of rows changed at or after ``since`` minus the look-back, oldest first.

        ``since`` None reads everything. The start is closed, so a row whose
        ``updated_at`` equals the high-water mark is read again, never lost.
        Rows whose ``updated_at`` is no real time (MariaDB's zero date sorts
        before every other) are read on every call, so they are never lost
        either: each time, the reader's caller sees their defect again.
        """
        table = source.table
        position = self._stored_updated_at(table)
        query = (
            self._select(table, position.label("_position"))
            .order_by(table.c.updated_at, table.c.id)
            .limit(page_size)
        )
        if since is not None:
            # Two range reads rather than one OR, so each walks its own stretch of the index.
            undated = query.where(position < self._start_bound(FIRST_VALID_TIME))
            yield from self._keyset_pages(source, undated, position, page_size)
            query = query.where(position >= self._start_bound(since - self.lookback))
        yield from self._keyset_pages(source, query, position, page_size)

    def _keyset_pages(
        self,
        source: Source[RecordT],
        query: Select[Any],
        position: ColumnElement[Any],
        page_size: int,
    ) -> Iterator[Page[RecordT]]:
        """The pages of ``query``, walked by keyset (``updated_at`` as stored, ``id``)."""
        after: tuple[Any, int] | None = None
        while True:
            rows = self._fetch(_after(query, position, source.table, after))
            if not rows:
                return
            records = [self._record(source, r) for r in rows]
            yield Page(records, _newest_valid(records))
            if len(rows) < page_size:
                return
            after = (rows[-1]._position, rows[-1].id)

    def _stored_updated_at(self, table: Table) -> ColumnElement[Any]:
        """``updated_at`` exactly as stored, for the keyset position.

        SQLite keeps timestamps as text in whatever form the ATS wrote
        (``2023-06-01 12:00:00``), while a bound datetime is written with
        microseconds; comparing those strings would skip rows that share a
        timestamp across a page boundary. Comparing the stored text with
        itself is exact.
        """
        if self.engine.dialect.name == "sqlite":
            return type_coerce(table.c.updated_at, String)
        return table.c.updated_at

    def _start_bound(self, start: dt.datetime) -> Any:
        """The closed start of a read, comparable with ``_stored_updated_at``.

        On SQLite a bound datetime is written with microseconds
        (``2023-06-01 12:00:00.000000``), which sorts after the ATS's
        ``2023-06-01 12:00:00``, so the row at exactly the start would be lost.
        The whole second without a fraction sorts at or before every spelling
        of that instant; re-reading up to one second more is harmless.
        """
        if self.engine.dialect.name == "sqlite":
            return start.replace(microsecond=0).isoformat(sep=" ")
        return start

    def get(self, source: Source[RecordT], ids: Iterable[int]) -> dict[int, RecordT]:
        """Records by id, for the ids that exist; asks in chunks to bound the query."""
        wanted = sorted(set(ids))
        found: dict[int, RecordT] = {}
        for start in range(0, len(wanted), DEFAULT_PAGE_SIZE):
            chunk = wanted[start : start + DEFAULT_PAGE_SIZE]
            query = self._select(source.table).where(source.table.c.id.in_(chunk))
            found.update({row.id: self._record(source, row) for row in self._fetch(query)})
        return found

    def iter_matching(
        self,
        source: Source[RecordT],
        *conditions: ColumnElement[bool],
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[list[RecordT]]:
        """Pages of the rows meeting ``conditions``, in id order (keyset by id)."""
        table = source.table
        last_id: int | None = None
        while True:
            query = self._select(table).where(*conditions).order_by(table.c.id).limit(page_size)
            if last_id is not None:
                query = query.where(table.c.id > last_id)
            rows = self._fetch(query)
            if not rows:
                return
            yield [self._record(source, r) for r in rows]
            if len(rows) < page_size:
                return
            last_id = rows[-1].id

    def max_updated_at(self, source: Source[Any]) -> dt.datetime | None:
        """The newest ``updated_at`` of a table: where a full read leaves its high-water mark.

        None for an empty table, or one whose every ``updated_at`` is no real time.
        """
        column = source.table.c.updated_at
        check = dated_converter(column, self.engine.dialect)
        with self.engine.connect() as connection:
            stored = connection.scalar(select(func.max(self._stored_updated_at(source.table))))
        newest, defect = check(stored)
        return None if defect else newest

    def count(self, source: Source[Any]) -> int:
        """How many rows a table holds (what a full read of it will go through)."""
        with self.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(source.table)) or 0

    def all_ids(self, source: Source[Any]) -> set[int]:
        """Every id of a small table (Billtos, companies), for reference checks."""
        with self.engine.connect() as connection:
            return set(connection.scalars(select(source.table.c.id)))

    def timecards_of(self, placement_ids: Iterable[int]) -> dict[int, list[AtsTimecard]]:
        """Every time card of the given placements, by placement, oldest week first."""
        wanted = sorted(set(placement_ids))
        by_placement: dict[int, list[AtsTimecard]] = {pid: [] for pid in wanted}
        table = tables.timecard
        for start in range(0, len(wanted), DEFAULT_PAGE_SIZE):
            query = (
                self._select(table)
                .where(table.c.placement_id.in_(wanted[start : start + DEFAULT_PAGE_SIZE]))
                .order_by(table.c.placement_id, table.c.week_ending, table.c.id)
            )
            for row in self._fetch(query):
                by_placement[row.placement_id].append(self._record(TIMECARDS, row))
        return by_placement

    def _fetch(self, query: Select[Any]) -> list[Row[Any]]:
        with self.engine.connect() as connection:
            return list(connection.execute(query))


def _newest_valid(records: list[Any]) -> dt.datetime | None:
    """The newest ``updated_at`` among records whose ``updated_at`` is a real time."""
    valid = [r.updated_at for r in records if not _has_bad_updated_at(r)]
    return max(valid, default=None)


def _has_bad_updated_at(record: Any) -> bool:
    return any(d.column == "updated_at" for d in record.defects)


def _after(
    query: Select[Any],
    position: ColumnElement[Any],
    table: Table,
    after: tuple[Any, int] | None,
) -> Select[Any]:
    """The query narrowed to rows after the keyset position ``after``."""
    if after is None:
        return query
    updated_at, row_id = after
    return query.where(
        or_(position > updated_at, and_(position == updated_at, table.c.id > row_id))
    )
