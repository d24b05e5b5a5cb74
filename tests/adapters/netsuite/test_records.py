from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import requests
import responses

from adapters.base import (
    CreditMemoDoc,
    CustomerDoc,
    DocumentLine,
    DocumentType,
    InvoiceDoc,
    ItemDoc,
    RemoteRef,
)
from adapters.jsonbody import dumps
from adapters.netsuite.adapter import NetSuiteAdapter
from adapters.netsuite.records import check_key, id_from_location
from backoffice.errors import UncertainWrite
from tests.adapters.netsuite.conftest import CURRENCIES, RECORD, route_suiteql


def headers_of(text: str) -> tuple[int, dict[str, str]]:
    status_line, *lines = [line for line in text.splitlines() if line.strip()]
    headers = dict(line.split(": ", 1) for line in lines)
    return int(status_line.split()[1]), headers


def located(record_type: str, record_id: str) -> dict[str, str]:
    return {"Location": f"{RECORD}/{record_type}/{record_id}"}


def invoice_doc(**overrides: Any) -> InvoiceDoc:
    lines = (
        DocumentLine(
            "21",
            "Temp staffing - Forklift operator (40 h)",
            Decimal("40"),
            Decimal("32.50"),
            Decimal("1300.00"),
        ),
        DocumentLine("21", "Overtime (6 h)", Decimal("6"), Decimal("48.75"), Decimal("292.50")),
    )
    fields: dict[str, Any] = {
        "number": "INV-2024-000123",
        "customer_id": "1137",
        "currency": "USD",
        "txn_date": dt.date(2024, 3, 1),
        "due_date": dt.date(2024, 3, 31),
        "lines": lines,
        "terms_id": "2",
        "memo": "Week ending 2024-02-25",
        "subsidiary_id": "1",
    }
    return InvoiceDoc(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("name", "record_id"),
    [
        ("create_204_response_headers.http", "647"),
        ("invoice_create_204_response_headers.http", "123"),
    ],
)
def test_204_location_gives_the_new_id(
    ns_text: Callable[[str], str], name: str, record_id: str
) -> None:
    status, headers = headers_of(ns_text(name))
    assert status == 204
    assert id_from_location(headers["Location"]) == record_id


@pytest.mark.parametrize("location", [None, "", "https://h/services/rest/record/v1/invoice/"])
def test_location_without_an_id_gives_none(location: str | None) -> None:
    assert id_from_location(location) is None


@pytest.mark.parametrize("key", ["", "inv 1", "inv:1", "inv/1", "a|b", "x" * 256])
def test_keys_unfit_for_an_external_id_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        check_key(key)


def test_upsert_puts_to_the_external_id_and_reads_the_location(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_text: Callable[[str], str]
) -> None:
    _status, headers = headers_of(ns_text("invoice_create_204_response_headers.http"))
    rsps.put(f"{RECORD}/invoice/eid:inv-1", status=204, headers=headers)
    assert adapter.records.upsert("invoice", "inv-1", {"memo": "x"}) == "123"


