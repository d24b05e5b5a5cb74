"""One paginator for offset/limit reads, shared by QBO's queries and SuiteQL.

In the style of dlt's and Meltano's paginators: a paginator holds where the
next page starts and whether there is one, reads each page's rows
(``update_state``) and moves forward by whole pages; the reader
(``OffsetPaginator.page`` for one page, ``read_all`` for every row) asks the
system for each page through a ``Fetch`` that sends it through the request
loop. A system's paginator only says where its rows are and how it tells
that more follow.

A page that is not what its paginator expects fails loudly with
``MalformedPage``, naming the paginator, the key it read and what it found
there; it never ends the read quietly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

from backoffice.errors import RetryableError

Row = dict[str, Any]
Fetch = Callable[[int, int], Any]  # (position, limit) -> the page's parsed body
MAX_DETAIL = 300


class MalformedPage(RetryableError):
    """Raised when a page lacks the key its paginator reads, or holds another type there."""


@dataclass(frozen=True)
class RowPage:
    """One page of rows, and where the next page starts (None after the last)."""

    rows: tuple[Row, ...]
    next_position: int | None


class OffsetPaginator(ABC):
    """Pages of at most ``limit`` rows from ``start``; each next page starts ``limit`` further.

    An empty page is the last whatever it claims: a system that says more
    follow after nothing would otherwise be read forever.
    """

    name: ClassVar[str]  # named in the detail of a ``MalformedPage``
    title: ClassVar[str]  # the system, in the sentence a person reads

    def __init__(self, limit: int, start: int) -> None:
        self.limit = limit
        self.position = start
        self.has_more = True

    @abstractmethod
    def rows_of(self, body: Any) -> tuple[Row, ...]:
        """The page's rows, or ``MalformedPage``."""

    @abstractmethod
    def more_after(self, body: Any, rows: tuple[Row, ...]) -> bool:
        """Whether the system says more pages follow this one, or ``MalformedPage``."""

    def update_state(self, body: Any) -> tuple[Row, ...]:
        """Read one page's rows and move to the next page (if any)."""
        rows = self.rows_of(body)
        self.has_more = self.more_after(body, rows) and bool(rows)
        if self.has_more:
            self.position += self.limit
        return rows

    @property
    def next_position(self) -> int | None:
        """Where the next page starts, None once the last was read."""
        return self.position if self.has_more else None

    def page(self, fetch: Fetch) -> RowPage:
        """Fetch and read the page at the current position."""
        rows = self.update_state(fetch(self.position, self.limit))
        return RowPage(rows, self.next_position)

    def field(self, body: Any, key: str, expected: type) -> Any:
        """``body[key]`` when it is an ``expected``, else ``MalformedPage`` naming both."""
        value = body.get(key) if isinstance(body, Mapping) else None
        if isinstance(value, expected):
            return value
        self.malformed(key, expected.__name__, _found(body, key))

    def malformed(self, key: str, expected: str, found: str) -> NoReturn:
        """Raise the ``MalformedPage`` of ``key``."""
        raise MalformedPage(
            f"{self.title} answered a query with a malformed page.",
            detail=f"{self.name} expected {key} as {expected}, got {found}"[:MAX_DETAIL],
        )


def read_all(paginator: OffsetPaginator, fetch: Fetch) -> Iterator[Row]:
    """Every row, page after page, until the paginator says the last was read."""
    while paginator.has_more:
        yield from paginator.page(fetch).rows


def _found(body: Any, key: str) -> str:
    """What stood where ``key`` was expected: its type, or the keys there were instead."""
    if not isinstance(body, Mapping):
        return f"a {type(body).__name__} body"
    if key not in body:
        return f"no {key} (keys {sorted(body)})"
    return type(body[key]).__name__
