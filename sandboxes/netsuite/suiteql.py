"""Running SuiteQL against the account, and the paged answer of the query service.

``POST /services/rest/query/v1/suiteql?limit=&offset=`` runs the statement
over every row, then answers one page: ``links``, ``count``, ``hasMore``,
``items`` (each with an empty ``links``), ``offset`` and ``totalResults``,
as in ``suiteql_response_customers.json``. Columns are named in lower case
(an alias, else the column's name, else ``expr1``, ``expr2``...); NULLs are
left out of a row; numbers that are keys or counts are text (``"309"``),
amounts JSON numbers; a date or time not formatted with ``TO_CHAR`` comes
back in the user's date format (``3/1/2024``: a time loses its hours, as
NetSuite's does). ``limit`` is 1 to 1000 (default 1000) and ``offset`` a
multiple of it. Unknown tables and columns get the recorded wording
(``Invalid search type: x.``, ``Unknown identifier 'x'. Available
identifiers are: {t=transaction}.``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandboxes.netsuite import errors
from sandboxes.netsuite.sql import Call, Column, Condition, Literal, Select, Source, parse
from sandboxes.netsuite.state import Account
from sandboxes.netsuite.tables import TABLES, Row, Table

MAX_LIMIT = 1000
_FORMAT = re.compile(r"YYYY|HH24|HH|MI|SS|MM|DD|.", re.IGNORECASE)
_STRFTIME = {"YYYY": "%Y", "HH24": "%H", "HH": "%I", "MI": "%M", "SS": "%S", "MM": "%m", "DD": "%d"}
Scope = dict[str, Row | None]


@dataclass(frozen=True)
class Page:
    """One page of a result."""

    items: list[dict[str, Any]]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        """Whether rows follow this page."""
        return self.offset + self.limit < self.total


def page_bounds(limit_text: str | None, offset_text: str | None) -> tuple[int, int]:
    """``limit`` and ``offset`` from the query string, checked as NetSuite checks them."""
    try:
        limit = int(limit_text) if limit_text not in (None, "") else MAX_LIMIT
    except ValueError:
        limit = -1
    if not 1 <= limit <= MAX_LIMIT:
        raise errors.invalid_parameter(
            "limit",
            f"Invalid value for query parameter 'limit'. Use a value from 1 to {MAX_LIMIT}.",
        )
    try:
        offset = int(offset_text) if offset_text not in (None, "") else 0
    except ValueError:
        offset = -1
    if offset < 0 or offset % limit:
        raise errors.invalid_parameter(
            "offset",
            "Invalid value for query parameter 'offset'. The offset must be a non-negative "
            "multiple of the limit.",
        )
    return limit, offset


def run(account: Account, statement: str, limit: int, offset: int) -> Page:
    """The page of ``statement``'s rows from ``offset``."""
    rows = Query(account, parse(statement)).rows()
    return Page(rows[offset : offset + limit], len(rows), offset, limit)


