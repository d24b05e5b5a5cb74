"""SuiteQL: statements with safely quoted values, and limit/offset paging over ``hasMore``.

``POST /services/rest/query/v1/suiteql?limit=&offset=`` with body
``{"q": ...}`` and ``Prefer: transient`` (required by NetSuite for SuiteQL).
A page holds at most 1000 rows; every statement paged here must end in an
ORDER BY on a unique key, or rows may repeat or go missing between pages.
NetSuite answers with lower-case column names, every value as text or a
number, booleans as ``"T"``/``"F"``, and no column at all for a NULL.
``SuiteqlPaginator`` (``adapters.pagination``) fails loudly when ``hasMore``
or ``items`` is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, Protocol

import requests

from adapters.netsuite.errors import SYSTEM
from adapters.netsuite.hosts import SUITEQL_PATH
from adapters.pagination import Fetch, OffsetPaginator, Row, RowPage, read_all
from backoffice.errors import RetryableError

MAX_LIMIT = 1000
TRANSIENT = {"Prefer": "transient"}
TIMESTAMP_FORMAT = "YYYY-MM-DD HH24:MI:SS"  # as TO_CHAR/TO_TIMESTAMP spell ours
_ID = re.compile(r"^-?\d+$")


class Sender(Protocol):
    """What sends a request: ``adapters.http.HttpClient``."""

    def request(
        self, method: str, path: str, *, json: Any = None, params: Any = None, headers: Any = None
    ) -> requests.Response:
        """The successful response, or the error its table names."""


def quote(value: str) -> str:
    """A string literal: single quotes doubled, so no value can end the literal."""
    return "'" + str(value).replace("'", "''") + "'"


def id_literal(value: str | int) -> str:
    """An internal id as a number literal; anything else is refused (a bug, not data)."""
    text = str(value).strip()
    if not _ID.match(text):
        raise ValueError(f"not a NetSuite internal id: {value!r}")
    return text


def id_list(values: Iterable[str | int]) -> str:
    """``(1, 2, 3)`` for an IN clause."""
    return "(" + ", ".join(id_literal(v) for v in values) + ")"


def timestamp_literal(value: str) -> str:
    """A ``YYYY-MM-DD HH:MM:SS`` text as a SuiteQL timestamp."""
    return f"TO_TIMESTAMP({quote(value)}, {quote(TIMESTAMP_FORMAT)})"


def is_true(value: Any) -> bool:
    """SuiteQL's ``"T"``/``"F"`` (and JSON booleans, should it send them) as a bool."""
    return value is True or str(value).upper() == "T"


class SuiteqlPaginator(OffsetPaginator):
    """limit/offset paging over ``hasMore``: NetSuite pages by whole pages.

    The next offset is ``offset + limit`` (an offset must be a multiple of
    the limit); rows lose their empty ``links``.
    """

    name = "netsuite suiteql paginator"
    title = "NetSuite"

    def __init__(self, limit: int = MAX_LIMIT, offset: int = 0) -> None:
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"a SuiteQL page holds 1..{MAX_LIMIT} rows: {limit}")
        super().__init__(limit, offset)

    def rows_of(self, body: Any) -> tuple[Row, ...]:
        """The page's ``items``, without their ``links``."""
        items = self.field(body, "items", list)
        return tuple({k: v for k, v in row.items() if k != "links"} for row in items)

    def more_after(self, body: Any, rows: tuple[Row, ...]) -> bool:
        """NetSuite's ``hasMore``."""
        has_more: bool = self.field(body, "hasMore", bool)
        return has_more


def fetch_page(sender: Sender, statement: str, offset: int = 0, limit: int = MAX_LIMIT) -> RowPage:
    """One page of ``statement`` from ``offset``."""
    return SuiteqlPaginator(limit, offset).page(_fetch(sender, statement))


def fetch_all(sender: Sender, statement: str, limit: int = MAX_LIMIT) -> Iterator[dict[str, Any]]:
    """Every row of ``statement``, page after page."""
    return read_all(SuiteqlPaginator(limit), _fetch(sender, statement))


def page_of(body: dict[str, Any], offset: int, limit: int) -> RowPage:
    """Rows and the next offset of one page's body; a malformed page raises ``MalformedPage``."""
    paginator = SuiteqlPaginator(limit, offset)
    return RowPage(paginator.update_state(body), paginator.next_position)


def _fetch(sender: Sender, statement: str) -> Fetch:
    def fetch(offset: int, limit: int) -> dict[str, Any]:
        response = sender.request(
            "POST",
            SUITEQL_PATH,
            json={"q": statement},
            params={"limit": limit, "offset": offset},
            headers=TRANSIENT,
        )
        return _body_of(response)

    return fetch


def _body_of(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json(parse_float=Decimal)
    except ValueError as error:
        raise RetryableError(
            "NetSuite answered a SuiteQL query with no JSON.",
            detail=f"{SYSTEM} suiteql: {type(error).__name__}",
        ) from error
    return body if isinstance(body, dict) else {}
