"""SuiteQL: the response envelope, the subset adapters need, paging, and NetSuite's 400s."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.sandboxes.netsuite_support import SUITEQL, make_netsuite
from tests.sandboxes.support import shape
from tests.support.payloads import payload


@pytest.fixture
def ns():
    return make_netsuite()


def test_answer_has_the_recorded_envelope(ns, shared):
    genuine = payload("netsuite", "suiteql_response_customers.json", exact=True)
    ns.customer("Cool co", email="coolco@sf.com", phone="1234567890")
    ns.customer("Ledger Drinks", email="ld@sf.com", phone="0987654321")

    response = ns.query(payload("netsuite", "suiteql_request.json", exact=True)["q"])

    body = response.get_json()
    assert response.status_code == 200
    assert shape(body) == shape(genuine)
    assert list(body) == list(genuine)
    assert [row["companyname"] for row in body["items"]] == ["Cool co", "Ledger Drinks"]
    assert body["items"][0]["id"] == "1"


def test_without_prefer_transient_the_query_is_refused(ns):
    response = ns.call("POST", SUITEQL, {"q": "SELECT id FROM customer"})

    assert response.status_code == 400
    assert response.get_json()["o:errorDetails"][0]["o:errorHeader"] == "Prefer"


def test_pages_by_limit_and_offset(ns):
    for number in range(5):
        ns.customer(f"Customer {number}")

    first = ns.query("SELECT id FROM customer ORDER BY id", limit="2", offset="0").get_json()
    last = ns.query("SELECT id FROM customer ORDER BY id", limit="2", offset="4").get_json()

    assert (first["count"], first["hasMore"], first["totalResults"]) == (2, True, 5)
    assert first["links"][0]["rel"] == "next"
    assert (last["count"], last["hasMore"], last["offset"]) == (1, False, 4)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": "1001"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "2", "offset": "3"}, "offset"),
    ],
)
def test_limit_above_1000_or_an_offset_off_the_page_is_refused(ns, params, name):
    response = ns.query("SELECT id FROM customer", **params)

    assert response.status_code == 400
    assert response.get_json()["o:errorDetails"][0]["o:errorQueryParam"] == name


def test_malformed_query_answers_invalid_parameter_on_q(ns):
    response = ns.query("SELEC id FROM customer")

    assert response.status_code == 400
    detail = response.get_json()["o:errorDetails"][0]
    assert (detail["o:errorCode"], detail["o:errorQueryParam"]) == ("INVALID_PARAMETER", "q")
    assert detail["detail"].startswith("Invalid search query. Detailed unprocessed description")


def test_unknown_table_and_column_use_netsuites_wording(ns):
    table = ns.query("SELECT id FROM widget").get_json()["o:errorDetails"][0]["detail"]
    column = ns.query("SELECT t.nope FROM transaction t").get_json()["o:errorDetails"][0]["detail"]

    assert table.endswith("Invalid search type: widget.")
    assert column.endswith(
        "Search error occurred: Unknown identifier 't.nope'. "
        "Available identifiers are: {t=transaction}."
    )


def test_booleans_are_t_or_f_and_nulls_are_left_out(ns):
    ns.customer("No Email")

    rows = ns.rows("SELECT id, email, isinactive, isperson FROM customer ORDER BY id")

    assert rows == [{"id": "1", "isinactive": "F", "isperson": "F"}]


def test_where_in_and_equality_filter(ns):
    for name in ("A", "B", "C"):
        ns.customer(name)

    rows = ns.rows(
        "SELECT id FROM customer WHERE isinactive = 'F' AND companyname IN ('A', 'C') "
        "ORDER BY id DESC"
    )

    assert rows == [{"id": "3"}, {"id": "1"}]


def test_lastmodifieddate_compares_with_to_timestamp_and_text(ns):
    ns.customer("Old")
    ns.clock.advance(hours=2)
    ns.customer("New")
    since = ns.clock().astimezone(dt.timezone(dt.timedelta(hours=-8))) - dt.timedelta(minutes=1)
    stamp = since.strftime("%Y-%m-%d %H:%M:%S")

    by_function = ns.rows(
        "SELECT companyname FROM customer WHERE lastmodifieddate >= "
        f"TO_TIMESTAMP('{stamp}', 'YYYY-MM-DD HH24:MI:SS') ORDER BY id"
    )
    by_text = ns.rows(f"SELECT companyname FROM customer WHERE lastmodifieddate >= '{stamp}'")

    assert by_function == by_text == [{"companyname": "New"}]


def test_dates_come_in_the_user_format_unless_formatted(ns):
    ns.invoice(ns.customer(), ns.item(), tranDate="2024-03-05")

    rows = ns.rows(
        "SELECT trandate, TO_CHAR(trandate, 'YYYY-MM-DD') AS iso, "
        "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified FROM transaction"
    )

    assert rows == [
        {"trandate": "3/5/2024", "iso": "2024-03-05", "modified": "2024-03-01 09:30:15"}
    ]


def test_transactions_join_currency_and_carry_the_books_sign(ns):
    customer_id, item_id = ns.customer(), ns.item()
    invoice_id = ns.invoice(customer_id, item_id, "100.00", externalId="INV-1")
    line = {"item": {"id": item_id}, "amount": Decimal("40.00")}
    ns.create(
        "creditMemo",
        {"entity": {"id": customer_id}, "externalId": "CM-1", "item": {"items": [line]}},
    )

    rows = ns.rows(
        "SELECT t.id, t.type, t.foreigntotal, t.foreignamountunpaid, t.voided, "
        "c.symbol AS currency FROM transaction t LEFT JOIN currency c ON c.id = t.currency "
        "WHERE (t.type = 'CustPymt' OR (t.type IN ('CustInvc', 'CustCred') "
        "AND t.externalid IS NOT NULL)) ORDER BY t.id"
    )

    assert rows == [
        {
            "id": invoice_id,
            "type": "CustInvc",
            "foreigntotal": Decimal("100.00"),
            "foreignamountunpaid": Decimal("100.00"),
            "voided": "F",
            "currency": "USD",
        },
        {
            "id": "2",
            "type": "CustCred",
            "foreigntotal": Decimal("-40.00"),
            "foreignamountunpaid": Decimal("-40.00"),
            "voided": "F",
            "currency": "USD",
        },
    ]


def test_payment_applications_are_next_transaction_line_links(ns):
    customer_id = ns.customer()
    invoice_id = ns.invoice(customer_id, ns.item(), "100.00")
    apply = {"items": [{"doc": {"id": invoice_id}, "apply": True, "amount": Decimal("60.00")}]}
    payment_id = ns.create("customerPayment", {"customer": {"id": customer_id}, "apply": apply})

    rows = ns.rows(
        "SELECT l.nextdoc AS payment, l.previousdoc AS doc, l.previoustype AS doctype, "
        f"l.foreignamount AS amount FROM nexttransactionlinelink l WHERE l.linktype = 'Payment' "
        f"AND l.nextdoc IN ({payment_id}) ORDER BY l.nextdoc, l.previousdoc"
    )

    assert rows == [
        {
            "payment": payment_id,
            "doc": invoice_id,
            "doctype": "CustInvc",
            "amount": Decimal("60.00"),
        }
    ]


def test_builtin_df_shows_the_referenced_records_name(ns):
    ns.item("Temp Hourly")

    rows = ns.rows(
        "SELECT id, itemid AS name, BUILTIN.DF(incomeaccount) AS detail FROM item "
        "WHERE itemtype = 'Service' ORDER BY id"
    )

    assert rows == [{"id": "1", "name": "Temp Hourly", "detail": "4000 Sales"}]


def test_top_subsidiary_with_its_currency(ns):
    rows = ns.rows(
        "SELECT s.id, s.name, c.symbol AS currency FROM subsidiary s "
        "LEFT JOIN currency c ON c.id = s.currency WHERE s.parent IS NULL ORDER BY s.id"
    )

    assert rows == [{"id": "1", "name": "Parent Company", "currency": "USD"}]


def test_there_is_no_salestaxitem_table_in_a_suitetax_account(ns):
    response = ns.query("SELECT id, itemid AS name FROM salestaxitem ORDER BY id")

    assert response.status_code == 400
