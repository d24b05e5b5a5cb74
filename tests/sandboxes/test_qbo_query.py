from __future__ import annotations

import pytest

from tests.sandboxes.qbo_support import Qbo, StepClock, make_qbo
from tests.support.payloads import payload


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def qbo(clock: StepClock) -> Qbo:
    return make_qbo(clock)


def rows(response, entity: str) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["QueryResponse"].get(entity, [])


def test_page_reports_rows_returned_not_the_limit(qbo, shared):
    for name in ("A", "B", "C"):
        qbo.customer(name)

    first = qbo.query("SELECT * FROM Customer ORDERBY DisplayName STARTPOSITION 1 MAXRESULTS 2")
    last = qbo.query("SELECT * FROM Customer ORDERBY DisplayName STARTPOSITION 3 MAXRESULTS 2")

    genuine = payload("qbo", "query_response_vendor_page.json")
    assert set(last.get_json()) == set(genuine)
    assert set(last.get_json()["QueryResponse"]) - {"Customer"} == {"startPosition", "maxResults"}
    assert first.get_json()["QueryResponse"]["maxResults"] == 2
    assert last.get_json()["QueryResponse"]["startPosition"] == 3
    assert [row["DisplayName"] for row in rows(last, "Customer")] == ["C"]


def test_empty_page_has_no_entity_key(qbo):
    response = qbo.query("SELECT * FROM Invoice")

    assert response.get_json()["QueryResponse"] == {}


def test_count_answers_total_count(qbo, shared):
    qbo.customer("A")
    qbo.customer("B")

    response = qbo.query("select count(*) from Customer")

    assert set(response.get_json()) == set(payload("qbo", "query_count_response.json"))
    assert response.get_json()["QueryResponse"] == {"totalCount": 2}


def test_backslash_escaped_quote_matches_the_name(qbo):
    qbo.customer("Amy's Bird Sanctuary")

    found = rows(
        qbo.query(r"SELECT * FROM Customer WHERE DisplayName = 'Amy\'s Bird Sanctuary'"), "Customer"
    )

    assert [row["DisplayName"] for row in found] == ["Amy's Bird Sanctuary"]


def test_query_by_get_parameter(qbo):
    qbo.customer("A")

    response = qbo.get("query", query="SELECT * FROM Customer WHERE DisplayName = 'a'")

    assert [row["DisplayName"] for row in rows(response, "Customer")] == ["A"]


def test_reference_compares_by_value_and_in_lists(qbo):
    first, second = qbo.customer("A"), qbo.customer("B")
    qbo.invoice(first["Id"], DocNumber="1")
    qbo.invoice(second["Id"], DocNumber="2")

    by_customer = qbo.query(f"SELECT * FROM Invoice WHERE CustomerRef = '{second['Id']}'")
    by_numbers = qbo.query(
        "SELECT * FROM Invoice WHERE DocNumber IN ('1', '2') ORDERBY DocNumber DESC"
    )

    assert [row["DocNumber"] for row in rows(by_customer, "Invoice")] == ["2"]
    assert [row["DocNumber"] for row in rows(by_numbers, "Invoice")] == ["2", "1"]


def test_last_updated_time_filter_compares_instants(qbo, clock):
    customer = qbo.customer()
    qbo.invoice(customer["Id"], DocNumber="old")
    clock.advance(minutes=30)
    qbo.invoice(customer["Id"], DocNumber="new")

    response = qbo.query(
        "SELECT * FROM Invoice WHERE Metadata.LastUpdatedTime >= '2023-02-18T20:15:00+00:00'"
    )

    assert [row["DocNumber"] for row in rows(response, "Invoice")] == ["new"]


def test_inactive_records_are_left_out_unless_asked_for(qbo):
    customer = qbo.customer("Gone")
    qbo.create(
        "Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False}
    )

    default = qbo.query("SELECT * FROM Customer WHERE DisplayName = 'Gone'")
    both = qbo.query(
        "SELECT * FROM Customer WHERE DisplayName = 'Gone' AND Active IN (true, false)"
    )

    assert rows(default, "Customer") == []
    assert len(rows(both, "Customer")) == 1


def test_like_matches_a_prefix(qbo):
    qbo.create("Item", {"Name": "Placement fee", "IncomeAccountRef": {"value": "1"}})

    response = qbo.query("SELECT * FROM Item WHERE Name LIKE 'Place%'")

    assert [row["Name"] for row in rows(response, "Item")] == ["Placement fee"]


def test_maxresults_is_capped_at_1000(qbo):
    for number in range(3):
        qbo.customer(f"C{number}")

    response = qbo.query("SELECT * FROM Customer MAXRESULTS 5000")

    assert response.get_json()["QueryResponse"]["maxResults"] == 3


def test_unknown_entity_answers_the_genuine_4001(qbo, shared):
    response = qbo.query("SELECT * FROM Custmoer")

    assert response.status_code == 400
    assert response.get_json()["Fault"] == payload("qbo", "error_4001_invalid_query.json")["Fault"]


def test_unknown_property_answers_4001(qbo):
    response = qbo.query("SELECT * FROM Invoice WHERE NoSuchField = '1'")

    error = response.get_json()["Fault"]["Error"][0]
    assert (error["code"], error["Detail"]) == (
        "4001",
        "QueryValidationError: Property NoSuchField not found for Entity Invoice",
    )


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM Customer WHERE",
        "SELECT * FROM Customer WHERE DisplayName = 'A' OR DisplayName = 'B'",
        "SELECT * Customer",
        "SELECT * FROM Customer WHERE DisplayName = 'unterminated",
    ],
)
def test_malformed_statement_answers_4000(qbo, statement):
    response = qbo.query(statement)

    error = response.get_json()["Fault"]["Error"][0]
    assert response.status_code == 400
    assert (error["code"], error["Message"]) == ("4000", "Error parsing query")
    assert error["Detail"].startswith("QueryParserError: ")
