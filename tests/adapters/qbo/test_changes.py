"""Pulls: CDC parsing (payments and their applications, voids, deletes) and the 30-day fallback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from adapters.base import ChangeKind, DocumentType, PaymentApplication
from adapters.qbo.adapter import QboAdapter
from adapters.qbo.changes import changes_of_cdc
from tests.adapters.qbo.conftest import COMPANY

pytestmark = pytest.mark.usefixtures("preferences")


def cdc_of(qbo_payload: Callable[[str], Any], **entities: list[dict[str, Any]]) -> dict[str, Any]:
    """A CDC answer in the recorded envelope (cdc_response.json) holding recorded entities."""
    envelope = qbo_payload("cdc_response.json")
    envelope["CDCResponse"][0]["QueryResponse"] = [
        {name: rows, "startPosition": 1, "maxResults": len(rows)} for name, rows in entities.items()
    ]
    return envelope


def test_payment_lines_become_applications_to_our_invoices(
    qbo_payload: Callable[[str], Any],
) -> None:
    payment = qbo_payload("payment_read_linked_invoice.json")["Payment"]
    [change] = changes_of_cdc(cdc_of(qbo_payload, Payment=[payment]), "USD")
    assert change.kind is ChangeKind.PAYMENT and change.payment is not None
    assert change.payment.total == Decimal("220.0")
    assert change.payment.customer_id == "1"
    assert change.payment.applications == (
        PaymentApplication(DocumentType.INVOICE, "67", Decimal("220.0")),
    )
    assert change.changed_at == dt.datetime(2023, 2, 17, 21, 39, 32)


def test_invoices_and_credit_memos_are_edits_or_voids(qbo_payload: Callable[[str], Any]) -> None:
    edited = qbo_payload("invoice_read_with_terms.json")["Invoice"]
    voided = qbo_payload("invoice_read_voided.json")["Invoice"]
    memo = qbo_payload("creditmemo_read.json")["CreditMemo"]
    changes = list(
        changes_of_cdc(cdc_of(qbo_payload, Invoice=[edited, voided], CreditMemo=[memo]), "USD")
    )
    kinds = {(c.document_type, c.remote_id): c.kind for c in changes}
    assert kinds == {
        (DocumentType.INVOICE, "119"): ChangeKind.UPDATED,
        (DocumentType.INVOICE, "207"): ChangeKind.VOIDED,
        (DocumentType.CREDIT_MEMO, "73"): ChangeKind.UPDATED,
    }


def test_deleted_invoice_in_cdc_is_a_delete(qbo_payload: Callable[[str], Any]) -> None:
    [change] = changes_of_cdc(qbo_payload("cdc_invoice_deleted.json"), "USD")
    assert (change.kind, change.document_type, change.remote_id) == (
        ChangeKind.DELETED,
        DocumentType.INVOICE,
        "39",
    )
    assert change.state is not None and change.state.deleted


def test_entities_we_did_not_ask_for_are_ignored(qbo_payload: Callable[[str], Any]) -> None:
    assert list(changes_of_cdc(qbo_payload("cdc_response.json"), "USD")) == []


def test_recent_cursor_uses_cdc_with_lag_and_returns_server_time(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    payment = qbo_payload("payment_read_linked_invoice.json")["Payment"]
    answer = cdc_of(qbo_payload, Payment=[payment, payment])
    rsps.get(f"{COMPANY}/cdc", json=answer)
    result = adapter.changes_since("2023-02-10T00:00:00+00:00")
    params = parse_qs(urlsplit(rsps.calls[-1].request.url).query)
    assert params["entities"] == ["Payment,Invoice,CreditMemo"]
    assert params["changedSince"] == ["2023-02-09T23:55:00+00:00"]
    assert params["minorversion"] == ["75"]
    assert len(result.changes) == 1  # the same id and SyncToken once
    assert result.cursor == "2020-09-29T15:02:53+00:00"  # QBO's clock, in UTC
    assert not result.full_resync


def test_cursor_older_than_30_days_falls_back_to_a_full_query(
    adapter: QboAdapter, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    payment = qbo_payload("payment_read_linked_invoice.json")["Payment"]
    rsps.post(f"{COMPANY}/query", json={"QueryResponse": {"Payment": [payment]}})
    rsps.post(f"{COMPANY}/query", json={"QueryResponse": {}})
    rsps.post(f"{COMPANY}/query", json={"QueryResponse": {}})
    result = adapter.changes_since("2023-01-01T00:00:00+00:00")
    assert not any("/cdc" in call.request.url for call in rsps.calls)
    statements = [
        c.request.body.decode() if isinstance(c.request.body, bytes) else c.request.body
        for c in rsps.calls
        if "/query" in c.request.url
    ]
    assert statements[0] == (
        "SELECT * FROM Payment WHERE MetaData.LastUpdatedTime >= '2022-12-31T23:55:00+00:00' "
        "ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000"
    )
    assert [s.split()[3] for s in statements] == ["Payment", "Invoice", "CreditMemo"]
    assert result.full_resync and result.notes
    assert result.cursor == "2023-02-20T12:00:00+00:00"
    assert [c.kind for c in result.changes] == [ChangeKind.PAYMENT]


def test_missing_cursor_reads_everything(adapter: QboAdapter, rsps: responses.RequestsMock) -> None:
    rsps.post(f"{COMPANY}/query", json={"QueryResponse": {}})
    result = adapter.changes_since(None)
    first = rsps.calls[-3].request.body
    assert "WHERE" not in (first.decode() if isinstance(first, bytes) else first)
    assert result.full_resync
