"""The SuiteQL subset the sandbox parses: one SELECT with joins, a WHERE and an ORDER BY.

Grammar::

    SELECT [DISTINCT] * | expr [[AS] alias], ...
    FROM table [alias] {[LEFT [OUTER] | INNER] JOIN table [alias] ON cond}
    [WHERE cond] [ORDER BY expr [ASC|DESC], ...]

    cond    := cond OR cond | cond AND cond | NOT cond | ( cond ) | predicate
    predicate := expr (= | <> | != | < | <= | > | >=) expr
               | expr [NOT] IN ( expr, ... ) | expr IS [NOT] NULL
               | expr [NOT] LIKE expr | expr [NOT] BETWEEN expr AND expr
    expr    := 'text' | number | NULL | name | qualifier.name | function( expr, ... )

Names are case-insensitive. Anything else (GROUP BY, sub-queries,
arithmetic) is refused as NetSuite refuses what it cannot run, with
``ApiError`` and the ``Invalid or unsupported search`` wording. Never
imports ``adapters.netsuite``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandboxes.netsuite import errors

_TOKEN = re.compile(
    r"""\s*(?:(?P<string>'(?:[^']|'')*')
    |(?P<number>\d+(?:\.\d+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_$#]*(?:\.[A-Za-z_][A-Za-z0-9_$#]*)*)
    |(?P<op><>|!=|>=|<=|[=<>(),*]))""",
    re.VERBOSE,
)
UNSUPPORTED = "Search error occurred: Invalid or unsupported search."
_STOP = {"FROM", "WHERE", "ORDER", "LEFT", "INNER", "JOIN", "ON", "AND", "OR", "AS", "GROUP"}
COMPARISONS = ("=", "<>", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class Literal:
    """A text, number or NULL."""

    value: Any


@dataclass(frozen=True)
class Column:
    """A column, qualified by a table alias or not."""

    qualifier: str | None
    name: str


@dataclass(frozen=True)
class Call:
    """A function call (``TO_CHAR``, ``BUILTIN.DF``...)."""

    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Condition:
    """An operator over operands: comparisons, AND, OR, NOT, IN, IS NULL, LIKE, BETWEEN."""

    op: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Source:
    """A table in FROM or a JOIN."""

    table: str
    alias: str
    join: str | None = None  # None for the FROM table, else "LEFT" or "INNER"
    on: Any = None


@dataclass(frozen=True)
class Select:
    """A parsed statement."""

    columns: tuple[tuple[Any, str | None], ...]  # (expression, alias); empty for *
    sources: tuple[Source, ...]
    where: Any = None
    order: tuple[tuple[Any, bool], ...] = field(default_factory=tuple)  # (expression, desc)
    distinct: bool = False


def parse(text: str) -> Select:
    """The statement, or ``ApiError`` (INVALID_PARAMETER) when it is not in the subset."""
    return _Parser(_tokens(text)).statement()


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise errors.invalid_query(UNSUPPORTED)
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def keyword(self, *words: str) -> bool:
        kind, value = self.peek()
        if kind == "name" and value.upper() in words:
            self.at += 1
            return True
        return False

    def symbol(self, *symbols: str) -> str | None:
        kind, value = self.peek()
        if kind == "op" and value in symbols:
            self.at += 1
            return value
        return None

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise errors.invalid_query(UNSUPPORTED)

    def expect_symbol(self, symbol: str) -> None:
        if self.symbol(symbol) is None:
            raise errors.invalid_query(UNSUPPORTED)

    def statement(self) -> Select:
        self.expect_keyword("SELECT")
        distinct = self.keyword("DISTINCT")
        columns = () if self.symbol("*") else self.select_list()
        self.expect_keyword("FROM")
        sources = [self.source(None)]
        while self.peek()[1].upper() in ("LEFT", "INNER", "JOIN"):
            sources.append(self.join())
        where = self.condition() if self.keyword("WHERE") else None
        order = self.order_by() if self.keyword("ORDER") else ()
        if self.peek()[0] != "end":
            raise errors.invalid_query(UNSUPPORTED)
        return Select(columns, tuple(sources), where, order, distinct)

    def select_list(self) -> tuple[tuple[Any, str | None], ...]:
        columns = [self.select_item()]
        while self.symbol(","):
            columns.append(self.select_item())
        return tuple(columns)

    def select_item(self) -> tuple[Any, str | None]:
        expression = self.operand()
        if self.keyword("AS"):
            return expression, self.name()
        kind, value = self.peek()
        if kind == "name" and value.upper() not in _STOP:
            return expression, self.name()
        return expression, None

    def name(self) -> str:
        kind, value = self.peek()
        if kind != "name":
            raise errors.invalid_query(UNSUPPORTED)
        self.at += 1
        return value.lower()

    def source(self, join: str | None, on: bool = False) -> Source:
        table = self.name()
        alias = table
        kind, value = self.peek()
        if kind == "name" and value.upper() not in _STOP:
            alias = self.name()
        condition = None
        if on:
            self.expect_keyword("ON")
            condition = self.condition()
        return Source(table, alias, join, condition)

    def join(self) -> Source:
        kind = "INNER"
        if self.keyword("LEFT"):
            kind = "LEFT"
            self.keyword("OUTER")
        else:
            self.keyword("INNER")
        self.expect_keyword("JOIN")
        return self.source(kind, on=True)

    def order_by(self) -> tuple[tuple[Any, bool], ...]:
        self.expect_keyword("BY")
        terms = []
        while True:
            expression = self.operand()
            descending = self.keyword("DESC")
            if not descending:
                self.keyword("ASC")
            terms.append((expression, descending))
            if not self.symbol(","):
                return tuple(terms)

    def condition(self) -> Any:
        left = self.conjunction()
        while self.keyword("OR"):
            left = Condition("OR", (left, self.conjunction()))
        return left

    def conjunction(self) -> Any:
        left = self.negation()
        while self.keyword("AND"):
            left = Condition("AND", (left, self.negation()))
        return left

    def negation(self) -> Any:
        if self.keyword("NOT"):
            return Condition("NOT", (self.negation(),))
        if self.peek() == ("op", "(") and self._is_grouped_condition():
            self.at += 1
            inner = self.condition()
            self.expect_symbol(")")
            return inner
        return self.predicate()

    def _is_grouped_condition(self) -> bool:
        """Whether ``(`` opens a condition rather than an operand (look for AND/OR/compare)."""
        depth, index = 0, self.at
        while index < len(self.tokens):
            kind, value = self.tokens[index]
            if kind == "op" and value == "(":
                depth += 1
            elif kind == "op" and value == ")":
                depth -= 1
                if depth == 0:
                    return False
            elif depth == 1 and (
                value in COMPARISONS or value.upper() in ("AND", "OR", "IS", "IN", "LIKE", "NOT")
            ):
                return True
            index += 1
        return False

    def predicate(self) -> Any:
        left = self.operand()
        operator = self.symbol(*COMPARISONS)
        if operator is not None:
            return Condition("!=" if operator == "<>" else operator, (left, self.operand()))
        if self.keyword("IS"):
            negated = self.keyword("NOT")
            self.expect_keyword("NULL")
            return Condition("IS NOT NULL" if negated else "IS NULL", (left,))
        negated = self.keyword("NOT")
        if self.keyword("IN"):
            self.expect_symbol("(")
            values = [self.operand()]
            while self.symbol(","):
                values.append(self.operand())
            self.expect_symbol(")")
            return self._negated(negated, Condition("IN", (left, *values)))
        if self.keyword("LIKE"):
            return self._negated(negated, Condition("LIKE", (left, self.operand())))
        if self.keyword("BETWEEN"):
            low = self.operand()
            self.expect_keyword("AND")
            return self._negated(negated, Condition("BETWEEN", (left, low, self.operand())))
        raise errors.invalid_query(UNSUPPORTED)

    @staticmethod
    def _negated(negated: bool, condition: Condition) -> Any:
        return Condition("NOT", (condition,)) if negated else condition

    def operand(self) -> Any:
        kind, value = self.peek()
        if kind == "string":
            self.at += 1
            return Literal(value[1:-1].replace("''", "'"))
        if kind == "number":
            self.at += 1
            return Literal(Decimal(value) if "." in value else int(value))
        if kind == "op" and value == "(":
            self.at += 1
            inner = self.operand()
            self.expect_symbol(")")
            return inner
        if kind != "name" or value.upper() in _STOP:
            raise errors.invalid_query(UNSUPPORTED)
        self.at += 1
        if value.upper() == "NULL":
            return Literal(None)
        if self.symbol("("):
            return Call(value.upper(), self.arguments())
        qualifier, _, name = value.lower().rpartition(".")
        return Column(qualifier or None, name)

    def arguments(self) -> tuple[Any, ...]:
        if self.symbol(")"):
            return ()
        args = [self.operand()]
        while self.symbol(","):
            args.append(self.operand())
        self.expect_symbol(")")
        return tuple(args)