class Query:
    """One parsed statement over one account."""

    def __init__(self, account: Account, select: Select) -> None:
        self.account = account
        self.select = select
        self.tables: dict[str, Table] = {}
        for source in select.sources:
            table = TABLES.get(source.table)
            if table is None:
                raise errors.invalid_query(f"Invalid search type: {source.table}.")
            self.tables[source.alias] = table
        self._check_identifiers()

    def _check_identifiers(self) -> None:
        """Every column named must exist, whether or not a row reaches it (as NetSuite checks)."""
        aliases = {alias for _, alias in self.select.columns if alias}
        expressions = [e for e, _ in self.select.columns] + [s.on for s in self.select.sources]
        expressions += [self.select.where] + [e for e, _ in self.select.order]
        pending = [e for e in expressions if e is not None]
        while pending:
            node = pending.pop()
            if isinstance(node, Column) and not (node.qualifier is None and node.name in aliases):
                self._alias_of(node)
            elif isinstance(node, Call | Condition):
                pending.extend(node.args)

    def rows(self) -> list[dict[str, Any]]:
        """Every result row, ordered, with SuiteQL's column names and values."""
        scopes = self._joined()
        if self.select.where is not None:
            scopes = [s for s in scopes if self.truth(self.select.where, s) is True]
        named = [(scope, self._output(scope)) for scope in scopes]
        for expression, descending in reversed(self.select.order):
            named.sort(
                key=lambda pair: _sort_key(self._order_value(expression, *pair)), reverse=descending
            )
        results = [{"links": [], **_shown(output)} for _, output in named]
        if self.select.distinct:
            results = [r for i, r in enumerate(results) if r not in results[:i]]
        return results

    def _joined(self) -> list[Scope]:
        first, *joins = self.select.sources
        scopes: list[Scope] = [
            {first.alias: row} for row in self.tables[first.alias].rows(self.account)
        ]
        for source in joins:
            scopes = [joined for scope in scopes for joined in self._join(scope, source)]
        return scopes

    def _join(self, scope: Scope, source: Source) -> list[Scope]:
        matches = [
            {**scope, source.alias: row}
            for row in self.tables[source.alias].rows(self.account)
            if self.truth(source.on, {**scope, source.alias: row}) is True
        ]
        if not matches and source.join == "LEFT":
            return [{**scope, source.alias: None}]
        return matches

    def _output(self, scope: Scope) -> dict[str, Any]:
        if not self.select.columns:
            return {
                name: (row or {}).get(name)
                for alias, table in self.tables.items()
                for row in (scope.get(alias),)
                for name in table.columns
            }
        output: dict[str, Any] = {}
        unnamed = 0
        for expression, alias in self.select.columns:
            if alias is None and not isinstance(expression, Column):
                unnamed += 1
            name = alias or (
                expression.name if isinstance(expression, Column) else f"expr{unnamed}"
            )
            output[name] = self.value(expression, scope)
        return output

    def _order_value(self, expression: Any, scope: Scope, output: dict[str, Any]) -> Any:
        if isinstance(expression, Literal) and isinstance(expression.value, int):
            return list(output.values())[expression.value - 1]
        is_alias = isinstance(expression, Column) and expression.qualifier is None
        if is_alias and expression.name in output and not self._is_column(expression.name):
            return output[expression.name]
        return self.value(expression, scope)

    def _is_column(self, name: str) -> bool:
        return any(name in table.columns for table in self.tables.values())

    def value(self, expression: Any, scope: Scope) -> Any:
        """An expression's value in one joined row."""
        if isinstance(expression, Literal):
            return expression.value
        if isinstance(expression, Column):
            return self._column(expression, scope)
        if isinstance(expression, Call):
            return self._call(expression, scope)
        return self.truth(expression, scope)

    def _column(self, column: Column, scope: Scope) -> Any:
        alias = self._alias_of(column)
        row = scope.get(alias)
        return None if row is None else row.get(column.name)

    def _alias_of(self, column: Column) -> str:
        if column.qualifier is not None:
            table = self.tables.get(column.qualifier)
            if table is not None and column.name in table.columns:
                return column.qualifier
        else:
            for alias, table in self.tables.items():
                if column.name in table.columns:
                    return alias
        known = ", ".join(f"{alias}={table.name}" for alias, table in self.tables.items())
        shown = f"{column.qualifier}.{column.name}" if column.qualifier else column.name
        raise errors.invalid_query(
            f"Search error occurred: Unknown identifier '{shown}'. "
            f"Available identifiers are: {{{known}}}."
        )

    def _call(self, call: Call, scope: Scope) -> Any:
        if call.name == "BUILTIN.DF" and len(call.args) == 1:
            return self._display(call.args[0], scope)
        args = [self.value(arg, scope) for arg in call.args]
        if call.name in ("UPPER", "LOWER") and len(args) == 1:
            return None if args[0] is None else getattr(str(args[0]), call.name.lower())()
        if call.name in ("NVL", "COALESCE") and args:
            return next((a for a in args if a is not None), None)
        if call.name == "TO_CHAR" and len(args) in (1, 2):
            return _to_char(*args)
        if call.name in ("TO_DATE", "TO_TIMESTAMP") and len(args) == 2:
            return _parse_time(args[0], args[1])
        raise errors.invalid_query(f"Search error occurred: Unknown function '{call.name}'.")

    def _display(self, argument: Any, scope: Scope) -> Any:
        """``BUILTIN.DF``: the name of the referenced record (the value itself otherwise)."""
        value = self.value(argument, scope)
        if not isinstance(argument, Column) or value is None:
            return value
        target = self.tables[self._alias_of(argument)].columns.get(argument.name)
        if target is None:
            return value
        table = TABLES[target]
        found = next((r for r in table.rows(self.account) if r.get("id") == value), None)
        return None if found is None else found.get(table.display)

    def truth(self, condition: Any, scope: Scope) -> bool | None:
        """SQL's three-valued truth of a condition (None is unknown)."""
        if not isinstance(condition, Condition):
            raise errors.invalid_query("Search error occurred: Invalid or unsupported search.")
        op, args = condition.op, condition.args
        if op in ("AND", "OR"):
            return _logic(op, self.truth(args[0], scope), self.truth(args[1], scope))
        if op == "NOT":
            inner = self.truth(args[0], scope)
            return None if inner is None else not inner
        values = [self.value(arg, scope) for arg in args]
        if op in ("IS NULL", "IS NOT NULL"):
            return (values[0] is None) == (op == "IS NULL")
        if op == "IN":
            found = [_compare("=", values[0], v) for v in values[1:]]
            return True if True in found else (None if None in found else False)
        if op == "BETWEEN":
            return _logic(
                "AND", _compare(">=", values[0], values[1]), _compare("<=", values[0], values[2])
            )
        if op == "LIKE":
            return _like(values[0], values[1])
        return _compare(op, values[0], values[1])


