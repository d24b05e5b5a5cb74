"""QboAdapter against recorded QBO answers: pushes, links, re-reads, states, pickers, batches."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

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
    OptionKind,
    RemoteRef,
)
from adapters.qbo.adapter import QboAdapter, batch_request_id, derived_key
from backoffice.errors import NeedsUserAction, UncertainWrite
from tests.adapters.qbo.conftest import COMPANY

pytestmark = pytest.mark.usefixtures("preferences")


def invoice(number: str = "1035", **overrides: Any) -> InvoiceDoc:
    values: dict[str, Any] = {
        "number": number,
        "customer_id": "17",
        "currency": "USD",
        "txn_date": dt.date(2023, 2, 18),
        "due_date": dt.date(2023, 3, 20),
        "terms_id": "3",
        "lines": (
            DocumentLine(
                "5",
                "Rock Fountain",
                Decimal("1"),
                Decimal("275.00"),
                Decimal("275.00"),
                tax_code_id="TAX",
            ),
            DocumentLine(
                "17",
                "Sprinkler Pipes",
                Decimal("4"),
                Decimal("4.00"),
                Decimal("16.00"),
                tax_code_id="TAX",
                class_id="200",
            ),
        ),
    }
    values.update(overrides)
    return InvoiceDoc(**values)


def queries(rsps: responses.RequestsMock) -> list[str]:
    return [
        call.request.body.decode() if isinstance(call.request.body, bytes) else call.request.body
        for call in rsps.calls
        if call.request.url.split("?")[0].endswith("/query")
    ]


def sent_json(call: Any) -> dict[str, Any]:
    return json.loads(call.request.body)


def test_invoice_body_has_exact_decimal_amounts_and_our_fields(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    post = rsps.post(f"{COMPANY}/invoice", json=qbo_payload("invoice_create_response.json"))
    ref = adapter.create_invoice(invoice(memo="Thank you"), "outbox-1")
    assert ref == RemoteRef("266", "0")
    raw = post.calls[0].request.body.decode()
    assert '"Amount":275.00' in raw and '"UnitPrice":4.00' in raw and '"Amount":16.00' in raw
    body = json.loads(raw, parse_float=Decimal)
    assert body["DocNumber"] == "1035"
    assert (body["TxnDate"], body["DueDate"]) == ("2023-02-18", "2023-03-20")
    assert body["SalesTermRef"] == {"value": "3"}
    assert body["CustomerMemo"] == {"value": "Thank you"}
    assert "CurrencyRef" not in body  # the company is not multicurrency
    line = body["Line"][1]
    assert line["DetailType"] == "SalesItemLineDetail"
    assert line["SalesItemLineDetail"] == {
        "ItemRef": {"value": "17"},
        "Qty": Decimal("4"),
        "UnitPrice": Decimal("4.00"),
        "TaxCodeRef": {"value": "TAX"},
        "ClassRef": {"value": "200"},
    }
    assert parse_qs(urlsplit(post.calls[0].request.url).query)["requestid"] == ["outbox-1"]


def test_multicurrency_company_gets_currency_refs(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    prefs = qbo_payload("preferences_read.json")
    prefs["Preferences"]["CurrencyPrefs"]["MultiCurrencyEnabled"] = True
    rsps.replace(responses.GET, f"{COMPANY}/preferences", json=prefs)
    post = rsps.post(f"{COMPANY}/customer", json=qbo_payload("customer_create_response.json"))
    adapter.upsert_customer(CustomerDoc("Doe5, Jane", "jane@example.com", "EUR"), "c-1")
    body = sent_json(post.calls[0])
    assert body["CurrencyRef"] == {"value": "EUR"}
    assert body["PrimaryEmailAddr"] == {"Address": "jane@example.com"}


def test_new_customer_is_created(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.post(f"{COMPANY}/customer", json=qbo_payload("customer_create_response.json"))
    ref = adapter.upsert_customer(CustomerDoc("Doe5, Jane", None, "USD"), "c-1")
    assert ref == RemoteRef("70", "0")


def test_duplicate_name_links_the_existing_customer(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.post(f"{COMPANY}/customer", status=400, json=qbo_payload("error_6240_duplicate_name.json"))
    existing = qbo_payload("customer_create_response.json")["Customer"]
    rsps.post(
        f"{COMPANY}/query",
        json={"QueryResponse": {"Customer": [existing], "startPosition": 1, "maxResults": 1}},
    )
    ref = adapter.upsert_customer(CustomerDoc("Doe5, Jane", None, "USD"), "c-1")
    assert ref == RemoteRef("70", "0")
    assert "DisplayName = 'Doe5, Jane'" in queries(rsps)[0]


def test_duplicate_name_held_by_a_vendor_needs_a_person(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.post(f"{COMPANY}/customer", status=400, json=qbo_payload("error_6240_duplicate_name.json"))
    rsps.post(f"{COMPANY}/query", json={"QueryResponse": {}, "time": "2020-09-29T06:58:50-07:00"})
    with pytest.raises(NeedsUserAction) as raised:
        adapter.upsert_customer(CustomerDoc("Books by Bessie", None, "USD"), "c-2")
    assert raised.value.code == "qbo:6240"
    assert "vendor" in raised.value.message


def test_stale_sync_token_is_read_again_and_sent_once_more(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    item = qbo_payload("item_service_read.json")
    rsps.get(f"{COMPANY}/item/3", json=item)
    newer = json.loads(json.dumps(item))
    newer["Item"]["SyncToken"] = "2"
    rsps.get(f"{COMPANY}/item/3", json=newer)
    rsps.post(f"{COMPANY}/item", status=400, json=qbo_payload("error_5010_stale_object.json"))
    saved = json.loads(json.dumps(newer))
    saved["Item"]["SyncToken"] = "3"
    rsps.post(f"{COMPANY}/item", json=saved)
    ref = adapter.upsert_item(ItemDoc("Concrete", "48", remote_id="3"), "i-1")
    assert ref == RemoteRef("3", "3")
    posts = [call for call in rsps.calls if call.request.method == "POST"]
    assert [sent_json(c)["SyncToken"] for c in posts] == ["1", "2"]
    assert all(sent_json(c)["sparse"] is True for c in posts)
    ids = [parse_qs(urlsplit(c.request.url).query)["requestid"][0] for c in posts]
    assert ids == ["i-1", "i-1-r1"]


def test_stale_twice_needs_a_person(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.get(f"{COMPANY}/item/3", json=qbo_payload("item_service_read.json"))
    rsps.post(f"{COMPANY}/item", status=400, json=qbo_payload("error_5010_stale_object.json"))
    with pytest.raises(NeedsUserAction) as raised:
        adapter.upsert_item(ItemDoc("Concrete", "48", remote_id="3"), "i-1")
    assert raised.value.code == "qbo:5010"


def test_service_item_sells_to_its_income_account(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    post = rsps.post(f"{COMPANY}/item", json=qbo_payload("item_service_read.json"))
    adapter.upsert_item(ItemDoc("Concrete", "48", description="Placement fee"), "i-2")
    assert sent_json(post.calls[0]) == {
        "Name": "Concrete",
        "Type": "Service",
        "IncomeAccountRef": {"value": "48"},
        "Description": "Placement fee",
    }


def test_duplicate_doc_number_of_our_own_invoice_links_it(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.post(
        f"{COMPANY}/invoice", status=400, json=qbo_payload("error_6140_duplicate_doc_number.json")
    )
    existing = qbo_payload("invoice_read_with_terms.json")["Invoice"]
    rsps.post(f"{COMPANY}/query", json={"QueryResponse": {"Invoice": [existing]}})
    same = invoice(
        lines=(DocumentLine("5", "All", Decimal("1"), Decimal("314.28"), Decimal("314.28")),)
    )
    assert adapter.create_invoice(same, "outbox-1") == RemoteRef("119", "0")


def test_duplicate_doc_number_of_another_invoice_needs_a_person(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.post(
        f"{COMPANY}/invoice", status=400, json=qbo_payload("error_6140_duplicate_doc_number.json")
    )
    existing = qbo_payload("invoice_read_with_terms.json")["Invoice"]
    rsps.post(f"{COMPANY}/query", json={"QueryResponse": {"Invoice": [existing]}})
    with pytest.raises(NeedsUserAction) as raised:
        adapter.create_invoice(invoice(), "outbox-1")
    assert raised.value.code == "qbo:6140"
    assert "DocNumber=1035" in raised.value.message


def test_lines_in_two_locations_cannot_be_one_qbo_invoice(adapter: QboAdapter) -> None:
    lines = (
        DocumentLine("5", "a", Decimal("1"), Decimal("1.00"), Decimal("1.00"), location_id="1"),
        DocumentLine("5", "b", Decimal("1"), Decimal("1.00"), Decimal("1.00"), location_id="2"),
    )
    with pytest.raises(NeedsUserAction) as raised:
        adapter.create_invoice(invoice(lines=lines), "outbox-1")
    assert raised.value.code == "qbo:department_per_line"


def test_po_number_of_15_characters_is_sent_as_it_is(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    post = rsps.post(f"{COMPANY}/invoice", json=qbo_payload("invoice_create_response.json"))
    adapter.create_invoice(invoice(po_number="PO-123456789012"), "outbox-1")
    assert sent_json(post.calls[0])["PONumber"] == "PO-123456789012"


def test_po_number_over_15_characters_is_refused_not_cut(
    adapter: QboAdapter, rsps: responses.RequestsMock
) -> None:
    with pytest.raises(NeedsUserAction) as raised:
        adapter.create_invoice(invoice(po_number="PO-1234567890123"), "outbox-1")
    assert raised.value.code == "qbo:po_number_too_long"
    assert "'PO-1234567890123'" in raised.value.message and "15" in raised.value.message
    assert not [call for call in rsps.calls if call.request.method == "POST"]


def memo_left(qbo_payload: Callable[[str], Any], remaining: str) -> dict[str, Any]:
    """The genuine credit memo 73 as read back with ``remaining`` of it still to apply."""
    read = qbo_payload("creditmemo_read.json")
    read["CreditMemo"] |= {"Balance": float(remaining), "RemainingCredit": float(remaining)}
    return read


def mock_credit_memo(
    rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any], read: dict[str, Any]
) -> None:
    rsps.post(f"{COMPANY}/creditmemo", json=qbo_payload("creditmemo_read.json"))
    rsps.get(f"{COMPANY}/creditmemo/73", json=read)


def test_credit_memo_is_applied_to_its_invoice_with_a_zero_payment(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    mock_credit_memo(rsps, qbo_payload, memo_left(qbo_payload, "291.00"))
    rsps.get(f"{COMPANY}/invoice/119", json=qbo_payload("invoice_read_with_terms.json"))
    payment = rsps.post(f"{COMPANY}/payment", json=qbo_payload("payment_read_linked_invoice.json"))
    memo = CreditMemoDoc(**{**invoice("CM-1").__dict__, "applies_to": RemoteRef("119")})
    assert adapter.create_credit_memo(memo, "cm-key") == RemoteRef("73", "1")
    body = json.loads(payment.calls[0].request.body, parse_float=Decimal)
    assert body["TotalAmt"] == 0
    assert [line["Amount"] for line in body["Line"]] == [Decimal("291.00")] * 2
    assert [line["LinkedTxn"][0] for line in body["Line"]] == [
        {"TxnId": "119", "TxnType": "Invoice"},
        {"TxnId": "73", "TxnType": "CreditMemo"},
    ]
    assert parse_qs(urlsplit(payment.calls[0].request.url).query)["requestid"] == ["cm-key-apply"]


@pytest.mark.parametrize(
    ("remaining", "applied"),
    [
        ("50.00", "50.00"),  # the company applied the rest of it already
        ("500.00", "314.28"),  # more credit left than the invoice owes
    ],
)
def test_credit_memo_applies_the_smaller_of_what_remains_and_what_is_owed(
    adapter: QboAdapter,
    rsps: responses.RequestsMock,
    qbo_payload: Callable[[str], Any],
    remaining: str,
    applied: str,
) -> None:
    mock_credit_memo(rsps, qbo_payload, memo_left(qbo_payload, remaining))
    rsps.get(f"{COMPANY}/invoice/119", json=qbo_payload("invoice_read_with_terms.json"))
    payment = rsps.post(f"{COMPANY}/payment", json=qbo_payload("payment_read_linked_invoice.json"))
    memo = CreditMemoDoc(**{**invoice("CM-1").__dict__, "applies_to": RemoteRef("119")})
    adapter.create_credit_memo(memo, "cm-key")
    body = json.loads(payment.calls[0].request.body, parse_float=Decimal)
    assert [line["Amount"] for line in body["Line"]] == [Decimal(applied)] * 2


def test_credit_memo_the_company_applied_in_full_is_not_applied_again(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    mock_credit_memo(rsps, qbo_payload, qbo_payload("creditmemo_read.json"))  # RemainingCredit 0
    rsps.get(f"{COMPANY}/invoice/119", json=qbo_payload("invoice_read_with_terms.json"))
    memo = CreditMemoDoc(**{**invoice("CM-1").__dict__, "applies_to": RemoteRef("119")})
    adapter.create_credit_memo(memo, "cm-key")
    assert not any(call.request.url.split("?")[0].endswith("/payment") for call in rsps.calls)


def test_paid_invoice_leaves_the_credit_unapplied(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    mock_credit_memo(rsps, qbo_payload, memo_left(qbo_payload, "291.00"))
    rsps.get(
        f"{COMPANY}/invoice/12", json=qbo_payload("invoice_read_paid_with_linked_payments.json")
    )
    memo = CreditMemoDoc(**{**invoice("CM-1").__dict__, "applies_to": RemoteRef("12")})
    adapter.create_credit_memo(memo, "cm-key")
    assert not any(call.request.url.split("?")[0].endswith("/payment") for call in rsps.calls)


def test_document_state_reads_total_and_balance(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.get(f"{COMPANY}/invoice/119", json=qbo_payload("invoice_read_with_terms.json"))
    state = adapter.get_document_state(DocumentType.INVOICE, "119")
    assert (state.number, state.total, state.balance) == (
        "1035",
        Decimal("314.28"),
        Decimal("314.28"),
    )
    assert not state.voided and not state.deleted


def test_voided_invoice_is_recognized(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.get(f"{COMPANY}/invoice/207", json=qbo_payload("invoice_read_voided.json"))
    assert adapter.get_document_state(DocumentType.INVOICE, "207").voided


def test_a_zero_invoice_with_a_voided_note_but_amounts_is_not_voided(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    body = qbo_payload("invoice_read_with_terms.json")
    body["Invoice"]["PrivateNote"] = "Voided by mistake? no"
    rsps.get(f"{COMPANY}/invoice/119", json=body)
    assert not adapter.get_document_state(DocumentType.INVOICE, "119").voided


def test_deleted_document_reads_as_deleted(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    not_found = qbo_payload("batch_response.json")["BatchItemResponse"][1]["Fault"]
    rsps.get(f"{COMPANY}/creditmemo/73", status=400, json={"Fault": not_found})
    assert adapter.get_document_state(DocumentType.CREDIT_MEMO, "73").deleted


def test_find_document_by_number_escapes_quotes(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    existing = qbo_payload("invoice_read_with_terms.json")["Invoice"]
    rsps.post(f"{COMPANY}/query", json={"QueryResponse": {"Invoice": [existing]}})
    assert adapter.find_document(DocumentType.INVOICE, number="O'Neil-7") == RemoteRef("119", "0")
    assert "DocNumber = 'O\\'Neil-7'" in queries(rsps)[0]


def test_find_document_by_key_reads_the_private_note(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    voided = qbo_payload("invoice_read_voided.json")["Invoice"]
    voided["PrivateNote"] = "Voided Back Office key outbox-9"
    other = qbo_payload("invoice_read_with_terms.json")["Invoice"]
    rsps.post(f"{COMPANY}/query", json={"QueryResponse": {"Invoice": [other, voided]}})
    assert adapter.find_document(DocumentType.INVOICE, key="outbox-9") == RemoteRef("207", "2")
    assert adapter.find_document(DocumentType.INVOICE, key="outbox-99") is None
    assert "MetaData.CreateTime >= '2023-02-13T12:00:00+00:00'" in queries(rsps)[0]


def test_income_account_picker_pages_one_based_positions(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.post(f"{COMPANY}/query", json=qbo_payload("account_query_income.json"))
    page = adapter.list_options(OptionKind.INCOME_ACCOUNT, start=200)
    assert [o.name for o in page.items] == [
        "Sales of Product Income",
        "Services",
        "Uncategorized Income",
    ]
    assert page.items[1].detail == "ServiceFeeIncome"
    assert page.next_start is None
    assert queries(rsps)[0] == (
        "SELECT * FROM Account WHERE AccountType = 'Income' ORDERBY Id "
        "STARTPOSITION 201 MAXRESULTS 200"
    )


def test_locations_are_qbo_departments(adapter: QboAdapter, rsps: responses.RequestsMock) -> None:
    rsps.post(f"{COMPANY}/query", json={"QueryResponse": {}})
    adapter.list_options(OptionKind.LOCATION)
    assert queries(rsps)[0].startswith("SELECT * FROM Department ")


def test_subsidiaries_do_not_exist_in_qbo(
    adapter: QboAdapter, rsps: responses.RequestsMock
) -> None:
    page = adapter.list_options(OptionKind.SUBSIDIARY)
    assert page.items == () and len(rsps.calls) == 0


def test_health_names_the_company_and_its_currency(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.get(f"{COMPANY}/companyinfo/9130357", json=qbo_payload("company_info_read.json"))
    health = adapter.check_health()
    assert (health.ok, health.company_name, health.home_currency, health.multicurrency) == (
        True,
        "Acme Corp.",
        "USD",
        False,
    )


def test_health_reports_a_revoked_connection(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.get(
        f"{COMPANY}/companyinfo/9130357",
        status=401,
        json=qbo_payload("error_401_authentication_failed.json"),
    )
    rsps.post(
        "http://127.0.0.1:8765/oauth2/v1/tokens/bearer", status=400, json={"error": "invalid_grant"}
    )
    health = adapter.check_health()
    assert not health.ok and health.message and "Reconnect QuickBooks" in health.message


def test_batch_creates_and_reports_each_fault_in_its_place(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    created = qbo_payload("invoice_create_response.json")["Invoice"]
    faults = qbo_payload("batch_response.json")["BatchItemResponse"]
    rsps.post(
        f"{COMPANY}/batch",
        json={
            "BatchItemResponse": [
                {"Invoice": created, "bId": "b0"},
                {"Fault": faults[1]["Fault"], "bId": "b1"},
            ]
        },
    )
    results = adapter.create_invoices([(invoice("1"), "k-1"), (invoice("2"), "k-2")])
    assert results[0] == RemoteRef("266", "0")
    assert isinstance(results[1], NeedsUserAction) and results[1].code == "qbo:610"
    body = json.loads(rsps.calls[-1].request.body)
    assert [item["bId"] for item in body["BatchItemRequest"]] == ["b0", "b1"]
    requestid = parse_qs(urlsplit(rsps.calls[-1].request.url).query)["requestid"][0]
    assert requestid.startswith("batch-") and len(requestid) == 32


def test_batch_refuses_a_long_po_number_in_its_place_and_sends_the_rest(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    created = qbo_payload("invoice_create_response.json")["Invoice"]
    rsps.post(f"{COMPANY}/batch", json={"BatchItemResponse": [{"Invoice": created, "bId": "b1"}]})
    results = adapter.create_invoices(
        [(invoice("1", po_number="P" * 16), "k-1"), (invoice("2"), "k-2")]
    )
    assert isinstance(results[0], NeedsUserAction) and results[0].code == "qbo:po_number_too_long"
    assert results[1] == RemoteRef("266", "0")
    body = json.loads(rsps.calls[-1].request.body)
    assert [item["bId"] for item in body["BatchItemRequest"]] == ["b1"]


def test_batches_hold_at_most_30(adapter: QboAdapter, rsps: responses.RequestsMock) -> None:
    rsps.post(f"{COMPANY}/batch", json={"BatchItemResponse": []})
    adapter.create_invoices([(invoice(str(n)), f"k-{n}") for n in range(31)])
    sizes = [
        len(json.loads(c.request.body)["BatchItemRequest"])
        for c in rsps.calls
        if "/batch" in c.request.url
    ]
    assert sizes == [30, 1]


def test_derived_keys_stay_within_50_characters() -> None:
    assert derived_key("short", "r1") == "short-r1"
    long = derived_key("k" * 50, "apply")
    assert len(long) == 50 and long.endswith("-apply")
    assert derived_key("k" * 50, "apply") != derived_key("k" * 49 + "j", "apply")


def batch_requestid(call: Any) -> str:
    return parse_qs(urlsplit(call.request.url).query)["requestid"][0]


def test_an_unanswered_batch_is_read_back_and_only_the_missing_invoices_sent_again(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    saved = qbo_payload("invoice_read_with_terms.json")["Invoice"]
    saved["PrivateNote"] = "Back Office key outbox-1"
    created = qbo_payload("invoice_create_response.json")["Invoice"]
    rsps.post(f"{COMPANY}/batch", body=requests.ReadTimeout("read timed out"))
    rsps.post(f"{COMPANY}/query", json={"QueryResponse": {"Invoice": [saved]}})
    rsps.post(f"{COMPANY}/batch", json={"BatchItemResponse": [{"Invoice": created, "bId": "b1"}]})
    results = adapter.create_invoices([(invoice("1"), "outbox-1"), (invoice("2"), "outbox-2")])
    assert results == [RemoteRef("119", "0"), RemoteRef("266", "0")]
    batches = [call for call in rsps.calls if "/batch" in call.request.url]
    assert len(batches) == 2
    assert [item["bId"] for item in sent_json(batches[0])["BatchItemRequest"]] == ["b0", "b1"]
    assert [item["bId"] for item in sent_json(batches[1])["BatchItemRequest"]] == ["b1"]
    first, second = (batch_requestid(call) for call in batches)
    assert first != second and len(first) <= 32 and len(second) <= 32


def test_a_batch_whose_resend_goes_unanswered_leaves_its_invoices_uncertain(
    adapter: QboAdapter, rsps: responses.RequestsMock
) -> None:
    rsps.post(f"{COMPANY}/batch", body=requests.ConnectionError("connection reset"))
    rsps.post(f"{COMPANY}/query", json={"QueryResponse": {}})
    results = adapter.create_invoices([(invoice("1"), "outbox-1")])
    assert isinstance(results[0], UncertainWrite)
    batches = [call for call in rsps.calls if "/batch" in call.request.url]
    assert len({batch_requestid(call) for call in batches}) == len(batches) == 2


def test_batch_requestids_are_hashed_to_32_characters_and_stable() -> None:
    long_keys = ["k" * 50, "j" * 50]
    assert len(batch_request_id(long_keys, 0)) == 32
    assert batch_request_id(long_keys, 0) == batch_request_id(list(long_keys), 0)
    assert batch_request_id(long_keys, 0) != batch_request_id(long_keys, 1)
    assert batch_request_id(["k" * 49 + "a"], 0) != batch_request_id(["k" * 49 + "b"], 0)
