"""The wrapped python-quickbooks client: retries, refresh on 401, requestid, minorversion, logs."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from adapters.qbo.adapter import QboAdapter
from adapters.qbo.config import QboConfig
from adapters.tokens import MemoryTokenStore
from backoffice.errors import AuthExpired, NeedsUserAction, UncertainWrite
from backoffice.secret import Secret
from tests.adapters.qbo.conftest import ACCESS, COMPANY, TOKEN_URL


def query_of(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def test_every_call_carries_minorversion_75(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.get(f"{COMPANY}/invoice/119", json=qbo_payload("invoice_read_with_terms.json"))
    rsps.post(f"{COMPANY}/query", json=qbo_payload("query_response_vendor_page.json"))
    rsps.post(f"{COMPANY}/customer", json=qbo_payload("customer_create_response.json"))
    adapter.client.read("Invoice", "119")
    adapter.client.query("SELECT * FROM Vendor")
    adapter.client.create("Customer", '{"DisplayName":"Doe5, Jane"}', "key-1")
    assert [query_of(call)["minorversion"] for call in rsps.calls] == [["75"]] * 3


def test_401_refreshes_once_then_sends_again_with_the_new_token(
    adapter: QboAdapter,
    rsps: responses.RequestsMock,
    qbo_payload: Callable[[str], Any],
    store: MemoryTokenStore,
) -> None:
    token = qbo_payload("oauth2_token_response.json")
    rsps.get(
        f"{COMPANY}/invoice/119",
        status=401,
        json=qbo_payload("error_401_authentication_failed.json"),
    )
    rsps.post(TOKEN_URL, json=token)
    rsps.get(f"{COMPANY}/invoice/119", json=qbo_payload("invoice_read_with_terms.json"))
    invoice = adapter.client.read("Invoice", "119")
    assert invoice["Id"] == "119"
    headers = [call.request.headers.get("Authorization") for call in rsps.calls]
    assert headers[0] == f"Bearer {ACCESS}"
    assert headers[2] == f"Bearer {token['access_token']}"
    assert store.saves == 1


def test_second_401_after_refresh_is_raised(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.get(
        f"{COMPANY}/invoice/119",
        status=401,
        json=qbo_payload("error_401_authentication_failed.json"),
    )
    rsps.post(TOKEN_URL, json=qbo_payload("oauth2_token_response.json"))
    with pytest.raises(AuthExpired):
        adapter.client.read("Invoice", "119")
    assert [call.request.method for call in rsps.calls] == ["GET", "POST", "GET"]


def test_throttled_call_waits_retry_after_and_succeeds(
    adapter: QboAdapter,
    rsps: responses.RequestsMock,
    qbo_bytes: Callable[[str], bytes],
    qbo_payload: Callable[[str], Any],
    sleeps: list[float],
) -> None:
    rsps.post(
        f"{COMPANY}/invoice",
        status=429,
        body=qbo_bytes("error_429_throttle.xml"),
        headers={"Retry-After": "3"},
        content_type="application/xml",
    )
    rsps.post(f"{COMPANY}/invoice", json=qbo_payload("invoice_create_response.json"))
    created = adapter.client.create("Invoice", "{}", "outbox-42")
    assert created["Id"] == "266"
    assert sleeps == [3.0]


def test_requestid_is_on_every_write_and_stable_across_retries(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.post(f"{COMPANY}/invoice", status=503, body=b"")
    rsps.post(f"{COMPANY}/invoice", status=429, json=qbo_payload("error_429_throttle.json"))
    rsps.post(f"{COMPANY}/invoice", json=qbo_payload("invoice_create_response.json"))
    adapter.client.create("Invoice", "{}", "outbox-42")
    assert [query_of(call)["requestid"] for call in rsps.calls] == [["outbox-42"]] * 3


def test_write_without_answer_is_resent_with_its_requestid_then_uncertain(
    config: QboConfig, store: MemoryTokenStore, sleeps: list[float], rsps: responses.RequestsMock
) -> None:
    from adapters.http import RetryPolicy
    from adapters.limits import RequestLimiter

    limiter = RequestLimiter(500, 10, clock=lambda: 0.0, sleep=sleeps.append)
    adapter = QboAdapter(
        config,
        store,
        limiter,
        lambda: dt.datetime(2023, 2, 20),
        sleeps.append,
        policy=RetryPolicy(max_attempts=2),
    )
    rsps.post(f"{COMPANY}/invoice", body=requests.ReadTimeout("lost"))
    with pytest.raises(UncertainWrite):
        adapter.client.create("Invoice", "{}", "outbox-7")
    assert [query_of(call)["requestid"] for call in rsps.calls] == [["outbox-7"]] * 2


def test_a_batch_without_answer_is_uncertain_at_once_never_resent_under_its_requestid(
    adapter: QboAdapter, rsps: responses.RequestsMock
) -> None:
    rsps.post(f"{COMPANY}/batch", body=requests.ReadTimeout("lost"))
    with pytest.raises(UncertainWrite):
        adapter.client.batch('{"BatchItemRequest": []}', "batch-7")
    assert len(rsps.calls) == 1


def test_a_batch_requestid_longer_than_32_is_refused(adapter: QboAdapter) -> None:
    with pytest.raises(ValueError):
        adapter.client.batch('{"BatchItemRequest": []}', "k" * 33)


def test_retries_exhausted_become_needs_user_action(
    adapter: QboAdapter, rsps: responses.RequestsMock
) -> None:
    rsps.get(f"{COMPANY}/invoice/1", status=500, body=b"")
    with pytest.raises(NeedsUserAction) as raised:
        adapter.client.read("Invoice", "1")
    assert raised.value.code == "retries_exhausted"
    assert len(rsps.calls) == 5


def test_requestid_longer_than_50_is_refused(adapter: QboAdapter) -> None:
    with pytest.raises(ValueError):
        adapter.client.create("Invoice", "{}", "k" * 51)


def test_one_log_line_per_call_with_path_status_requestid_attempt(
    adapter: QboAdapter,
    rsps: responses.RequestsMock,
    qbo_payload: Callable[[str], Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    rsps.post(f"{COMPANY}/invoice", status=503, body=b"")
    rsps.post(f"{COMPANY}/invoice", json=qbo_payload("invoice_create_response.json"))
    with caplog.at_level(logging.INFO, logger="adapters.http"):
        adapter.client.create("Invoice", "{}", "outbox-42")
    lines = [r.getMessage() for r in caplog.records if r.name == "adapters.http"]
    assert len(lines) == 2
    assert lines[0].startswith("qbo POST /v3/company/9130357/invoice 503 ")
    assert lines[0].endswith("requestid=outbox-42 attempt 1")
    assert lines[1].endswith("requestid=outbox-42 attempt 2")
    assert all("minorversion" not in line for line in lines)


def test_production_and_sandbox_hosts_follow_the_connection() -> None:
    production = QboConfig("id", Secret("s" * 8), "1", "https://x/cb")
    sandbox = QboConfig("id", Secret("s" * 8), "1", "https://x/cb", environment="sandbox")
    assert production.company_url == "https://quickbooks.api.intuit.com/v3/company/1"
    assert sandbox.company_url == "https://sandbox-quickbooks.api.intuit.com/v3/company/1"
    assert sandbox.token_endpoint == "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"


def test_unexpected_6000_is_sent_again_and_succeeds(
    adapter: QboAdapter,
    rsps: responses.RequestsMock,
    qbo_payload: Callable[[str], Any],
    sleeps: list[float],
) -> None:
    rsps.post(
        f"{COMPANY}/invoice", status=400, json=qbo_payload("error_6000_unexpected_try_again.json")
    )
    rsps.post(f"{COMPANY}/invoice", status=400, json=qbo_payload("error_6000_internal_30000.json"))
    rsps.post(f"{COMPANY}/invoice", json=qbo_payload("invoice_create_response.json"))
    created = adapter.client.create("Invoice", "{}", "outbox-42")
    assert created["Id"] == "266"
    assert [query_of(call)["requestid"] for call in rsps.calls] == [["outbox-42"]] * 3
    assert len(sleeps) == 2