def _logic(op: str, left: bool | None, right: bool | None) -> bool | None:
    if op == "AND":
        if left is False or right is False:
            return False
        return None if None in (left, right) else True
    if left is True or right is True:
        return True
    return None if None in (left, right) else False


def _compare(op: str, left: Any, right: Any) -> bool | None:
    if left is None or right is None:
        return None
    left, right = _comparable(left, right)
    try:
        return {
            "=": left == right,
            "!=": left != right,
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
        }[op]
    except TypeError as error:
        raise errors.invalid_query(
            "Search error occurred: Invalid or unsupported search."
        ) from error


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Both sides of one kind, as Oracle converts implicitly (text to number or time)."""
    if isinstance(left, dt.date) or isinstance(right, dt.date):
        return _as_time(left), _as_time(right)
    if isinstance(left, int | Decimal) or isinstance(right, int | Decimal):
        try:
            return Decimal(str(left)), Decimal(str(right))
        except ArithmeticError:
            return str(left), str(right)
    return left, right


def _as_time(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    text = str(value).strip()
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y", "%m/%d/%Y %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise errors.invalid_query(f"Search error occurred: Invalid date value '{text}'.")


def _like(value: Any, pattern: Any) -> bool | None:
    if value is None or pattern is None:
        return None
    regex = "".join(
        ".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in str(pattern)
    )
    return re.fullmatch(regex, str(value), re.DOTALL) is not None


def _strftime(oracle_format: str) -> str:
    return "".join(
        _STRFTIME.get(part.upper(), part.replace("%", "%%"))
        for part in _FORMAT.findall(oracle_format)
    )


def _to_char(value: Any, oracle_format: Any = None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and oracle_format is not None:
        return _as_time(value).strftime(_strftime(str(oracle_format)))
    return _shown_value(value) if not isinstance(value, str) else value


def _parse_time(text: Any, oracle_format: Any) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return dt.datetime.strptime(str(text), _strftime(str(oracle_format)))
    except ValueError as error:
        raise errors.invalid_query(
            f"Search error occurred: Invalid date value '{text}' for format '{oracle_format}'."
        ) from error


def _sort_key(value: Any) -> tuple[int, Any]:
    """NULLs last; numbers, times and texts each in their own order."""
    if value is None:
        return (3, 0)
    if isinstance(value, int | Decimal):
        return (0, Decimal(str(value)))
    if isinstance(value, dt.date):
        return (1, _as_time(value))
    return (2, str(value))


def _shown(output: dict[str, Any]) -> dict[str, Any]:
    return {name: _shown_value(value) for name, value in output.items() if value is not None}


def _shown_value(value: Any) -> Any:
    """A value as the query service answers it."""
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return f"{value.month}/{value.day}/{value.year}"
    return value
