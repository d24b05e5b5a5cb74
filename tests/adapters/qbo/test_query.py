"""Query statements: quotes escaped, STARTPOSITION/MAXRESULTS paging, loud failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from adapters.pagination import MalformedPage
from adapters.qbo.query import Select, query_all, query_page, quote


class Recorded:
    """Answers queries from recorded pages, keeping the statements it was sent."""

    def __init__(self, *pages: dict[str, Any]) -> None:
        self.pages = list(pages)
        self.statements: list[str] = []

    def query(self, statement: str) -> dict[str, Any]:
        self.statements.append(statement)
        return self.pages.pop(0)


def test_single_quotes_and_backslashes_are_escaped() -> None:
    assert quote("Amy's Bird Sanctuary") == "'Amy\\'s Bird Sanctuary'"
    assert quote("a\\' OR 1=1") == "'a\\\\\\' OR 1=1'"


def test_statement_pages_with_one_based_start_and_limit() -> None:
    select = Select("Customer", ("DisplayName = " + quote("O'Brien"),))
    assert select.statement(26, 5) == (
        "SELECT * FROM Customer WHERE DisplayName = 'O\\'Brien' ORDERBY Id "
        "STARTPOSITION 26 MAXRESULTS 5"
    )


@pytest.mark.parametrize("limit", [0, 1001])
def test_max_results_above_1000_is_refused(limit: int) -> None:
    with pytest.raises(ValueError):
        Select("Item").statement(1, limit)


def test_full_page_points_to_the_next_and_short_page_ends(
    qbo_payload: Callable[[str], Any],
) -> None:
    querier = Recorded(
        qbo_payload("query_response_vendor_page1.json"),
        qbo_payload("query_response_vendor_page.json"),
    )
    first = query_page(querier, Select("Vendor"), 1, 5)
    assert (len(first.rows), first.next_position) == (5, 6)
    last = query_page(querier, Select("Vendor"), 26, 5)
    assert (len(last.rows), last.next_position) == (1, None)


def test_query_all_follows_pages_until_a_short_one(qbo_payload: Callable[[str], Any]) -> None:
    querier = Recorded(
        qbo_payload("query_response_vendor_page1.json"),
        qbo_payload("query_response_vendor_page.json"),
    )
    rows = list(query_all(querier, Select("Vendor", order_by=None), 5))
    assert [row["Id"] for row in rows] == ["56", "30", "31", "32", "33", "52"]
    assert querier.statements == [
        "SELECT * FROM Vendor STARTPOSITION 1 MAXRESULTS 5",
        "SELECT * FROM Vendor STARTPOSITION 6 MAXRESULTS 5",
    ]


def test_a_count_response_is_not_mistaken_for_rows(qbo_payload: Callable[[str], Any]) -> None:
    querier = Recorded(qbo_payload("query_count_response.json"))
    assert query_page(querier, Select("Vendor")).rows == ()


def test_a_response_that_is_not_a_query_response_fails_loudly(
    qbo_payload: Callable[[str], Any],
) -> None:
    querier = Recorded(qbo_payload("customer_create_response.json"))
    with pytest.raises(MalformedPage) as raised:
        query_page(querier, Select("Customer"))
    assert raised.value.detail.startswith("qbo query paginator expected QueryResponse as dict")
    assert "got no QueryResponse (keys ['Customer', 'time'])" in raised.value.detail
