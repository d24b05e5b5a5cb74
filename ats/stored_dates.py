"""Dates and timestamps as the ATS stored them, including those that are no real date.

SQLite keeps a DATE as text and accepts ``2023-02-30``; MariaDB accepts
``0000-00-00`` unless its SQL mode forbids it, and its driver hands such a
value back as the raw text. Either would stop a whole read with an exception
(or slip a string into a date field). Instead the value is replaced by a
stand-in and named in the record's ``defects``, so that one bad row blocks
its own event and every other row is still read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Date, DateTime, String, Table, type_coerce
from sqlalchemy.engine import Dialect

from ats.records import Defect

# Stand-ins for values that are no real date; never billed (the record is refused).
UNKNOWN_DATE = dt.date(1970, 1, 1)
UNKNOWN_TIME = dt.datetime(1970, 1, 1)


# A stored value made ready for a record, and what is wrong with it (None: nothing).
CheckedValue = tuple[Any, Defect | None]


def is_dated(column: Any) -> bool:
    """Whether a column holds a date or a timestamp."""
    return isinstance(column.type, Date | DateTime)


def selected_columns(table: Table, dialect: Dialect) -> list[ColumnElement[Any]]:
    """The table's columns, with dates read as their stored text on SQLite.

    SQLite's own date conversion raises on ``2023-02-30`` while the row is
    fetched, before any code could tell which row it was; reading the text
    and converting it in ``check_dated`` keeps the failure to that row.
    """
    if dialect.name != "sqlite":
        return list(table.columns)
    return [
        type_coerce(column, String).label(column.name) if is_dated(column) else column
        for column in table.columns
    ]


def dated_converter(column: Any, dialect: Dialect) -> Callable[[Any], CheckedValue]:
    """Turns a stored date or timestamp of ``column`` into a ``CheckedValue``."""
    is_timestamp = isinstance(column.type, DateTime)
    wanted = dt.datetime if is_timestamp else dt.date
    stand_in = UNKNOWN_TIME if is_timestamp else UNKNOWN_DATE
    noun = "timestamp" if is_timestamp else "date"
    parse = column.type.dialect_impl(dialect).result_processor(dialect, None)

    def check(stored: Any) -> CheckedValue:
        if stored is None or type(stored) is wanted:
            return stored, None
        value = stored
        if isinstance(stored, str) and parse is not None:
            try:
                value = parse(stored)
            except ValueError:
                value = stored
        if isinstance(value, wanted):
            return value, None
        return stand_in, Defect(column.name, str(stored), noun)

    return check
