"""Misshapen bodies answer NetSuite's 400 error body, never a server error."""

from __future__ import annotations

import pytest

from tests.sandboxes.netsuite_support import RECORDS, NetSuite, make_netsuite


@pytest.fixture
def netsuite() -> NetSuite:
    return make_netsuite()


def the_error(response) -> dict:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["title"] == "Bad Request"
    [detail] = body["o:errorDetails"]
    return detail


@pytest.mark.parametrize("depth", [101, 100_000])
def test_a_body_nested_too_deep_is_invalid_content(netsuite, depth):
    customer = netsuite.customer()
    body = f'{{"entity": {{"id": "{customer}"}}, "memo": {"[" * depth}{"]" * depth}}}'

    response = netsuite.call("POST", f"{RECORDS}/invoice", body)

    assert the_error(response)["o:errorCode"] == "INVALID_CONTENT"


@pytest.mark.parametrize("amount", [{"value": 5}, [5], True, "NaN", "Infinity", "five"])
def test_a_line_amount_that_is_not_a_number_is_an_invalid_field_value(netsuite, amount):
    customer, item = netsuite.customer(), netsuite.item()
    body = {
        "entity": {"id": customer},
        "item": {"items": [{"item": {"id": item}, "amount": amount}]},
    }

    error = the_error(netsuite.call("POST", f"{RECORDS}/invoice", body))

    assert error["o:errorCode"] == "INVALID_CONTENT"
    assert "for the following field: amount" in error["detail"]
    assert error["o:errorPath"] == "item.items[0].amount"


def test_a_line_number_that_is_not_whole_is_an_invalid_field_value(netsuite):
    customer, item = netsuite.customer(), netsuite.item()
    line = {"item": {"id": item}, "amount": 5, "line": {"n": 1}}
    body = {"entity": {"id": customer}, "item": {"items": [line]}}

    error = the_error(netsuite.call("POST", f"{RECORDS}/invoice", body))

    assert error["o:errorPath"] == "item.items[0].line"


def test_a_payment_amount_that_is_not_a_number_is_refused(netsuite):
    body = {"customer": {"id": netsuite.customer()}, "payment": {"amount": 5}}

    error = the_error(netsuite.call("POST", f"{RECORDS}/customerPayment", body))

    assert "for the following field: payment" in error["detail"]
