r"""QBO's query language, the subset a sync uses, parsed and run over a company.

``SELECT * | COUNT(*) | Prop, ... FROM Entity [WHERE cond AND cond ...]
[ORDERBY Prop [ASC|DESC], ...] [STARTPOSITION n] [MAXRESULTS n]`` where a
condition is ``Prop = < > <= >= value``, ``Prop IN (v, ...)`` or
``Prop LIKE 'a%'``. As in QBO: keywords and property names are read in any
case (``Metadata.LastUpdatedTime``), strings are single-quoted with ``\'``
and ``\\`` escapes, there is no OR, a reference compares by its value,
string equality ignores case, name lists return only active records unless
the statement filters on ``Active``, STARTPOSITION is 1-based and
MAXRESULTS defaults to 100 and is capped at 1000. The answer's
``maxResults`` is the number of rows returned; an empty page has no entity
key. A statement that does not parse answers 4000; one naming an unknown
entity or property answers 4001.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sandboxes.qbo import errors
from sandboxes.qbo.schema import EntityKind, kind_named
from sandboxes.qbo.state import Company, Record, answer_copy, parse_time

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS = 1000
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:\\.|[^'\\])*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<op><=|>=|!=|<>|[=<>(),*])
    )""",
    re.VERBOSE,
)
_COMPARISONS = ("=", "<", ">", "<=", ">=")


@dataclass(frozen=True)
class Token:
    """One lexical token and the column it starts at (1-based, for error messages)."""

    kind: str  # "string", "number", "name", "op", "eof"
    text: str
    column: int

    @property
    def upper(self) -> str:
        """The text as a keyword."""
        return self.text.upper()


@dataclass(frozen=True)
class Condition:
    """``path op value`` (``op`` is a comparison, IN or LIKE)."""

    path: tuple[str, ...]
    op: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Statement:
    """A parsed query."""

    kind: EntityKind
    columns: tuple[str, ...] | None  # None for *, () for COUNT(*)
    conditions: tuple[Condition, ...]
    order: tuple[tuple[tuple[str, ...], bool], ...]  # (path, descending)
    start: int
    max_results: int

    @property
    def is_count(self) -> bool:
        """``SELECT COUNT(*)``."""
        return self.columns == ()


def run_query(company: Company, text: str) -> dict[str, Any]:
    """The ``QueryResponse`` object of one statement over ``company``."""
    statement = parse(text)
    rows = [row for row in company.all(statement.kind.name) if _matches(statement, row)]
    if statement.is_count:
        return {"totalCount": len(rows)}
    for path, descending in reversed(statement.order):
        rows.sort(key=_sorter(path), reverse=descending)
    page = rows[statement.start - 1 : statement.start - 1 + statement.max_results]
    if not page:
        return {}
    return {
        statement.kind.name: [_project(row, statement.columns) for row in page],
        "startPosition": statement.start,
        "maxResults": len(page),
    }


def parse(text: str) -> Statement:
    """Parse one statement (4000 when it does not parse, 4001 for unknown names)."""
    return _Parser(_tokens(text)).statement()


def _tokens(text: str) -> list[Token]:
    tokens, position = [], 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            column = position + len(text[position:]) - len(text[position:].lstrip()) + 1
            raise errors.query_parser(f"Lexical error at line 1, column {column}.")
        start = match.start(match.lastgroup)
        tokens.append(Token(match.lastgroup, match.group(match.lastgroup), start + 1))
        position = match.end()
    tokens.append(Token("eof", "<EOF>", len(text) + 1))
    return tokens


