from __future__ import annotations

from decimal import Decimal

import pytest

from tests.sandboxes.qbo_support import Qbo, StepClock, make_qbo
from tests.sandboxes.support import shape
from tests.support.payloads import payload


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def qbo(clock: StepClock) -> Qbo:
    return make_qbo(clock)


def _line(item: str = "1", amount: str = "100.00") -> dict:
    return {
        "Amount": Decimal(amount),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item}},
    }


def fault_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"Fault", "time"}
    return body["Fault"]


def test_customer_create_answers_the_genuine_envelope(qbo, shared):
    response = qbo.post("customer", payload("qbo", "customer_create_request.json"))

    genuine = payload("qbo", "customer_create_response.json")
    body = response.get_json()
    assert response.status_code == 200
    assert set(body) == set(genuine)
    assert set(genuine["Customer"]) - set(body["Customer"]) <= {"DefaultTaxCodeRef"}
    assert body["Customer"]["Id"] == "1"
    assert body["Customer"]["SyncToken"] == "0"
    assert body["Customer"]["MetaData"] == {
        "CreateTime": "2023-02-18T12:00:00-08:00",
        "LastUpdatedTime": "2023-02-18T12:00:00-08:00",
    }


def test_duplicate_display_name_ignores_case_and_answers_6240(qbo, shared):
    qbo.customer("Doe5, Jane")

    response = qbo.post("customer", {"DisplayName": "doe5, JANE"})

    assert response.status_code == 400
    assert fault_of(response) == payload("qbo", "error_6240_duplicate_name.json")["Fault"]


def test_new_company_holds_income_accounts_standard_terms_and_usd(qbo):
    income = qbo.query("SELECT * FROM Account WHERE AccountType = 'Income'").get_json()
    terms = qbo.query("SELECT * FROM Term ORDERBY DueDays").get_json()
    prefs = qbo.get("preferences").get_json()["Preferences"]

    names = {row["Name"] for row in income["QueryResponse"]["Account"]}
    assert {"Services", "Sales of Product Income"} <= names
    term_names = [row["Name"] for row in terms["QueryResponse"]["Term"]]
    assert term_names == ["Due on receipt", "Net 15", "Net 30", "Net 60"]
    assert prefs["CurrencyPrefs"] == {
        "HomeCurrency": {"value": "USD"},
        "MultiCurrencyEnabled": False,
    }


def test_invoice_totals_are_computed_from_lines_with_two_decimals(qbo, shared):
    customer = qbo.customer()

    invoice = qbo.invoice(customer["Id"], "100", "50.5", DocNumber="INV-000101")

    genuine = payload("qbo", "invoice_create_response.json")["Invoice"]
    assert set(genuine) - set(invoice) <= {"CustomField", "BillAddr", "ShipAddr"}
    assert invoice["DocNumber"] == "INV-000101"
    assert invoice["Line"][-1] == {
        "Amount": 150.5,
        "DetailType": "SubTotalLineDetail",
        "SubTotalLineDetail": {},
    }
    raw = qbo.get(f"invoice/{invoice['Id']}").get_data(as_text=True)
    assert '"TotalAmt":150.50' in raw
    assert '"Balance":150.50' in raw


def test_invoice_due_date_follows_its_terms(qbo):
    customer = qbo.customer()

    invoice = qbo.invoice(customer["Id"], TxnDate="2023-02-18", SalesTermRef={"value": "2"})

    assert invoice["DueDate"] == "2023-03-05"
    assert invoice["SalesTermRef"] == {"value": "2", "name": "Net 15"}


def test_invoice_without_doc_number_is_numbered_from_1001(qbo):
    customer = qbo.customer()

    assert qbo.invoice(customer["Id"])["DocNumber"] == "1001"
    assert qbo.invoice(customer["Id"])["DocNumber"] == "1002"


def test_duplicate_doc_number_answers_6140(qbo, shared):
    customer = qbo.customer()
    first = qbo.invoice(customer["Id"], DocNumber="1035")

    response = qbo.post(
        "invoice",
        {"CustomerRef": {"value": customer["Id"]}, "DocNumber": "1035", "Line": [_line()]},
    )

    genuine = payload("qbo", "error_6140_duplicate_doc_number.json")["Fault"]
    assert response.status_code == 400
    assert fault_of(response) == {
        **genuine,
        "Error": [
            {
                **genuine["Error"][0],
                "Detail": genuine["Error"][0]["Detail"].replace(
                    "TxnId=119", f"TxnId={first['Id']}"
                ),
            }
        ],
    }