def test_upsert_without_location_reads_the_record_back_by_external_id(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    rsps.put(f"{RECORD}/customer/eid:CUST-001", status=204)
    rsps.get(f"{RECORD}/customer/eid:CUST-001", json=ns_payload("customer_get_response.json"))
    assert adapter.records.upsert("customer", "CUST-001", {}) == "1137"


def test_every_create_is_a_put_by_external_id(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    route_suiteql(rsps, {"FROM currency": CURRENCIES})
    for record_type, record_id in (
        ("customer", "1137"),
        ("serviceSaleItem", "21"),
        ("invoice", "1227"),
        ("creditMemo", "1241"),
    ):
        rsps.put(
            f"{RECORD}/{record_type}/eid:k-{record_type}",
            status=204,
            headers=located(record_type, record_id),
        )
    rsps.get(
        f"{RECORD}/creditMemo/eid:k-creditMemo",
        status=404,
        json=ns_payload("error_404_nonexistent_id.json"),
    )
    adapter.upsert_customer(CustomerDoc("Acme", "ap@acme.example", "USD"), "k-customer")
    adapter.upsert_item(ItemDoc("Temp staffing - hourly", "54"), "k-serviceSaleItem")
    adapter.create_invoice(invoice_doc(), "k-invoice")
    adapter.create_credit_memo(CreditMemoDoc(**vars(invoice_doc(number="CM-1"))), "k-creditMemo")
    writes = [
        c.request
        for c in rsps.calls
        if c.request.method != "GET" and "suiteql" not in c.request.url
    ]
    assert [w.method for w in writes] == ["PUT"] * 4
    assert all("/eid:k-" in str(w.url) for w in writes)
    assert [w.url.endswith("?replace=item") for w in writes] == [False, False, True, True]


def test_linked_records_are_patched_by_id(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock
) -> None:
    route_suiteql(rsps, {"FROM currency": CURRENCIES})
    rsps.patch(f"{RECORD}/customer/1137", status=204)
    ref = adapter.upsert_customer(CustomerDoc("Acme", None, "USD", remote_id="1137"), "k-1")
    assert ref == RemoteRef("1137")
    body = json.loads(rsps.calls[-1].request.body)
    assert "currency" not in body and body["entityId"] == "Acme"


def test_invoice_body_matches_the_recorded_request_with_exact_decimals(
    adapter: NetSuiteAdapter,
    rsps: responses.RequestsMock,
    ns_payload: Callable[[str], Any],
    shared: Any,
) -> None:
    route_suiteql(rsps, {"FROM currency": CURRENCIES})
    rsps.put(
        f"{RECORD}/invoice/eid:INV-2024-000123", status=204, headers=located("invoice", "1227")
    )
    assert adapter.create_invoice(invoice_doc(), "INV-2024-000123") == RemoteRef("1227")
    raw = rsps.calls[-1].request.body
    expected = json.loads(
        (shared / "netsuite/invoice_create_request.json").read_text(), parse_float=Decimal
    )
    expected.pop("externalId")  # an upsert names it in the URL
    sent = json.loads(raw, parse_float=Decimal)
    assert sent.pop("currency") == {"id": "1"}
    assert sent == expected
    for exact in (b'"rate":32.50', b'"amount":1300.00', b'"amount":292.50', b'"quantity":40'):
        assert exact in raw


def test_decimal_is_written_exactly_and_a_float_is_refused() -> None:
    total = Decimal("0.10") + Decimal("0.20")
    assert dumps({"amount": total, "rate": Decimal("1234567.8901")}) == (
        '{"amount":0.30,"rate":1234567.8901}'
    )
    with pytest.raises(TypeError):
        dumps({"amount": 0.1})


def test_dropped_write_is_uncertain_then_read_back_by_external_id(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    route_suiteql(rsps, {"FROM currency": CURRENCIES})
    rsps.put(f"{RECORD}/invoice/eid:INV-2024-000123", body=requests.ConnectionError("reset"))
    rsps.get(f"{RECORD}/invoice/eid:INV-2024-000123", json=ns_payload("invoice_get_response.json"))
    with pytest.raises(UncertainWrite):
        adapter.create_invoice(invoice_doc(), "INV-2024-000123")
    puts = [c for c in rsps.calls if c.request.method == "PUT"]
    assert len(puts) == 1  # never resent blindly
    found = adapter.find_document(DocumentType.INVOICE, key="INV-2024-000123")
    assert found == RemoteRef("1227", "2020-04-17T10:10:00Z")


def test_read_back_of_a_write_that_never_landed_is_none(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    rsps.get(
        f"{RECORD}/invoice/eid:INV-9", status=404, json=ns_payload("error_404_nonexistent_id.json")
    )
    assert adapter.find_document(DocumentType.INVOICE, key="INV-9") is None


def test_credit_memo_is_applied_up_to_the_invoice_open_balance(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    route_suiteql(rsps, {"FROM currency": CURRENCIES})
    rsps.get(
        f"{RECORD}/creditMemo/eid:CM-2024-000007",
        status=404,
        json=ns_payload("error_404_nonexistent_id.json"),
    )
    rsps.get(f"{RECORD}/invoice/1227", json=ns_payload("invoice_get_response.json"))  # 2010.0 open
    rsps.put(
        f"{RECORD}/creditMemo/eid:CM-2024-000007", status=204, headers=located("creditMemo", "1241")
    )
    line = DocumentLine(
        "21", "Overtime credit (2 h)", Decimal("2"), Decimal("48.75"), Decimal("97.50")
    )
    memo = CreditMemoDoc(
        "CM-2024-000007",
        "1137",
        "USD",
        dt.date(2024, 3, 5),
        None,
        (line,),
        applies_to=RemoteRef("1227"),
    )
    assert adapter.create_credit_memo(memo, "CM-2024-000007") == RemoteRef("1241")
    raw = rsps.calls[-1].request.body
    sent = json.loads(raw, parse_float=Decimal)
    assert sent["apply"] == {
        "items": [{"doc": {"id": "1227"}, "line": 0, "apply": True, "amount": Decimal("97.50")}]
    }
    assert sent["autoApply"] is False
    assert b'"amount":97.50' in raw
    assert "dueDate" not in sent and "terms" not in sent


def test_credit_memo_reads_the_invoice_balance_in_camel_case(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    route_suiteql(rsps, {"FROM currency": CURRENCIES})
    rsps.get(
        f"{RECORD}/creditMemo/eid:CM-1",
        status=404,
        json=ns_payload("error_404_nonexistent_id.json"),
    )
    invoice = ns_payload("invoice_get_response.json")
    del invoice["amountremaining"]
    rsps.get(f"{RECORD}/invoice/1227", json={**invoice, "amountRemaining": 40.0})
    rsps.put(f"{RECORD}/creditMemo/eid:CM-1", status=204, headers=located("creditMemo", "1241"))
    memo = CreditMemoDoc(**vars(invoice_doc(number="CM-1")), applies_to=RemoteRef("1227"))

    adapter.create_credit_memo(memo, "CM-1")

    sent = json.loads(rsps.calls[-1].request.body, parse_float=Decimal)
    assert sent["apply"]["items"][0]["amount"] == Decimal("40.0")


def test_credit_memo_for_a_paid_invoice_is_left_unapplied_and_never_auto_applied(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    route_suiteql(rsps, {"FROM currency": CURRENCIES})
    missing = ns_payload("error_404_nonexistent_id.json")
    rsps.get(f"{RECORD}/creditMemo/eid:CM-1", status=404, json=missing)
    rsps.get(f"{RECORD}/invoice/1227", json={"id": "1227", "amountRemaining": 0.0})
    rsps.put(f"{RECORD}/creditMemo/eid:CM-1", status=204, headers=located("creditMemo", "1241"))
    memo = CreditMemoDoc(**vars(invoice_doc(number="CM-1")), applies_to=RemoteRef("1227"))

    adapter.create_credit_memo(memo, "CM-1")

    sent = json.loads(rsps.calls[-1].request.body)
    assert (sent["autoApply"], "apply" in sent) == (False, False)


def test_credit_memo_already_written_under_its_key_is_not_sent_again(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    rsps.get(
        f"{RECORD}/creditMemo/eid:CM-1",
        json={**ns_payload("invoice_get_response.json"), "id": "1241"},
    )
    memo = CreditMemoDoc(**vars(invoice_doc(number="CM-1")), applies_to=RemoteRef("1227"))
    assert adapter.create_credit_memo(memo, "CM-1").id == "1241"
    assert [c.request.method for c in rsps.calls] == ["GET"]
