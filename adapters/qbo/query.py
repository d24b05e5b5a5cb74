r"""QBO query statements and their paging (STARTPOSITION is 1-based, MAXRESULTS at most 1000).

Values are always quoted through ``quote``: QBO's query language escapes a
single quote with a backslash (``'Amy\'s Bird Sanctuary'``), so a Billto name
can never end a literal early. ``QueryResponse.maxResults`` is the number of
rows returned, not the limit: a page shorter than the limit is the last.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

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


@dataclass(frozen=True)
class QueryPage:
    """One page of rows and the STARTPOSITION of the next (None on the last page)."""

    rows: tuple[dict[str, Any], ...]
    next_start: int | None


def query_page(
    querier: Querier, select: Select, start: int = 1, max_results: int = MAX_RESULTS
) -> QueryPage:
    """One page of ``select`` from STARTPOSITION ``start``."""
    response = querier.query(select.statement(start, max_results))
    rows = rows_of(response, select.entity)
    has_more = len(rows) == max_results
    return QueryPage(rows, start + len(rows) if has_more else None)


def query_all(
    querier: Querier, select: Select, max_results: int = MAX_RESULTS
) -> Iterator[dict[str, Any]]:
    """Every row of ``select``, page after page."""
    start: int | None = 1
    while start is not None:
        page = query_page(querier, select, start, max_results)
        yield from page.rows
        start = page.next_start


def rows_of(response: dict[str, Any], entity: str) -> tuple[dict[str, Any], ...]:
    """The rows of ``entity`` in a query response (an empty page has no entity key at all).

    Raises:
        ValueError: the response is not a QueryResponse (the paginator fails loudly).
    """
    body = response.get("QueryResponse")
    if not isinstance(body, dict):
        raise ValueError(f"QBO query of {entity}: expected QueryResponse, got {sorted(response)}")
    rows = body.get(entity, [])
    if not isinstance(rows, list):
        raise ValueError(f"QBO query of {entity}: expected a list, got {type(rows).__name__}")
    return tuple(rows)