def test_duplicate_doc_numbers_pass_when_custom_numbers_are_off():
    qbo = make_qbo(custom_txn_numbers=False)
    customer = qbo.customer()
    qbo.invoice(customer["Id"], DocNumber="1035")

    assert qbo.invoice(customer["Id"], DocNumber="1035")["DocNumber"] == "1035"


@pytest.mark.parametrize(
    ("entity", "body", "element"),
    [
        ("invoice", {"CustomerRef": {"value": "999"}, "Line": [_line()]}, "CustomerRef"),
        (
            "invoice",
            {"CustomerRef": {"value": "1"}, "Line": [_line(item="999")]},
            "Line.SalesItemLineDetail.ItemRef",
        ),
        (
            "invoice",
            {"CustomerRef": {"value": "1"}, "Line": [_line()], "SalesTermRef": {"value": "99"}},
            "SalesTermRef",
        ),
        (
            "item",
            {"Name": "Placement fee", "Type": "Service", "IncomeAccountRef": {"value": "999"}},
            "IncomeAccountRef",
        ),
    ],
)
def test_unknown_reference_answers_2500_naming_the_element(qbo, entity, body, element):
    qbo.customer()

    response = qbo.post(entity, body)

    assert response.status_code == 400
    assert fault_of(response) == {
        "Error": [
            {
                "Message": "Invalid Reference Id",
                "Detail": f"Invalid Reference Id : {element}",
                "code": "2500",
                "element": element,
            }
        ],
        "type": "ValidationFault",
    }


