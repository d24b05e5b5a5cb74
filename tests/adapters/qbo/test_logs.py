"""Secrets never reach the logs: a full connect, refresh and push, captured at DEBUG."""

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
from adapters.qbo.adapter import QboAdapter
from adapters.qbo.config import QboConfig
from adapters.tokens import MemoryTokenStore
from tests.adapters.qbo.conftest import CLIENT_SECRET, COMPANY, NOW, TOKEN_URL


def test_connect_refresh_and_push_log_no_token_or_secret(
    config: QboConfig,
    rsps: responses.RequestsMock,
    qbo_payload: Callable[[str], Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = qbo_payload("oauth2_token_response.json")
    second = {
        **first,
        "access_token": "second-access-token-abcdef-0123",
        "refresh_token": "second-refresh-token-abcdef-0123",
    }
    rsps.post(TOKEN_URL, json=first)
    rsps.post(TOKEN_URL, json=second)
    rsps.get(f"{COMPANY}/preferences", json=qbo_payload("preferences_read.json"))
    rsps.post(f"{COMPANY}/customer", json=qbo_payload("customer_create_response.json"))
    rsps.post(
        f"{COMPANY}/invoice", status=401, json=qbo_payload("error_401_authentication_failed.json")
    )
    rsps.post(f"{COMPANY}/invoice", json=qbo_payload("invoice_create_response.json"))
    store = MemoryTokenStore()
    limiter = RequestLimiter(500, 10, clock=lambda: 0.0, sleep=lambda _s: None)
    adapter = QboAdapter(config, store, limiter, lambda: NOW, lambda _s: None)
    code = "authorization-code-0123456789"
    with caplog.at_level(logging.DEBUG):
        adapter.oauth.complete_authorization(
            {"state": "s", "code": code, "realmId": config.realm_id}, "s"
        )
        customer = adapter.upsert_customer(CustomerDoc("Doe5, Jane", "j@example.com", "USD"), "c-1")
        line = DocumentLine("1", "Fee", Decimal("1"), Decimal("100.00"), Decimal("100.00"))
        adapter.create_invoice(
            InvoiceDoc("1043", customer.id, "USD", dt.date(2020, 9, 29), None, (line,)), "inv-1"
        )
    assert store.saves == 2  # connected, then refreshed after the 401
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    assert "qbo POST /v3/company/9130357/invoice 401" in logged
    assert "qbo POST /oauth2/v1/tokens/bearer 200" in logged  # token calls log like any call
    for secret in (
        CLIENT_SECRET,
        code,
        first["access_token"],
        first["refresh_token"],
        second["access_token"],
        second["refresh_token"],
        "Bearer",
        "AB01601390262",
    ):
        assert secret not in logged
