"""The one offset paginator, as QBO's query reader and SuiteQL's reader use it."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.netsuite.suiteql import SuiteqlPaginator
from adapters.pagination import MalformedPage, read_all
from adapters.qbo.query import QueryPaginator


def suiteql(ids: list[int], has_more: Any) -> dict[str, Any]:
    return {"items": [{"links": [], "id": str(i)} for i in ids], "hasMore": has_more}


def test_read_all_asks_each_page_at_its_position_until_the_last() -> None:
    pages = {0: suiteql([1, 2], True), 2: suiteql([3, 4], True), 4: suiteql([5], False)}
    asked: list[tuple[int, int]] = []

    def fetch(position: int, limit: int) -> dict[str, Any]:
        asked.append((position, limit))
        return pages[position]

    rows = list(read_all(SuiteqlPaginator(limit=2), fetch))
    assert [row["id"] for row in rows] == ["1", "2", "3", "4", "5"]
    assert asked == [(0, 2), (2, 2), (4, 2)]
    assert all("links" not in row for row in rows)


def test_qbo_pages_are_read_from_startposition_one_and_end_on_a_short_page() -> None:
    pages = {
        1: {"QueryResponse": {"Item": [{"Id": "1"}, {"Id": "2"}]}},
        3: {"QueryResponse": {}},  # an empty page carries no entity key at all
    }
    asked: list[int] = []

    def fetch(position: int, limit: int) -> dict[str, Any]:
        asked.append(position)
        return pages[position]

    rows = list(read_all(QueryPaginator("Item", 2), fetch))
    assert [row["Id"] for row in rows] == ["1", "2"]
    assert asked == [1, 3]


def test_an_empty_page_ends_the_read_even_when_it_claims_more() -> None:
    paginator = SuiteqlPaginator(limit=2)
    assert paginator.update_state(suiteql([], True)) == ()
    assert paginator.next_position is None


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"items": [], "hasMore": "true"},
            "netsuite suiteql paginator expected hasMore as bool, got str",
        ),
        (
            {"hasMore": False, "count": 0},
            "netsuite suiteql paginator expected items as list, got no items "
            "(keys ['count', 'hasMore'])",
        ),
        ([], "netsuite suiteql paginator expected items as list, got a list body"),
    ],
)
def test_a_malformed_suiteql_page_names_the_paginator_the_key_and_what_it_found(
    body: Any, detail: str
) -> None:
    with pytest.raises(MalformedPage) as raised:
        SuiteqlPaginator().update_state(body)
    assert raised.value.detail == detail
    assert raised.value.message == "NetSuite answered a query with a malformed page."


def test_qbo_rows_that_are_not_a_list_fail_loudly() -> None:
    with pytest.raises(MalformedPage) as raised:
        QueryPaginator("Customer").update_state({"QueryResponse": {"Customer": {"Id": "1"}}})
    assert raised.value.detail == (
        "qbo query paginator expected QueryResponse.Customer as list, got dict"
    )
    assert raised.value.message.startswith("QuickBooks answered")