def test_line_amount_must_be_qty_times_unit_price(qbo):
    customer = qbo.customer()
    line = _line(amount="100.00")
    line["SalesItemLineDetail"] |= {"Qty": 3, "UnitPrice": 33}

    response = qbo.post("invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]})

    assert fault_of(response)["Error"][0]["code"] == "6070"


def test_po_number_over_15_characters_answers_2050(qbo):
    customer = qbo.customer()
    body = {"CustomerRef": {"value": customer["Id"]}, "Line": [_line()]}

    refused = qbo.post("invoice", {**body, "PONumber": "PO-1234567890123"})
    kept = qbo.post("invoice", {**body, "PONumber": "PO-123456789012"})

    assert refused.status_code == 400
    assert fault_of(refused) == {
        "Error": [
            {
                "Message": "String length is either shorter or longer than supported by "
                "specification",
                "Detail": "String length specified does not match the supported length. "
                "Min:0 Max:15 supported. Supplied length:16",
                "code": "2050",
                "element": "PONumber",
            }
        ],
        "type": "ValidationFault",
    }
    assert kept.get_json()["Invoice"]["PONumber"] == "PO-123456789012"


def test_unknown_property_answers_2010(qbo):
    response = qbo.post("invoice", {"BadJson": True})

    error = fault_of(response)["Error"][0]
    assert error["code"] == "2010"
    assert error["Detail"].startswith('Property Name:Unrecognized field "BadJson"')


def test_sparse_update_changes_only_what_is_sent_and_bumps_sync_token(qbo, clock):
    customer = qbo.create("Customer", {"DisplayName": "Cool Cars", "CompanyName": "Cool Cars Inc"})
    clock.advance(minutes=5)

    updated = qbo.create(
        "Customer",
        {
            "Id": customer["Id"],
            "SyncToken": "0",
            "sparse": True,
            "PrimaryEmailAddr": {"Address": "a@b.c"},
        },
    )

    assert updated["SyncToken"] == "1"
    assert updated["CompanyName"] == "Cool Cars Inc"
    assert updated["MetaData"]["CreateTime"] == customer["MetaData"]["CreateTime"]
    assert updated["MetaData"]["LastUpdatedTime"] == "2023-02-18T12:05:00-08:00"


def test_full_update_clears_what_is_left_out(qbo):
    customer = qbo.create("Customer", {"DisplayName": "Cool Cars", "CompanyName": "Cool Cars Inc"})

    updated = qbo.create(
        "Customer", {"Id": customer["Id"], "SyncToken": "0", "DisplayName": "Cool Cars"}
    )

    assert "CompanyName" not in updated


def test_stale_sync_token_answers_5010_and_saves_nothing(qbo, shared):
    customer = qbo.customer("Cool Cars")
    qbo.create("Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "one"})

    response = qbo.post(
        "customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "two"}
    )

    genuine = payload("qbo", "error_5010_stale_object.json")["Fault"]
    fault = fault_of(response)
    assert response.status_code == 400
    assert {**fault["Error"][0], "Detail": ""} == {**genuine["Error"][0], "Detail": ""}
    assert fault["Error"][0]["Detail"].startswith("Stale Object Error : You and ")
    assert qbo.get(f"customer/{customer['Id']}").get_json()["Customer"]["Notes"] == "one"


def test_void_zeroes_the_invoice_and_notes_it(qbo):
    customer = qbo.customer()
    invoice = qbo.invoice(customer["Id"], "250.00", PrivateNote="Back Office key k1")

    voided = qbo.create("Invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="void")

    assert voided["SyncToken"] == "1"
    assert voided["TotalAmt"] == 0
    assert voided["Balance"] == 0
    assert all(line["Amount"] == 0 for line in voided["Line"])
    assert voided["PrivateNote"] == "Voided - Back Office key k1"


def test_deleted_invoice_reads_as_object_not_found(qbo):
    customer = qbo.customer()
    invoice = qbo.invoice(customer["Id"])

    deleted = qbo.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete")
    read = qbo.get(f"invoice/{invoice['Id']}")

    assert deleted.get_json()["Invoice"] == {
        "domain": "QBO",
        "status": "Deleted",
        "Id": invoice["Id"],
    }
    assert read.status_code == 400
    assert fault_of(read)["Error"][0]["code"] == "610"


def test_customers_are_made_inactive_not_deleted(qbo):
    customer = qbo.customer()

    response = qbo.post("customer", {"Id": customer["Id"], "SyncToken": "0"}, operation="delete")

    assert fault_of(response)["Error"][0]["code"] == "5030"


def test_payment_linked_to_invoices_reduces_their_balance(qbo, shared):
    customer = qbo.customer()
    first = qbo.invoice(customer["Id"], "300.00")
    second = qbo.invoice(customer["Id"], "200.00")
    body = {
        "CustomerRef": {"value": customer["Id"]},
        "TotalAmt": 350,
        "Line": [
            {"Amount": 300, "LinkedTxn": [{"TxnId": first["Id"], "TxnType": "Invoice"}]},
            {"Amount": 50, "LinkedTxn": [{"TxnId": second["Id"], "TxnType": "Invoice"}]},
        ],
    }

    payment = qbo.create("Payment", body)

    genuine = payload("qbo", "payment_read_linked_invoice.json")["Payment"]
    assert set(genuine) - set(payment) <= {"PaymentMethodRef", "LinkedTxn"}
    paid = qbo.get(f"invoice/{first['Id']}").get_json()["Invoice"]
    partly = qbo.get(f"invoice/{second['Id']}").get_json()["Invoice"]
    assert (paid["Balance"], paid["SyncToken"]) == (0, "1")
    assert paid["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert partly["Balance"] == 150


def test_deleting_a_payment_reopens_its_invoice(qbo):
    customer = qbo.customer()
    invoice = qbo.invoice(customer["Id"], "300.00")
    link = [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    payment = qbo.create(
        "Payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 300,
            "Line": [{"Amount": 300, "LinkedTxn": link}],
        },
    )

    qbo.post("payment", {"Id": payment["Id"], "SyncToken": "0"}, operation="delete")

    assert qbo.get(f"invoice/{invoice['Id']}").get_json()["Invoice"]["Balance"] == 300


def test_credit_memo_applied_by_a_zero_payment_reduces_both(qbo, shared):
    customer = qbo.customer()
    invoice = qbo.invoice(customer["Id"], "300.00")
    memo = qbo.create(
        "CreditMemo", {"CustomerRef": {"value": customer["Id"]}, "Line": [_line(amount="100.00")]}
    )
    qbo.create(
        "Payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 0,
            "Line": [
                {"Amount": 100, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]},
                {"Amount": 100, "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]},
            ],
        },
    )

    read_memo = qbo.get(f"creditmemo/{memo['Id']}").get_json()["CreditMemo"]
    genuine = payload("qbo", "creditmemo_read.json")["CreditMemo"]
    assert set(genuine) - set(read_memo) <= {
        "CustomField",
        "BillAddr",
        "ShipAddr",
        "BillEmail",
        "CustomerMemo",
    }
    assert (read_memo["RemainingCredit"], read_memo["Balance"]) == (0, 0)
    assert qbo.get(f"invoice/{invoice['Id']}").get_json()["Invoice"]["Balance"] == 200


def turn_on_auto_apply_credit(qbo: Qbo) -> None:
    """As a person ticks "automatically apply credits": a sparse update of the preferences."""
    prefs = qbo.get("preferences").get_json()["Preferences"]
    sales_forms = {**prefs["SalesFormsPrefs"], "AutoApplyCredit": True}
    qbo.create("Preferences", {"Id": prefs["Id"], "SyncToken": prefs["SyncToken"],
                               "sparse": True, "SalesFormsPrefs": sales_forms})  # fmt: skip


def test_auto_apply_credit_applies_a_new_memo_to_open_invoices_oldest_first(qbo):
    assert (
        qbo.get("preferences").get_json()["Preferences"]["SalesFormsPrefs"]["AutoApplyCredit"]
        is False
    )
    turn_on_auto_apply_credit(qbo)
    customer = qbo.customer()
    older = qbo.invoice(customer["Id"], "100.00", TxnDate="2023-01-10")
    newer = qbo.invoice(customer["Id"], "100.00", TxnDate="2023-02-10")

    memo = qbo.create(
        "CreditMemo", {"CustomerRef": {"value": customer["Id"]}, "Line": [_line(amount="150.00")]}
    )

    assert (memo["RemainingCredit"], memo["Balance"]) == (0, 0)
    balances = [qbo.get(f"invoice/{i['Id']}").get_json()["Invoice"]["Balance"]
                for i in (older, newer)]  # fmt: skip
    assert balances == [0, 50]
    payments = qbo.query("SELECT * FROM Payment").get_json()["QueryResponse"]["Payment"]
    assert [(p["TotalAmt"], p["UnappliedAmt"]) for p in payments] == [(0, 0)]


def test_auto_applied_credit_stops_at_what_the_customer_owes():
    qbo = make_qbo(auto_apply_credit=True)
    customer = qbo.customer()
    invoice = qbo.invoice(customer["Id"], "100.00")

    memo = qbo.create(
        "CreditMemo", {"CustomerRef": {"value": customer["Id"]}, "Line": [_line(amount="150.00")]}
    )

    assert memo["RemainingCredit"] == 50
    assert qbo.get(f"invoice/{invoice['Id']}").get_json()["Invoice"]["Balance"] == 0


def test_without_auto_apply_credit_a_new_memo_keeps_all_its_credit(qbo):
    customer = qbo.customer()
    qbo.invoice(customer["Id"], "100.00")

    memo = qbo.create(
        "CreditMemo", {"CustomerRef": {"value": customer["Id"]}, "Line": [_line(amount="60.00")]}
    )

    assert memo["RemainingCredit"] == 60
    assert "Payment" not in qbo.query("SELECT * FROM Payment").get_json()["QueryResponse"]


def test_payment_over_the_open_balance_is_refused(qbo):
    customer = qbo.customer()
    invoice = qbo.invoice(customer["Id"], "100.00")
    link = [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]

    response = qbo.post(
        "payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 150,
            "Line": [{"Amount": 150, "LinkedTxn": link}],
        },
    )

    assert fault_of(response)["Error"][0]["code"] == "6000"


def test_service_item_reads_like_the_genuine_one(qbo, shared):
    item = qbo.create(
        "Item", {"Name": "Placement fee", "Type": "Service", "IncomeAccountRef": {"value": "1"}}
    )

    genuine = payload("qbo", "item_service_read.json")["Item"]
    assert set(genuine) - set(item) == {"Description"}
    assert {key: shape(genuine[key]) for key in item if key in genuine} == {
        key: shape(item[key]) for key in item if key in genuine
    }
    assert item["IncomeAccountRef"] == {"value": "1", "name": "Services"}


def test_company_info_is_read_by_realm_id(qbo):
    response = qbo.get(f"companyinfo/{qbo.info['realm_id']}")

    assert response.get_json()["CompanyInfo"]["Country"] == "US"


def test_minorversion_below_75_is_served_as_75(qbo):
    response = qbo.get("preferences", minorversion="4")

    assert response.status_code == 200
