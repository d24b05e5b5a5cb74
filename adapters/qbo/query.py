r"""QBO query statements and their paging (STARTPOSITION is 1-based, MAXRESULTS at most 1000).

Values are always quoted through ``quote``: QBO's query language escapes a
single quote with a backslash (``'Amy\'s Bird Sanctuary'``), so a Billto name
can never end a literal early. Paging is ``adapters.pagination``'s, with
``QueryPaginator`` reading QBO's pages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from adapters.pagination import Fetch, OffsetPaginator, Row, RowPage, read_all

MAX_RESULTS = 1000  # QBO's ceiling per query page


class Querier(Protocol):
    """Anything that runs one QBO query statement and returns the parsed response."""

    def query(self, statement: str) -> dict[str, Any]:
        """The response of ``statement`` (``{"QueryResponse": {...}, "time": ...}``)."""


def quote(value: str) -> str:
    """``value`` as a QBO string literal, backslashes and single quotes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class Select:
    """``SELECT * FROM <entity> [WHERE ...] [ORDERBY ...]``, paged by ``statement``."""

    entity: str
    where: Sequence[str] = ()
    order_by: str | None = "Id"

    def statement(self, start: int = 1, max_results: int = MAX_RESULTS) -> str:
        """The statement for one page; ``start`` is QBO's 1-based STARTPOSITION."""
        if not 1 <= max_results <= MAX_RESULTS:
            raise ValueError(f"MAXRESULTS must be 1..{MAX_RESULTS}: {max_results}")
        if start < 1:
            raise ValueError(f"STARTPOSITION is 1-based: {start}")
        parts = [f"SELECT * FROM {self.entity}"]
        if self.where:
            parts.append("WHERE " + " AND ".join(self.where))
        if self.order_by:
            parts.append(f"ORDERBY {self.order_by}")
        parts.append(f"STARTPOSITION {start} MAXRESULTS {max_results}")
        return " ".join(parts)


class QueryPaginator(OffsetPaginator):
    """STARTPOSITION/MAXRESULTS paging: a page shorter than MAXRESULTS is the last.

    QBO's ``QueryResponse.maxResults`` is the number of rows returned, not a
    total, so the page length is the only sign of the end.
    """

    name = "qbo query paginator"
    title = "QuickBooks"

    def __init__(self, entity: str, max_results: int = MAX_RESULTS, start: int = 1) -> None:
        super().__init__(max_results, start)
        self.entity = entity

    def rows_of(self, body: Any) -> tuple[Row, ...]:
        """The rows of the entity (an empty page has no entity key at all)."""
        response = self.field(body, "QueryResponse", dict)
        rows = response.get(self.entity, [])
        if not isinstance(rows, list):
            self.malformed(f"QueryResponse.{self.entity}", "list", type(rows).__name__)
        return tuple(rows)

    def more_after(self, body: Any, rows: tuple[Row, ...]) -> bool:
        """A full page may have a next one."""
        return len(rows) == self.limit


def query_page(
    querier: Querier, select: Select, start: int = 1, max_results: int = MAX_RESULTS
) -> RowPage:
    """One page of ``select`` from STARTPOSITION ``start``."""
    return QueryPaginator(select.entity, max_results, start).page(_fetch(querier, select))


def query_all(
    querier: Querier, select: Select, max_results: int = MAX_RESULTS
) -> Iterator[dict[str, Any]]:
    """Every row of ``select``, page after page."""
    return read_all(QueryPaginator(select.entity, max_results), _fetch(querier, select))


def rows_of(response: dict[str, Any], entity: str) -> tuple[dict[str, Any], ...]:
    """The rows of ``entity`` in one query response; a malformed one raises ``MalformedPage``."""
    return QueryPaginator(entity).rows_of(response)


def _fetch(querier: Querier, select: Select) -> Fetch:
    return lambda start, max_results: querier.query(select.statement(start, max_results))