class _Parser:
    """A recursive-descent reading of the statement's tokens."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def statement(self) -> Statement:
        self._keyword("SELECT")
        columns = self._columns()
        self._keyword("FROM")
        entity = self._take("name")
        kind = kind_named(entity.text)
        if kind is None:
            raise errors.query_validation(f"invalid context declaration: {entity.text}")
        conditions = self._where(kind)
        order = self._order(kind)
        start, max_results = self._paging()
        self._expect_end()
        if columns:
            for column in columns:
                _check_path(kind, (column,))
        return Statement(kind, columns, conditions, order, start, max_results)

    def _columns(self) -> tuple[str, ...] | None:
        if self._accept_op("*"):
            return None
        if self._peek().upper == "COUNT":
            self._take("name")
            for symbol in ("(", "*", ")"):
                self._op(symbol)
            return ()
        names = [self._take("name").text]
        while self._accept_op(","):
            names.append(self._take("name").text)
        return tuple(names)

    def _where(self, kind: EntityKind) -> tuple[Condition, ...]:
        if not self._accept_keyword("WHERE"):
            return ()
        conditions = [self._condition(kind)]
        while self._accept_keyword("AND"):
            conditions.append(self._condition(kind))
        return tuple(conditions)

    def _condition(self, kind: EntityKind) -> Condition:
        path = _check_path(kind, tuple(self._take("name").text.split(".")))
        token = self._peek()
        if token.upper in ("IN", "LIKE"):
            self.position += 1
            if token.upper == "LIKE":
                return Condition(path, "LIKE", (self._literal(),))
            return Condition(path, "IN", self._value_list())
        if token.kind == "op" and token.text in _COMPARISONS:
            self.position += 1
            return Condition(path, token.text, (self._literal(),))
        raise _encountered(token)

    def _value_list(self) -> tuple[Any, ...]:
        self._op("(")
        values = [self._literal()]
        while self._accept_op(","):
            values.append(self._literal())
        self._op(")")
        return tuple(values)

    def _literal(self) -> Any:
        token = self._peek()
        self.position += 1
        if token.kind == "string":
            return re.sub(r"\\(.)", r"\1", token.text[1:-1])
        if token.kind == "number":
            return Decimal(token.text)
        if token.upper in ("TRUE", "FALSE"):
            return token.upper == "TRUE"
        raise _encountered(token)

    def _order(self, kind: EntityKind) -> tuple[tuple[tuple[str, ...], bool], ...]:
        if self._accept_keyword("ORDERBY"):
            pass
        elif self._peek().upper == "ORDER":
            self.position += 1
            self._keyword("BY")
        else:
            return ()
        order = [self._order_item(kind)]
        while self._accept_op(","):
            order.append(self._order_item(kind))
        return tuple(order)

    def _order_item(self, kind: EntityKind) -> tuple[tuple[str, ...], bool]:
        path = _check_path(kind, tuple(self._take("name").text.split(".")))
        if self._accept_keyword("DESC"):
            return path, True
        self._accept_keyword("ASC")
        return path, False

    def _paging(self) -> tuple[int, int]:
        start, max_results = 1, DEFAULT_MAX_RESULTS
        while self._peek().upper in ("STARTPOSITION", "MAXRESULTS"):
            keyword = self._take("name").upper
            value = int(self._take("number").text)
            if keyword == "STARTPOSITION":
                start = max(value, 1)
            else:
                max_results = min(max(value, 1), MAX_RESULTS)
        return start, max_results

    def _peek(self) -> Token:
        return self.tokens[self.position]

    def _take(self, kind: str) -> Token:
        token = self._peek()
        if token.kind != kind:
            raise _encountered(token)
        self.position += 1
        return token

    def _keyword(self, word: str) -> None:
        if not self._accept_keyword(word):
            raise _encountered(self._peek())

    def _accept_keyword(self, word: str) -> bool:
        if self._peek().kind == "name" and self._peek().upper == word:
            self.position += 1
            return True
        return False

    def _op(self, symbol: str) -> None:
        if not self._accept_op(symbol):
            raise _encountered(self._peek())

    def _accept_op(self, symbol: str) -> bool:
        if self._peek().kind == "op" and self._peek().text == symbol:
            self.position += 1
            return True
        return False

    def _expect_end(self) -> None:
        if self._peek().kind != "eof":
            raise _encountered(self._peek())


def _encountered(token: Token) -> errors.ApiError:
    """QBO's (JavaCC) wording for an unexpected token."""
    labels = {"string": "<STRING>", "number": "<INTEGER>", "name": "<ID>"}
    if token.kind == "eof":
        return errors.query_parser(f'Encountered "<EOF>" at line 1, column {token.column}.')
    if token.kind == "op":
        return errors.query_parser(f'Encountered "{token.text}" at line 1, column {token.column}.')
    return errors.query_parser(
        f'Encountered " {labels[token.kind]} "{token.text} "" at line 1, column {token.column}.'
    )


