"""Secrets never reach the logs: token fetch, refusal, refetch and push, captured at DEBUG."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import responses

from adapters.base import CustomerDoc, DocumentLine, InvoiceDoc
from adapters.limits import RequestLimiter
from adapters.netsuite.adapter import NetSuiteAdapter
from adapters.netsuite.config import NetSuiteConfig
from adapters.tokens import MemoryTokenStore
from tests.adapters.netsuite.conftest import (
    CONSUMER_KEY,
    CONSUMER_SECRET,
    CURRENCIES,
    NOW,
    RECORD,
    TOKEN_ID,
    TOKEN_SECRET,
    TOKEN_URL,
    route_suiteql,
)


def push(adapter: NetSuiteAdapter) -> None:
    customer = adapter.upsert_customer(CustomerDoc("Acme", "ap@acme.example", "USD"), "c-1")
    line = DocumentLine("21", "Fee", Decimal("1"), Decimal("100.00"), Decimal("100.00"))
    doc = InvoiceDoc("INV-1", customer.id, "USD", dt.date(2024, 3, 1), None, (line,))
    adapter.create_invoice(doc, "inv-1")


def test_token_fetch_refusal_refetch_and_push_log_no_secret(
    m2m_config: NetSuiteConfig,
    private_pem: str,
    rsps: responses.RequestsMock,
    ns_payload: Callable[[str], Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = ns_payload("oauth2_token_response.json")
    second = {**first, "access_token": "second-access-token-abcdef-0123456789"}
    rsps.post(TOKEN_URL, json=first)
    rsps.post(TOKEN_URL, json=second)
    route_suiteql(rsps, {"FROM currency": CURRENCIES})
    rsps.put(f"{RECORD}/customer/eid:c-1", status=204, headers={"Location": f"{RECORD}/customer/9"})
    rsps.put(
        f"{RECORD}/invoice/eid:inv-1", status=401, json=ns_payload("error_401_invalid_login.json")
    )
    rsps.put(f"{RECORD}/invoice/eid:inv-1", status=204, headers={"Location": f"{RECORD}/invoice/5"})
    store = MemoryTokenStore()
    limiter = RequestLimiter(600, 5, clock=lambda: 0.0, sleep=lambda _s: None)
    adapter = NetSuiteAdapter(m2m_config, store, limiter, lambda: NOW, lambda _s: None)
    with caplog.at_level(logging.DEBUG):
        push(adapter)
    assert store.saves == 2  # fetched, then fetched again after the 401
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    assert "netsuite PUT /services/rest/record/v1/invoice/eid:inv-1 401" in logged
    assert "netsuite POST /services/rest/auth/oauth2/v1/token 200" in logged
    assignments = [c.request.body for c in rsps.calls if c.request.url == TOKEN_URL]
    for secret in (
        first["access_token"],
        second["access_token"],
        "Bearer",
        "client_assertion",
        private_pem.splitlines()[1],
        *(a.split("client_assertion=")[1] for a in assignments),
        "ap@acme.example",
        '"entityId"',
    ):
        assert secret not in logged


def test_tba_push_logs_no_key_token_or_signature(
    tba_config: NetSuiteConfig, rsps: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    route_suiteql(rsps, {"FROM currency": CURRENCIES})
    rsps.put(f"{RECORD}/customer/eid:c-1", status=204, headers={"Location": f"{RECORD}/customer/9"})
    rsps.put(f"{RECORD}/invoice/eid:inv-1", status=204, headers={"Location": f"{RECORD}/invoice/5"})
    limiter = RequestLimiter(600, 5, clock=lambda: 0.0, sleep=lambda _s: None)
    adapter = NetSuiteAdapter(tba_config, None, limiter, lambda: NOW, lambda _s: None)
    with caplog.at_level(logging.DEBUG):
        push(adapter)
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    signatures = [
        str(c.request.headers["Authorization"]).split('oauth_signature="')[1][:20]
        for c in rsps.calls
    ]
    for secret in (CONSUMER_KEY, CONSUMER_SECRET, TOKEN_ID, TOKEN_SECRET, "oauth_", *signatures):
        assert secret not in logged
    calls = [r for r in caplog.records if r.name == "adapters.http"]
    assert len(calls) == len(rsps.calls) == 3  # one line per remote call
