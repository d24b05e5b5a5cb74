from __future__ import annotations

from decimal import Decimal

import pytest

from tests.sandboxes.qbo_support import Qbo, StepClock, make_qbo
from tests.support.payloads import payload


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def qbo(clock: StepClock) -> Qbo:
    return make_qbo(clock)


def invoice_item(bid: str, customer_id: str, number: str) -> dict:
    line = {
        "Amount": Decimal("10.00"),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
    }
    return {
        "bId": bid,
        "operation": "create",
        "Invoice": {"CustomerRef": {"value": customer_id}, "DocNumber": number, "Line": [line]},
    }


def test_batch_answers_each_item_in_place_with_its_fault(qbo, shared):
    customer = qbo.customer("Cool Cars")
    items = [
        invoice_item("bid1", customer["Id"], "1001"),
        {"bId": "bid2", "operation": "delete", "Invoice": {"Id": "129", "SyncToken": "0"}},
        {
            "bId": "bid3",
            "operation": "update",
            "Customer": {"Id": customer["Id"], "SyncToken": "5", "sparse": True, "Notes": "x"},
        },
        {"bId": "bid4", "Query": "select * from Customer where DisplayName = 'Cool Cars'"},
    ]

    response = qbo.post("batch", {"BatchItemRequest": items})

    genuine = payload("qbo", "batch_response.json")
    answered = response.get_json()
    assert set(answered) == set(genuine)
    by_bid = {item["bId"]: item for item in answered["BatchItemResponse"]}
    assert by_bid["bid1"]["Invoice"]["DocNumber"] == "1001"
    for bid in ("bid2", "bid3"):
        mine, theirs = by_bid[bid]["Fault"], _by_bid(genuine, bid)["Fault"]
        assert (mine["type"], mine["Error"][0]["code"]) == (
            theirs["type"],
            theirs["Error"][0]["code"],
        )
        assert set(mine["Error"][0]) == set(theirs["Error"][0])
    assert set(by_bid["bid4"]["QueryResponse"]) == {"Customer", "startPosition", "maxResults"}


def test_batch_of_more_than_30_items_is_refused_whole(qbo):
    customer = qbo.customer()
    items = [invoice_item(f"b{n}", customer["Id"], str(n)) for n in range(31)]

    response = qbo.post("batch", {"BatchItemRequest": items})

    assert response.status_code == 400
    assert qbo.query("SELECT COUNT(*) FROM Invoice").get_json()["QueryResponse"]["totalCount"] == 0


def test_cdc_lists_changes_and_deletions_since_the_cursor(qbo, clock, shared):
    customer = qbo.customer()
    untouched = qbo.invoice(customer["Id"], DocNumber="1")
    clock.advance(minutes=30)
    changed = qbo.invoice(customer["Id"], DocNumber="2")
    gone = qbo.invoice(customer["Id"], DocNumber="3")
    qbo.post("invoice", {"Id": gone["Id"], "SyncToken": "0"}, operation="delete")

    response = qbo.get("cdc", entities="Invoice,Payment", changedSince="2023-02-18T20:15:00Z")

    genuine = payload("qbo", "cdc_response.json")
    body = response.get_json()
    assert set(body) == set(genuine)
    blocks = body["CDCResponse"][0]["QueryResponse"]
    assert isinstance(blocks, list) and len(blocks) == 2
    invoices = blocks[0]["Invoice"]
    assert [row["Id"] for row in invoices] == [changed["Id"], gone["Id"]]
    assert untouched["Id"] not in {row["Id"] for row in invoices}
    assert invoices[-1] == {
        "domain": "QBO",
        "status": "Deleted",
        "Id": gone["Id"],
        "MetaData": {"LastUpdatedTime": "2023-02-18T12:30:00-08:00"},
    }
    assert blocks[0]["maxResults"] == 2


def test_cdc_older_than_30_days_is_refused(qbo):
    response = qbo.get("cdc", entities="Invoice", changedSince="2023-01-01T00:00:00Z")

    assert response.status_code == 400
    assert "older than fixed days" in response.get_json()["Fault"]["Error"][0]["Detail"]


def _by_bid(batch: dict, bid: str) -> dict:
    return next(item for item in batch["BatchItemResponse"] if item["bId"] == bid)


def test_a_batch_sent_again_under_its_requestid_faults_every_item_and_applies_nothing(qbo):
    customer = qbo.customer()
    items = [invoice_item(f"b{n}", customer["Id"], str(n)) for n in range(2)]
    first = qbo.post("batch", {"BatchItemRequest": items}, requestid="batch-0123456789abcdef")
    assert all("Invoice" in item for item in first.get_json()["BatchItemResponse"])

    again = qbo.post("batch", {"BatchItemRequest": items}, requestid="batch-0123456789abcdef")

    assert again.status_code == 200
    answered = again.get_json()["BatchItemResponse"]
    assert [item["bId"] for item in answered] == ["b0", "b1"]
    for item in answered:
        error = item["Fault"]["Error"][0]
        assert error["code"] == "6000" and "try again" in error["Detail"]
    assert qbo.query("SELECT COUNT(*) FROM Invoice").get_json()["QueryResponse"]["totalCount"] == 2


def test_a_batch_under_a_new_requestid_is_applied(qbo):
    customer = qbo.customer()
    first = {"BatchItemRequest": [invoice_item("b0", customer["Id"], "1")]}
    qbo.post("batch", first, requestid="a")

    second = qbo.post(
        "batch", {"BatchItemRequest": [invoice_item("b1", customer["Id"], "2")]}, requestid="b"
    )

    assert "Invoice" in second.get_json()["BatchItemResponse"][0]
    assert qbo.query("SELECT COUNT(*) FROM Invoice").get_json()["QueryResponse"]["totalCount"] == 2
