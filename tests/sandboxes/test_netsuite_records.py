"""The record service: creates, reads, upserts, updates, deletes, and NetSuite's validation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.sandboxes.netsuite_support import RECORDS, make_netsuite
from tests.sandboxes.support import shape
from tests.support.payloads import payload


@pytest.fixture
def ns():
    return make_netsuite()


def test_create_answers_204_without_a_body_and_the_new_id_in_location(ns, shared):
    genuine = (shared / "netsuite/create_204_response_headers.http").read_text()
    response = ns.call(
        "POST",
        f"{RECORDS}/customer",
        payload("netsuite", "customer_create_request.json", exact=True),
    )

    assert "HTTP/1.1 204 No Content" in genuine
    assert response.status_code == 204
    assert response.get_data() == b""
    assert response.headers["Location"] == "http://localhost/services/rest/record/v1/customer/1"


def test_customer_reads_back_in_the_recorded_shape(ns, shared):
    genuine = payload("netsuite", "customer_get_response.json", exact=True)
    customer_id = ns.create(
        "customer", payload("netsuite", "customer_create_request.json", exact=True)
    )

    customer = ns.get("customer", customer_id)

    shared_keys = {
        "links",
        "id",
        "entityId",
        "companyName",
        "email",
        "subsidiary",
        "currency",
        "dateCreated",
        "lastModifiedDate",
        "isinactive",
        "isPerson",
        "balance",
    }
    assert shared_keys <= set(genuine) and shared_keys <= set(customer)
    assert shape(customer["subsidiary"]) == shape(genuine["subsidiary"])
    assert customer["links"][0]["rel"] == "self"
    assert customer["externalId"] == "CUST-001"
    assert customer["terms"]["refName"] == "Net 30"
    assert customer["currency"]["refName"] == genuine["currency"]["refName"] == "USA"


def test_invoice_lines_compute_amounts_total_and_amount_remaining(ns, shared):
    genuine = payload("netsuite", "invoice_get_response.json", exact=True)
    customer_id = ns.customer()
    item_id = ns.item()
    body = payload("netsuite", "invoice_create_request.json", exact=True)
    body["entity"]["id"] = customer_id
    for line in body["item"]["items"]:
        line["item"]["id"] = item_id
        del line["amount"]

    invoice = ns.get("invoice", ns.create("invoice", body), expand=True)

    assert [line["amount"] for line in invoice["item"]["items"]] == [
        Decimal("1300.00"),
        Decimal("292.50"),
    ]
    assert invoice["total"] == invoice["amountRemaining"] == Decimal("1592.50")
    assert invoice["status"] == genuine["status"] == "Open"
    assert invoice["item"]["totalResults"] == 2
    assert set(genuine["item"]["items"][0]) - {"price", "rateSchedule", "printItems"} <= set(
        invoice["item"]["items"][0]
    )
    assert shape(invoice["entity"]) == shape(genuine["entity"])


def test_sublists_are_link_stubs_unless_expanded(ns):
    invoice_id = ns.invoice(ns.customer(), ns.item())

    invoice = ns.get("invoice", invoice_id)

    assert invoice["item"] == {
        "links": [{"rel": "self", "href": f"http://localhost{RECORDS}/invoice/{invoice_id}/item"}]
    }


def test_get_by_external_id_finds_the_record(ns):
    customer_id = ns.customer(externalId="CUST-9")

    assert ns.get("customer", "eid:CUST-9")["id"] == customer_id


def test_missing_record_answers_404_nonexistent_id(ns):
    response = ns.call("GET", f"{RECORDS}/customer/eid:nobody")

    assert response.status_code == 404
    assert response.get_json()["o:errorDetails"][0]["o:errorCode"] == "NONEXISTENT_ID"


def test_upsert_by_external_id_creates_then_updates_the_same_record(ns, shared):
    body = payload("netsuite", "customer_upsert_by_external_id_request.json", exact=True)

    first = ns.call("PUT", f"{RECORDS}/customer/eid:CUST-001", body)
    second = ns.call("PUT", f"{RECORDS}/customer/eid:CUST-001", {**body, "email": "new@x.example"})

    assert first.status_code == second.status_code == 204
    assert first.headers["Location"] == second.headers["Location"]
    assert ns.get("customer", "eid:CUST-001")["email"] == "new@x.example"
    assert ns.rows("SELECT id FROM customer ORDER BY id") == [{"id": "1"}]


def test_upsert_with_replace_keeps_a_resent_invoices_lines_once(ns):
    customer_id, item_id = ns.customer(), ns.item()
    line = {"item": {"id": item_id}, "quantity": 2, "rate": Decimal("10.00")}
    body = {"entity": {"id": customer_id}, "item": {"items": [line]}}

    for _attempt in range(2):
        sent = ns.call("PUT", f"{RECORDS}/invoice/eid:INV-7", body, params={"replace": "item"})
        assert sent.status_code == 204

    assert ns.get("invoice", "eid:INV-7")["total"] == Decimal("20.00")


def test_update_without_replace_adds_lines(ns):
    invoice_id = ns.invoice(ns.customer(), ns.item(), "100.00")
    extra = {"item": {"items": [{"item": {"id": "1"}, "amount": Decimal("5.00")}]}}

    response = ns.call("PATCH", f"{RECORDS}/invoice/{invoice_id}", extra)

    assert response.status_code == 204
    assert ns.get("invoice", invoice_id)["total"] == Decimal("105.00")


def test_patch_changes_only_the_fields_sent(ns):
    customer_id = ns.customer(email="old@x.example")

    ns.call("PATCH", f"{RECORDS}/customer/{customer_id}", {"email": "new@x.example"})

    customer = ns.get("customer", customer_id)
    assert (customer["email"], customer["companyName"]) == (
        "new@x.example",
        "Acme Staffing Client LLC",
    )


def test_delete_removes_the_record_and_lists_it_as_deleted(ns):
    invoice_id = ns.invoice(ns.customer(), ns.item(), externalId="INV-9")

    response = ns.call("DELETE", f"{RECORDS}/invoice/{invoice_id}")

    assert response.status_code == 204
    assert ns.call("GET", f"{RECORDS}/invoice/{invoice_id}").status_code == 404
    assert ns.rows("SELECT recordid, type FROM deletedrecord ORDER BY recordid") == [
        {"recordid": invoice_id, "type": "Invoice"}
    ]


def test_missing_entity_answers_the_recorded_field_param_reqd_body(ns, shared):
    genuine = payload("netsuite", "error_400_field_param_reqd.json", exact=True)

    response = ns.call("POST", f"{RECORDS}/invoice", {"item": {"items": []}})

    assert response.status_code == 400
    assert response.get_json() == genuine


def test_customer_without_subsidiary_is_refused_in_a_oneworld_account(ns):
    response = ns.call("POST", f"{RECORDS}/customer", {"companyName": "No Sub"})

    detail = response.get_json()["o:errorDetails"][0]
    assert (detail["o:errorCode"], detail["o:errorPath"]) == ("FIELD_PARAM_REQD", "subsidiary")


def test_unknown_reference_answers_the_invalid_key_or_ref_body(ns, shared):
    genuine = payload("netsuite", "error_400_invalid_key_or_ref.json", exact=True)
    item_id = ns.item()
    body = {"entity": {"id": "999"}, "item": {"items": [{"item": {"id": item_id}, "amount": 1}]}}

    response = ns.call("POST", f"{RECORDS}/invoice", body)

    assert response.status_code == 400
    assert response.get_json() == genuine


def test_unknown_line_item_answers_oracles_invalid_content_example(ns):
    body = {
        "entity": {"id": ns.customer()},
        "item": {"items": [{"item": {"id": 9999}, "amount": 1}]},
    }

    response = ns.call("POST", f"{RECORDS}/invoice", body)

    assert response.get_json()["o:errorDetails"] == [
        {
            "detail": "Error while accessing resource: You have entered an Invalid Field Value "
            "9999 for the following field: item",
            "o:errorPath": "item.items[0].item",
            "o:errorCode": "INVALID_CONTENT",
        }
    ]


def test_duplicate_external_id_on_post_is_refused(ns):
    ns.customer(externalId="CUST-1")

    response = ns.call(
        "POST",
        f"{RECORDS}/customer",
        {"companyName": "Other", "subsidiary": {"id": "1"}, "externalId": "CUST-1"},
    )

    assert response.status_code == 400
    (detail,) = response.get_json()["o:errorDetails"]
    assert detail["o:errorCode"] == "USER_ERROR"
    assert "already exists" in detail["detail"]


def test_duplicate_customer_name_is_a_user_error_that_says_it_already_exists(ns):
    ns.customer("Acme")

    response = ns.call(
        "POST", f"{RECORDS}/customer", {"companyName": "Acme", "subsidiary": {"id": "1"}}
    )

    (detail,) = response.get_json()["o:errorDetails"]
    assert (detail["o:errorCode"], "already exists" in detail["detail"]) == ("USER_ERROR", True)


@pytest.mark.parametrize(
    ("record_type", "body", "code"),
    [
        ("customer", {"companyName": "Acme", "subsidiary": {"id": "1"}}, "DUP_ENTITY"),
        ("serviceSaleItem", {"itemId": "Fee", "incomeAccount": {"id": "3"}}, "DUP_ITEM"),
    ],
)
def test_an_account_set_to_the_older_codes_answers_dup_codes(record_type, body, code):
    ns = make_netsuite(legacy_duplicates=True)
    ns.create(record_type, body)

    response = ns.call("POST", f"{RECORDS}/{record_type}", body)

    assert response.get_json()["o:errorDetails"][0]["o:errorCode"] == code


def test_unknown_record_type_answers_404(ns):
    response = ns.call("GET", f"{RECORDS}/widget/1")

    assert response.status_code == 404
    assert (
        response.get_json()["o:errorDetails"][0]["detail"] == "Record type 'widget' does not exist."
    )


def test_customer_payment_reduces_the_invoices_amount_remaining(ns, shared):
    customer_id = ns.customer()
    invoice_id = ns.invoice(customer_id, ns.item(), "1495.00", "505.00")
    body = payload("netsuite", "customerpayment_create_request.json", exact=True)
    body["customer"]["id"] = customer_id
    body["apply"]["items"][0]["doc"]["id"] = invoice_id

    payment_id = ns.create("customerPayment", body)

    invoice = ns.get("invoice", invoice_id)
    assert (invoice["amountRemaining"], invoice["amountPaid"]) == (
        Decimal("505.00"),
        Decimal("1495.00"),
    )
    assert ns.get("customerPayment", payment_id)["applied"] == Decimal("1495.00")
    assert ns.get("customer", customer_id)["balance"] == Decimal("505.00")


def test_paying_the_rest_marks_the_invoice_paid_in_full(ns):
    customer_id = ns.customer()
    invoice_id = ns.invoice(customer_id, ns.item(), "100.00")
    apply = {"items": [{"doc": {"id": invoice_id}, "apply": True}]}

    ns.create("customerPayment", {"customer": {"id": customer_id}, "apply": apply})

    invoice = ns.get("invoice", invoice_id)
    assert (invoice["amountRemaining"], invoice["status"]) == (Decimal("0.00"), "Paid In Full")


def test_applying_more_than_is_open_is_refused(ns):
    customer_id = ns.customer()
    invoice_id = ns.invoice(customer_id, ns.item(), "100.00")
    apply = {"items": [{"doc": {"id": invoice_id}, "apply": True, "amount": Decimal("100.01")}]}

    response = ns.call(
        "POST",
        f"{RECORDS}/customerPayment",
        {"customer": {"id": customer_id}, "payment": Decimal("100.01"), "apply": apply},
    )

    assert response.get_json()["o:errorDetails"][0]["o:errorCode"] == "USER_ERROR"


def test_credit_memo_applied_to_its_invoice(ns, shared):
    customer_id, item_id = ns.customer(), ns.item()
    invoice_id = ns.invoice(customer_id, item_id, "1592.50")
    body = payload("netsuite", "creditmemo_create_request.json", exact=True)
    body["entity"]["id"] = customer_id
    body["item"]["items"][0]["item"]["id"] = item_id
    body["apply"]["items"][0]["doc"]["id"] = invoice_id
    body["apply"]["items"][0]["line"] = 0  # as Oracle's apply examples
    body["autoApply"] = False

    memo = ns.get("creditMemo", ns.create("creditMemo", body))

    assert (memo["applied"], memo["unapplied"], memo["status"]) == (
        Decimal("97.50"),
        Decimal("0.00"),
        "Fully Applied",
    )
    assert ns.get("invoice", invoice_id)["amountRemaining"] == Decimal("1495.00")
    assert memo["autoApply"] is False


def credit_memo(customer_id: str, item_id: str, amount: str, **fields) -> dict:
    line = {"item": {"id": item_id}, "quantity": 1, "amount": Decimal(amount)}
    return {"entity": {"id": customer_id}, "item": {"items": [line]}, **fields}


def test_credit_memo_with_auto_apply_spreads_over_open_invoices_oldest_first(ns):
    customer_id, item_id = ns.customer(), ns.item()
    newer = ns.invoice(customer_id, item_id, "100.00", tranDate="2024-02-05")
    older = ns.invoice(customer_id, item_id, "100.00", tranDate="2024-01-05")
    ns.invoice(ns.customer("Other"), item_id, "100.00", tranDate="2023-12-01")

    ns.create("creditMemo", credit_memo(customer_id, item_id, "150.00", autoApply=True))

    assert ns.get("invoice", older)["amountRemaining"] == Decimal("0.00")
    assert ns.get("invoice", newer)["amountRemaining"] == Decimal("50.00")


@pytest.mark.parametrize("fields", [{"autoApply": False}, {}])
def test_credit_memo_without_auto_apply_stays_unapplied(ns, fields):
    customer_id, item_id = ns.customer(), ns.item()
    invoice_id = ns.invoice(customer_id, item_id, "100.00")

    memo_id = ns.create("creditMemo", credit_memo(customer_id, item_id, "40.00", **fields))

    assert ns.get("invoice", invoice_id)["amountRemaining"] == Decimal("100.00")
    assert ns.get("creditMemo", memo_id)["unapplied"] == Decimal("40.00")


def test_deleting_a_paid_invoice_is_refused(ns):
    customer_id = ns.customer()
    invoice_id = ns.invoice(customer_id, ns.item())
    apply = {"items": [{"doc": {"id": invoice_id}, "apply": True}]}
    ns.create("customerPayment", {"customer": {"id": customer_id}, "apply": apply})

    response = ns.call("DELETE", f"{RECORDS}/invoice/{invoice_id}")

    assert response.get_json()["o:errorDetails"][0]["o:errorCode"] == "USER_ERROR"


def test_invoice_due_date_follows_its_terms(ns):
    invoice_id = ns.invoice(ns.customer(), ns.item(), tranDate="2024-03-01", terms={"id": "2"})

    assert ns.get("invoice", invoice_id)["dueDate"] == "2024-03-31"


def test_a_new_account_holds_the_parent_subsidiary_usd_terms_and_income_accounts(ns, shared):
    term = payload("netsuite", "term_get_response.json", exact=True)

    assert ns.get("subsidiary", "1")["name"] == "Parent Company"
    assert ns.get("currency", "1")["symbol"] == "USD"
    assert {k: v for k, v in ns.get("term", "2").items() if k in term and k != "links"} == {
        k: v for k, v in term.items() if k != "links"
    }
    names = ns.rows("SELECT name FROM term ORDER BY id")
    assert [r["name"] for r in names] == ["Net 15", "Net 30", "Net 60", "Due on receipt"]
    income = ns.rows("SELECT id FROM account WHERE accttype = 'Income' ORDER BY id")
    assert len(income) >= 2


def test_items_in_the_recorded_shape(ns, shared):
    genuine = payload("netsuite", "noninventoryitem_get_response.json", exact=True)
    item_id = ns.create(
        "nonInventorySaleItem", {"itemId": "Test Item", "incomeAccount": {"id": "3"}}
    )

    item = ns.get("noninventoryitem", item_id)

    assert item["links"][0]["href"].endswith(f"/noninventoryitem/{item_id}")
    for name in ("itemId", "itemType", "subtype", "isInactive", "createdDate", "lastModifiedDate"):
        assert type(item[name]) is type(genuine[name])
    assert item["incomeAccount"]["refName"] == "4000 Sales"


def test_a_collection_lists_ids_a_page_at_a_time(ns):
    for name in ("A", "B", "C"):
        ns.customer(name)

    page = ns.call("GET", f"{RECORDS}/customer", params={"limit": "2"}).get_json()

    assert (page["count"], page["hasMore"], page["totalResults"]) == (2, True, 3)
    assert [item["id"] for item in page["items"]] == ["1", "2"]