def _check_path(kind: EntityKind, path: tuple[str, ...]) -> tuple[str, ...]:
    """4001 unless the first segment is one of the entity's properties (any case)."""
    known = {name.lower(): name for name in kind.properties}
    if path[0].lower() not in known:
        raise errors.query_validation(f"Property {path[0]} not found for Entity {kind.name}")
    return (known[path[0].lower()], *path[1:])


def _matches(statement: Statement, row: Record) -> bool:
    conditions = statement.conditions
    filters_active = any(condition.path[0] == "Active" for condition in conditions)
    if statement.kind.is_name_list and not filters_active and row.get("Active") is False:
        return False
    return all(_holds(condition, _value_at(row, condition.path)) for condition in conditions)


def _value_at(row: Record, path: tuple[str, ...]) -> Any:
    """The value at a property path (any case); a reference stands for its value."""
    value: Any = row
    for segment in path:
        if not isinstance(value, dict):
            return None
        value = next((v for k, v in value.items() if k.lower() == segment.lower()), None)
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def _holds(condition: Condition, value: Any) -> bool:
    if value is None:
        return False
    if condition.op == "IN":
        return any(_compare(value, literal) == 0 for literal in condition.values)
    if condition.op == "LIKE":
        pattern = re.escape(str(condition.values[0])).replace("%", ".*")
        return re.fullmatch(pattern, str(value), re.IGNORECASE | re.DOTALL) is not None
    order = _compare(value, condition.values[0])
    return {"=": order == 0, "<": order < 0, ">": order > 0, "<=": order <= 0, ">=": order >= 0}[
        condition.op
    ]


def _compare(value: Any, literal: Any) -> int:
    """-1, 0 or 1, comparing as booleans, numbers, times or case-insensitive text."""
    left, right = _comparable(value, literal)
    return (left > right) - (left < right)


def _comparable(value: Any, literal: Any) -> tuple[Any, Any]:
    if isinstance(value, bool) or isinstance(literal, bool):
        return str(value).lower(), str(literal).lower()
    if isinstance(value, int | Decimal) or isinstance(literal, Decimal):
        try:
            return Decimal(str(value)), Decimal(str(literal))
        except InvalidOperation:
            return str(value), str(literal)
    if _is_time(value) and _is_time(literal):
        return parse_time(str(value)), parse_time(str(literal))
    return str(value).casefold(), str(literal).casefold()


def _is_time(text: Any) -> bool:
    return isinstance(text, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", text) is not None


def _sorter(path: tuple[str, ...]) -> Callable[[Record], tuple[int, Any]]:
    return lambda row: _sort_key(_value_at(row, path))


def _sort_key(value: Any) -> tuple[int, Any]:
    """Missing last; numbers (and numeric Ids) by value; times by instant; text by case-folded."""
    if value is None:
        return (3, "")
    if isinstance(value, int | Decimal) or (isinstance(value, str) and value.isdigit()):
        return (0, Decimal(str(value)))
    if _is_time(value):
        return (1, parse_time(value).timestamp())
    return (2, str(value).casefold())


def _project(row: Record, columns: tuple[str, ...] | None) -> Record:
    if columns is None:
        return answer_copy(row)
    wanted = {column.lower() for column in columns} | {"id", "domain", "synctoken"}
    return answer_copy({key: value for key, value in row.items() if key.lower() in wanted})
