"""The QBO resolution table, code by code, and fault reading in every shape QBO answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from adapters.qbo.errors import QBO_TABLE, TRANSIENT_BUSINESS_ERROR, read_fault
from adapters.resolution import error_for
from backoffice.errors import AuthExpired, NeedsUserAction, RetryableError


def response_of(
    status: int, body: bytes, headers: dict[str, str] | None = None
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers.update(headers or {})
    response.request = requests.Request(
        "POST", "http://127.0.0.1/v3/company/1/invoice?minorversion=75&requestid=key-1"
    ).prepare()
    return response


def fault(code: str, message: str = "Some fault", detail: str = "Some detail") -> bytes:
    """A fault envelope shaped like error_6240_duplicate_name.json, for unrecorded codes."""
    error = {"Message": message, "Detail": detail, "code": code}
    return json.dumps({"Fault": {"Error": [error], "type": "ValidationFault"}}).encode()


GENUINE = {
    "3001": (429, "error_429_throttle.json"),
    "3200": (401, "error_401_authentication_failed.json"),
    "5010": (400, "error_5010_stale_object.json"),
    "6240": (400, "error_6240_duplicate_name.json"),
    "6140": (400, "error_6140_duplicate_doc_number.json"),
    "2010": (400, "error_2010_unsupported_property.json"),
    "2050": (400, "error_2050_validation_multi.json"),
    "4001": (400, "error_4001_invalid_query.json"),
    TRANSIENT_BUSINESS_ERROR: (400, "error_6000_unexpected_try_again.json"),
}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("3001", RetryableError),
        ("3003", RetryableError),
        ("10000", RetryableError),
        ("3200", AuthExpired),
        ("3100", NeedsUserAction),
        ("5010", NeedsUserAction),
        ("6240", NeedsUserAction),
        ("6140", NeedsUserAction),
        ("2020", NeedsUserAction),
        ("2500", NeedsUserAction),
        ("6000", NeedsUserAction),
        (TRANSIENT_BUSINESS_ERROR, RetryableError),
        ("6210", NeedsUserAction),
        ("6190", NeedsUserAction),
        ("610", NeedsUserAction),
        ("2010", NeedsUserAction),
        ("2050", NeedsUserAction),
        ("2080", NeedsUserAction),
        ("4001", NeedsUserAction),
        (401, AuthExpired),
        (403, NeedsUserAction),
        (429, RetryableError),
        (400, NeedsUserAction),
    ],
)
def test_every_table_entry_resolves_to_its_error(
    key: int | str, expected: type[Exception], qbo_payload: Callable[[str], Any]
) -> None:
    assert key in QBO_TABLE
    if isinstance(key, int):
        response = response_of(key, b"")
    elif key in GENUINE:
        status, name = GENUINE[key]
        response = response_of(status, json.dumps(qbo_payload(name)).encode())
    else:
        response = response_of(400, fault(key))
    error = error_for(QBO_TABLE, read_fault(response))
    assert type(error) is expected
    if isinstance(error, NeedsUserAction):
        assert error.code == f"qbo:{key}"
        assert error.action
    assert f"status={response.status_code}" in error.detail


def test_validation_fault_carries_qbo_code_message_and_what_to_do() -> None:
    body = fault("2500", "Invalid Reference Id", "Invalid Reference Id : Item assigned to Id 99")
    error = error_for(QBO_TABLE, read_fault(response_of(400, body)))
    assert isinstance(error, NeedsUserAction)
    assert error.code == "qbo:2500"
    assert "Invalid Reference Id : Item assigned to Id 99" in error.message
    assert "mapping" in error.action
    assert "requestid=key-1" in error.detail


def test_xml_throttle_body_is_read_with_its_code_and_retry_after(
    qbo_bytes: Callable[[str], bytes],
) -> None:
    response = response_of(429, qbo_bytes("error_429_throttle.xml"), {"Retry-After": "7"})
    failure = read_fault(response)
    assert (failure.status, failure.code, failure.retry_after) == (429, "3001", 7.0)
    assert "ThrottleExceeded" in failure.message
    error = error_for(QBO_TABLE, failure)
    assert isinstance(error, RetryableError) and error.retry_after == 7.0


def test_json_throttle_body_reads_the_same_as_xml(
    qbo_payload: Callable[[str], Any], qbo_bytes: Callable[[str], bytes]
) -> None:
    from_json = read_fault(
        response_of(429, json.dumps(qbo_payload("error_429_throttle.json")).encode())
    )
    from_xml = read_fault(response_of(429, qbo_bytes("error_429_throttle.xml")))
    assert (from_json.code, from_json.message) == (from_xml.code, from_xml.message)


def test_lower_case_401_fault_is_read_without_echoing_the_token(
    qbo_payload: Callable[[str], Any],
) -> None:
    body = json.dumps(qbo_payload("error_401_authentication_failed.json")).encode()
    failure = read_fault(response_of(401, body))
    assert failure.code == "3200"
    assert "AuthenticationFailed" in failure.message
    assert "AB01601390262" not in failure.message


def test_every_error_of_a_multi_error_fault_is_reported(qbo_payload: Callable[[str], Any]) -> None:
    body = json.dumps(qbo_payload("error_2050_validation_multi.json")).encode()
    failure = read_fault(response_of(400, body))
    assert failure.code == "2050"
    assert "(firstname)" in failure.message and "(postalcode)" in failure.message


def test_long_detail_is_shortened_for_the_user(qbo_payload: Callable[[str], Any]) -> None:
    body = json.dumps(qbo_payload("error_2010_unsupported_property.json")).encode()
    assert len(read_fault(response_of(400, body)).message) <= 300


def test_unreadable_body_falls_back_to_the_status() -> None:
    failure = read_fault(response_of(503, b"<html>maintenance</html"))
    assert (failure.status, failure.code) == (503, None)
    assert isinstance(error_for(QBO_TABLE, failure), RetryableError)


@pytest.mark.parametrize(
    "name", ["error_6000_unexpected_try_again.json", "error_6000_internal_30000.json"]
)
def test_6000_that_qbo_calls_unexpected_is_retried(
    name: str, qbo_payload: Callable[[str], Any]
) -> None:
    failure = read_fault(response_of(400, json.dumps(qbo_payload(name)).encode()))
    assert failure.code == TRANSIENT_BUSINESS_ERROR
    assert "Business Validation Error" in failure.message
    assert isinstance(error_for(QBO_TABLE, failure), RetryableError)


def test_6000_of_a_business_rule_still_needs_a_person() -> None:
    body = fault(
        "6000",
        "A business validation error has occurred while processing your request",
        "Business Validation Error: You must set a transaction amount.",
    )
    error = error_for(QBO_TABLE, read_fault(response_of(400, body)))
    assert isinstance(error, NeedsUserAction)
    assert error.code == "qbo:6000"
