from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses

from adapters.netsuite.adapter import NetSuiteAdapter
from adapters.netsuite.errors import (
    CLIENT_CREDENTIALS_TABLE,
    COMMON_TABLE,
    TBA_TABLE,
    read_fault,
)
from adapters.resolution import Action, error_for
from backoffice.errors import AuthExpired, NeedsUserAction, RetryableError
from tests.adapters.netsuite.conftest import RECORD


def response_of(status: int, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    response.headers.update(headers or {})
    return response


def fault_body(code: str, detail: str = "Something about the field.") -> dict[str, Any]:
    return {
        "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
        "title": "Bad Request",
        "status": 400,
        "o:errorDetails": [{"detail": detail, "o:errorCode": code}],
    }


EXPECTED_ERROR = {
    Action.RETRY: RetryableError,
    Action.REFRESH_AUTH: AuthExpired,
    Action.NEEDS_USER: NeedsUserAction,
}


@pytest.mark.parametrize(
    ("table", "key"),
    [(table, key) for table in (CLIENT_CREDENTIALS_TABLE, TBA_TABLE) for key in table],
)
def test_every_code_and_status_of_the_tables_resolves_to_its_error(
    table: dict[int | str, Any], key: int | str
) -> None:
    status = key if isinstance(key, int) else 400
    body = fault_body(key) if isinstance(key, str) else {}
    error = error_for(table, read_fault(response_of(status, body)))
    assert type(error) is EXPECTED_ERROR[table[key].action]
    if isinstance(error, NeedsUserAction):
        assert error.code == f"netsuite:{key}"
        assert error.action == table[key].user_action
        assert error.action  # every user-facing resolution says what to do


@pytest.mark.parametrize(
    ("name", "status", "code", "error_type", "words"),
    [
        (
            "error_400_field_param_reqd.json",
            400,
            "FIELD_PARAM_REQD",
            NeedsUserAction,
            "Please enter a value for [entity]",
        ),
        (
            "error_400_invalid_key_or_ref.json",
            400,
            "INVALID_KEY_OR_REF",
            NeedsUserAction,
            "Invalid value for the resource or sub-resource field 'entity'",
        ),
        (
            "error_400_user_error.json",
            400,
            "USER_ERROR",
            NeedsUserAction,
            "Invalid Field Value 99 for the following field: terms",
        ),
        (
            "error_429_concurrency_limit_exceeded.json",
            429,
            "CONCURRENCY_LIMIT_EXCEEDED",
            RetryableError,
            "Concurrent request limit exceeded",
        ),
        ("error_401_invalid_login.json", 401, "INVALID_LOGIN", AuthExpired, "Invalid login"),
        ("error_404_nonexistent_id.json", 404, "NONEXISTENT_ID", NeedsUserAction, "does not exist"),
        ("error_400_dup_entity.json", 400, "DUP_ENTITY", NeedsUserAction, "already exists"),
    ],
)
def test_recorded_fault_gives_netsuite_code_and_detail(
    ns_payload: Callable[[str], Any],
    name: str,
    status: int,
    code: str,
    error_type: type,
    words: str,
) -> None:
    failure = read_fault(response_of(status, ns_payload(name)))
    assert failure.code == code
    assert words in failure.message
    error = error_for(CLIENT_CREDENTIALS_TABLE, failure)
    assert type(error) is error_type
    assert words in error.message and code in error.detail


def test_field_path_is_named_when_the_detail_does_not_say_it() -> None:
    body = {
        "o:errorDetails": [
            {"detail": "Invalid value.", "o:errorPath": "terms", "o:errorCode": "INVALID_FLD_VALUE"}
        ]
    }
    assert read_fault(response_of(400, body)).message == "Invalid value. (terms)"


def test_unreadable_body_still_gives_the_status() -> None:
    failure = read_fault(response_of(502, b"<html>Bad gateway</html>"))
    assert (failure.status, failure.code, failure.message) == (502, None, "HTTP 502")


def test_long_detail_is_shortened() -> None:
    failure = read_fault(response_of(400, fault_body("USER_ERROR", "x" * 5000)))
    assert len(failure.message) == 300


def test_429_is_retried_after_retry_after(
    adapter: NetSuiteAdapter,
    rsps: responses.RequestsMock,
    sleeps: list[float],
    ns_payload: Callable[[str], Any],
) -> None:
    throttled = ns_payload("error_429_concurrency_limit_exceeded.json")
    rsps.get(f"{RECORD}/term/2", status=429, json=throttled, headers={"Retry-After": "7"})
    rsps.get(f"{RECORD}/term/2", status=429, json=throttled, headers={"Retry-After": "3"})
    rsps.get(f"{RECORD}/term/2", json=ns_payload("term_get_response.json"))
    assert adapter.records.get("term", "2")["name"] == "Net 30"
    assert sleeps == [7.0, 3.0]


def test_429_without_retry_after_backs_off_then_gives_up_for_a_person(
    adapter: NetSuiteAdapter,
    rsps: responses.RequestsMock,
    sleeps: list[float],
    ns_payload: Callable[[str], Any],
) -> None:
    throttled = ns_payload("error_429_concurrency_limit_exceeded.json")
    rsps.get(f"{RECORD}/term/2", status=429, json=throttled)
    with pytest.raises(NeedsUserAction) as raised:
        adapter.records.get("term", "2")
    assert raised.value.code == "retries_exhausted"
    assert sleeps == [1.0, 2.0]  # three attempts in the test policy
    assert len(rsps.calls) == 3


def test_tables_share_every_common_code() -> None:
    assert set(COMMON_TABLE) <= set(TBA_TABLE) and set(COMMON_TABLE) <= set(
        CLIENT_CREDENTIALS_TABLE
    )
