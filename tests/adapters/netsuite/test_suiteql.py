from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from adapters.netsuite.adapter import NetSuiteAdapter
from adapters.netsuite.suiteql import fetch_all, fetch_page, id_list, is_true, page_of, quote
from backoffice.errors import RetryableError
from tests.adapters.netsuite.conftest import route_suiteql, suiteql_page

STATEMENT = "SELECT id, companyname, email, phone FROM customer WHERE isinactive = 'F' ORDER BY id"


def params_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def test_recorded_answer_gives_lower_case_rows_without_links(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    seen = route_suiteql(rsps, {"FROM customer": ns_payload("suiteql_response_customers.json")})
    page = fetch_page(adapter.client, ns_payload("suiteql_request.json")["q"], 0, 1000)
    assert page.rows[0] == {
        "companyname": "Cool co",
        "email": "coolco@sf.com",
        "phone": "1234567890",
        "id": "309",
    }
    assert page.next_position is None
    assert seen[0]["headers"]["Prefer"] == "transient"
    assert params_of(seen[0]["url"]) == {"limit": "1000", "offset": "0"}


def test_pages_follow_has_more_with_limit_and_offset(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    genuine = ns_payload("suiteql_response_customers.json")
    first = {**copy.deepcopy(genuine), "hasMore": True, "totalResults": 3}
    last = {**copy.deepcopy(genuine), "items": genuine["items"][:1], "offset": 2, "count": 1}
    last["items"][0]["id"] = "315"

    def answer(request: Any) -> dict[str, Any]:
        return first if params_of(request.url)["offset"] == "0" else last

    seen = route_suiteql(rsps, {"FROM customer": answer})
    ids = [row["id"] for row in fetch_all(adapter.client, STATEMENT, limit=2)]
    assert ids == ["309", "312", "315"]
    assert [params_of(s["url"]) for s in seen] == [
        {"limit": "2", "offset": "0"},
        {"limit": "2", "offset": "2"},
    ]


def test_malformed_page_fails_loudly_naming_the_keys() -> None:
    with pytest.raises(RetryableError) as raised:
        page_of({"items": [], "count": 0}, 0, 1000)
    assert "hasMore" in raised.value.detail


@pytest.mark.parametrize("limit", [0, 1001])
def test_limit_outside_1_to_1000_is_refused(adapter: NetSuiteAdapter, limit: int) -> None:
    with pytest.raises(ValueError):
        fetch_page(adapter.client, STATEMENT, 0, limit)


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("Acme", "'Acme'"),
        ("O'Brien Staffing", "'O''Brien Staffing'"),
        ("x' OR '1'='1", "'x'' OR ''1''=''1'"),
        ("''", "''''''"),
        ("back\\slash", "'back\\slash'"),
    ],
)
def test_values_are_quoted_with_single_quotes_doubled(value: str, literal: str) -> None:
    assert quote(value) == literal


def test_ids_must_be_numbers() -> None:
    assert id_list(["1", 22, " 3 "]) == "(1, 22, 3)"
    with pytest.raises(ValueError):
        id_list(["1) OR (1=1"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [("T", True), ("t", True), (True, True), ("F", False), (None, False), ("", False)],
)
def test_t_and_f_are_booleans(value: Any, expected: bool) -> None:
    assert is_true(value) is expected


def test_empty_answer_is_the_last_page() -> None:
    assert page_of(suiteql_page([], has_more=True), 0, 1000).next_position is None
