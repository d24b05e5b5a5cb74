from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import responses

from adapters.base import ChangeKind, DocumentType, PaymentApplication, RemoteRef
from adapters.netsuite.adapter import NetSuiteAdapter
from adapters.netsuite.changes import FIRST_PULL_NOTE
from tests.adapters.netsuite.conftest import route_suiteql, suiteql_page


def serve_changes(rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]) -> list[dict]:
    return route_suiteql(
        rsps,
        {
            "FROM transaction": ns_payload("suiteql_changes_transactions.json"),
            "FROM nexttransactionlinelink": ns_payload("suiteql_changes_applications.json"),
            "FROM deletedrecord": ns_payload("suiteql_changes_deleted.json"),
        },
    )


def test_payment_carries_what_it_pays_summed_per_document(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    serve_changes(rsps, ns_payload)
    changes = adapter.changes_since("2024-03-20 09:00:00").changes
    payment = next(c for c in changes if c.kind is ChangeKind.PAYMENT).payment
    assert payment is not None
    assert payment.ref == RemoteRef("1301", "2024-03-20 09:14:05")
    assert (payment.customer_id, payment.txn_date, payment.total, payment.currency) == (
        "1137",
        dt.date(2024, 3, 20),
        Decimal("1495.00"),
        "USD",
    )
    assert payment.applications == (
        PaymentApplication(DocumentType.INVOICE, "1227", Decimal("1495.00")),
    )  # the journal link is not one of our documents


def test_edits_voids_and_deletes_of_documents(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    serve_changes(rsps, ns_payload)
    changes = {c.remote_id: c for c in adapter.changes_since("2024-03-20 09:00:00").changes}
    edited, voided, memo, deleted = (
        changes["1227"],
        changes["1240"],
        changes["1241"],
        changes["1250"],
    )
    assert edited.kind is ChangeKind.UPDATED and edited.state is not None
    assert (edited.state.total, edited.state.balance) == (Decimal("1592.50"), Decimal("97.50"))
    assert voided.kind is ChangeKind.VOIDED and voided.state is not None and voided.state.voided
    assert memo.document_type is DocumentType.CREDIT_MEMO and memo.state is not None
    assert memo.state.total == Decimal("97.50")  # credits are stored negative
    assert deleted.kind is ChangeKind.DELETED and deleted.document_type is DocumentType.INVOICE
    assert deleted.state is not None and deleted.state.deleted
    assert deleted.changed_at == dt.datetime(2024, 3, 20, 11, 30)
    assert "88" not in changes  # a deleted customer is not a document change


def test_next_cursor_is_the_latest_netsuite_time_seen(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    serve_changes(rsps, ns_payload)
    assert adapter.changes_since("2024-03-20 09:00:00").cursor == "2024-03-20 11:31:00"


def test_pull_starts_a_lag_before_the_cursor_inclusive(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    seen = serve_changes(rsps, ns_payload)
    adapter.changes_since("2024-03-20 09:00:00")
    starts = [
        s["q"] for s in seen if "FROM transaction" in s["q"] or "FROM deletedrecord" in s["q"]
    ]
    assert len(starts) == 2
    assert all(
        ">= TO_TIMESTAMP('2024-03-20 08:45:00', 'YYYY-MM-DD HH24:MI:SS')" in q for q in starts
    )
    assert all("ORDER BY" in s["q"] for s in seen)
    assert "l.nextdoc IN (1301)" in next(
        s["q"] for s in seen if "nexttransactionlinelink" in s["q"]
    )


def test_a_transaction_saved_again_during_paging_is_reported_once_at_its_latest(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock
) -> None:
    row = {
        "id": "1227",
        "type": "CustInvc",
        "tranid": "INV-1",
        "foreigntotal": 10,
        "foreignamountunpaid": 10,
        "voided": "F",
        "modified": "2024-03-20 09:00:00",
    }
    later = {**row, "foreignamountunpaid": 0, "modified": "2024-03-20 09:05:00"}
    route_suiteql(rsps, {"FROM transaction": suiteql_page([row, later])})
    changes = adapter.changes_since("2024-03-20 09:00:00").changes
    assert len(changes) == 1
    assert changes[0].state is not None and changes[0].state.balance == Decimal("0")


def test_nothing_changed_keeps_the_cursor(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock
) -> None:
    seen = route_suiteql(rsps, {})
    result = adapter.changes_since("2024-03-20 09:00:00")
    assert (result.changes, result.cursor) == ((), "2024-03-20 09:00:00")
    assert not any("nexttransactionlinelink" in s["q"] for s in seen)  # no payments, no link read


def test_first_pull_reads_the_last_30_days_and_says_so(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock
) -> None:
    seen = route_suiteql(rsps, {})
    result = adapter.changes_since(None)
    assert "TO_TIMESTAMP('2024-02-19 12:00:00'" in seen[0]["q"]
    assert result.cursor == "2024-02-19 12:00:00"
    assert result.notes == (FIRST_PULL_NOTE,)
