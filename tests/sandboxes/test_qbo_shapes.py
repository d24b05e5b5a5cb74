"""Misshapen bodies answer QBO's 400 ValidationFault (2010), never a server error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.sandboxes.qbo_support import Qbo, StepClock, make_qbo


@pytest.fixture
def qbo() -> Qbo:
    box = make_qbo(StepClock())
    box.customer("Acme")
    return box


def the_error(response) -> dict:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"Fault", "time"}
    assert body["Fault"]["type"] == "ValidationFault"
    [error] = body["Fault"]["Error"]
    return error


LINE = {"Amount": Decimal("5.00"), "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}  # fmt: skip


@pytest.mark.parametrize("depth", [101, 100_000])
def test_a_body_nested_too_deep_is_a_validation_fault(qbo, depth):
    error = the_error(qbo.post("invoice", "[" * depth + "]" * depth))

    assert error["code"] == "2010"
    assert "nesting depth exceeds the maximum allowed (100)" in error["Detail"]


@pytest.mark.parametrize(
    ("body", "expected", "token", "where"),
    [
        ({"CustomerRef": {"value": "1"}, "Line": LINE},
         "java.util.ArrayList", "START_OBJECT", '["Line"]'),
        ({"CustomerRef": {"value": "1"}, "Line": ["x"]},
         "com.intuit.schema.finance.v3.Line", "VALUE_STRING", '["Line"][0]'),
        ({"CustomerRef": "1", "Line": [LINE]},
         "com.intuit.schema.finance.v3.ReferenceType", "VALUE_STRING", '["CustomerRef"]'),
        ({"CustomerRef": {"value": "1"}, "Line": [{**LINE, "SalesItemLineDetail": 7}]},
         "com.intuit.schema.finance.v3.SalesItemLineDetail", "VALUE_NUMBER_INT",
         '["Line"][0]["SalesItemLineDetail"]'),
        ({"CustomerRef": {"value": "1"}, "Line": [LINE], "DocNumber": ["1001"]},
         "java.lang.String", "START_ARRAY", '["DocNumber"]'),
    ],
)  # fmt: skip
def test_a_property_of_the_wrong_json_type_is_a_validation_fault(qbo, body, expected, token, where):
    error = the_error(qbo.post("invoice", body))

    assert error["code"] == "2010"
    assert error["Message"] == "Request has invalid or unsupported property"
    assert f"Can not deserialize instance of {expected} out of {token} token" in error["Detail"]
    assert f"path: {where}]" in error["Detail"]


def test_a_payment_whose_links_are_an_object_is_a_validation_fault(qbo):
    body = {"CustomerRef": {"value": "1"}, "TotalAmt": 5,
            "Line": [{"Amount": 5, "LinkedTxn": {"TxnId": "1", "TxnType": "Invoice"}}]}  # fmt: skip

    assert the_error(qbo.post("payment", body))["code"] == "2010"


@pytest.mark.parametrize("items", [[5], [{"bId": "1", "Invoice": {"Line": {"x": 1}}}]])
def test_a_misshapen_batch_is_a_validation_fault(qbo, items):
    assert the_error(qbo.post("batch", {"BatchItemRequest": items}))["code"] == "2010"


def test_a_well_shaped_invoice_with_null_references_is_still_created(qbo):
    body = {"CustomerRef": {"value": "1"}, "Line": [LINE], "ClassRef": None, "PrivateNote": None}

    response = qbo.post("invoice", body)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["Invoice"]["TotalAmt"] == 5
