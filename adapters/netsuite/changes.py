"""Changes since a cursor: payments (with what they pay), edits, voids and deletes of documents.

Three SuiteQL reads, each ordered on a unique key and paged:

- ``transaction`` rows changed since the start (``lastmodifieddate``):
  customer payments (``CustPymt``), and invoices (``CustInvc``) and credit
  memos (``CustCred``) that carry an external id (every document we push
  does); ``voided = 'T'`` marks a void;
- ``NextTransactionLineLink`` rows of those payments (``linktype = 'Payment'``:
  ``previousdoc`` is the invoice or credit memo paid, ``foreignamount`` the
  amount, in the payment's currency);
- ``DeletedRecord`` rows since the start (``recordid``, ``type``,
  ``deleteddate``): deleted invoices and credit memos. The role needs the
  "Deleted Records" permission.

The cursor is NetSuite's own clock: the latest ``lastmodifieddate`` or
``deleteddate`` seen, as ``YYYY-MM-DD HH:MM:SS`` in the account's time zone
(SuiteQL gives no zone), so our clock and its skew never decide what is
missed. Each pull starts ``LAG`` before the cursor, inclusive (a closed
start), to catch saves committed late; the repeats it brings are removed by
remote id plus version (the modification time), here within a pull and by
the sync engine across pulls. Without a cursor the first pull reads the last
``INITIAL_LOOKBACK``. Amounts are positive whatever sign NetSuite stores
(credits are negative in ``transaction``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from adapters.base import (
    ChangeKind,
    ChangeSet,
    DocumentState,
    DocumentType,
    PaymentApplication,
    PaymentDoc,
    RemoteChange,
    RemoteRef,
)
from adapters.netsuite.suiteql import Sender, fetch_all, id_list, is_true, timestamp_literal

LAG = dt.timedelta(minutes=15)
INITIAL_LOOKBACK = dt.timedelta(days=30)
CURSOR_FORMAT = "%Y-%m-%d %H:%M:%S"
ID_CHUNK = 500  # ids per IN list
PAYMENT = "CustPymt"
DOCUMENT_TYPE_OF: dict[str, DocumentType] = {
    "CustInvc": DocumentType.INVOICE,
    "CustCred": DocumentType.CREDIT_MEMO,
}
DELETED_TYPE_OF: dict[str, DocumentType] = {  # DeletedRecord.type, lower case without spaces
    "invoice": DocumentType.INVOICE,
    "custinvc": DocumentType.INVOICE,
    "creditmemo": DocumentType.CREDIT_MEMO,
    "custcred": DocumentType.CREDIT_MEMO,
}
FIRST_PULL_NOTE = "No cursor: payments and document changes of the last 30 days were read."

TRANSACTIONS = (
    "SELECT t.id, t.type, t.tranid, t.entity, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate, "
    "t.foreigntotal, t.foreignamountunpaid, t.voided, c.symbol AS currency, "
    "TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified "
    "FROM transaction t LEFT JOIN currency c ON c.id = t.currency "
    "WHERE t.lastmodifieddate >= {since} AND (t.type = 'CustPymt' OR "
    "(t.type IN ('CustInvc', 'CustCred') AND t.externalid IS NOT NULL)) "
    "ORDER BY t.lastmodifieddate, t.id"
)
APPLICATIONS = (
    "SELECT l.nextdoc AS payment, l.previousdoc AS doc, l.previoustype AS doctype, "
    "l.previousline AS line, l.foreignamount AS amount "
    "FROM nexttransactionlinelink l WHERE l.linktype = 'Payment' AND l.nextdoc IN {ids} "
    "ORDER BY l.nextdoc, l.previousdoc, l.previousline"
)
DELETIONS = (
    "SELECT d.recordid, d.type, TO_CHAR(d.deleteddate, 'YYYY-MM-DD HH24:MI:SS') AS deleted "
    "FROM deletedrecord d WHERE d.deleteddate >= {since} ORDER BY d.deleteddate, d.recordid"
)


def pull_changes(sender: Sender, cursor: str | None, *, now: dt.datetime) -> ChangeSet:
    """Changes since ``cursor`` (``now``, naive UTC, only places a first pull's start)."""
    start = parse_cursor(cursor) - LAG if cursor else now - INITIAL_LOOKBACK
    since = timestamp_literal(start.strftime(CURSOR_FORMAT))
    rows = list(fetch_all(sender, TRANSACTIONS.format(since=since)))
    deletions = list(fetch_all(sender, DELETIONS.format(since=since)))
    latest = _latest(rows)
    applied = _applications(sender, [str(r["id"]) for r in latest if r.get("type") == PAYMENT])
    changes = [_change_of(row, applied) for row in latest]
    changes += [c for c in (_deletion_of(row) for row in deletions) if c is not None]
    seen = [str(r["modified"]) for r in rows] + [str(r["deleted"]) for r in deletions]
    next_cursor = max(seen) if seen else (cursor or start.strftime(CURSOR_FORMAT))
    notes = () if cursor else (FIRST_PULL_NOTE,)
    return ChangeSet(tuple(changes), next_cursor, notes=notes)


def parse_cursor(cursor: str) -> dt.datetime:
    """A cursor back to a (naive, account-time) datetime; a malformed one raises ``ValueError``."""
    return dt.datetime.strptime(cursor, CURSOR_FORMAT)


def document_state_of(row: dict[str, Any]) -> DocumentState:
    """A ``transaction`` row of an invoice or credit memo as its state."""
    return DocumentState(
        ref=RemoteRef(str(row["id"]), row.get("modified")),
        number=row.get("tranid"),
        total=abs(_amount(row.get("foreigntotal"))),
        balance=abs(_amount(row.get("foreignamountunpaid"))),
        voided=is_true(row.get("voided")),
    )


def _latest(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per transaction, its latest version (a save during paging repeats it)."""
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        known = latest.get(str(row["id"]))
        if known is None or str(row["modified"]) > str(known["modified"]):
            latest[str(row["id"])] = row
    return list(latest.values())


def _applications(sender: Sender, payment_ids: list[str]) -> dict[str, list[PaymentApplication]]:
    """What each payment pays, summed per document (a link per line may repeat a document)."""
    totals: dict[tuple[str, str], Decimal] = {}
    kinds: dict[str, DocumentType] = {}
    for first in range(0, len(payment_ids), ID_CHUNK):
        statement = APPLICATIONS.format(ids=id_list(payment_ids[first : first + ID_CHUNK]))
        for link in fetch_all(sender, statement):
            kind = DOCUMENT_TYPE_OF.get(str(link.get("doctype")))
            if kind is None:
                continue  # a deposit or a journal, not one of our documents
            key = (str(link["payment"]), str(link["doc"]))
            totals[key] = totals.get(key, Decimal("0")) + abs(_amount(link.get("amount")))
            kinds[key[1]] = kind
    applied: dict[str, list[PaymentApplication]] = {}
    for (payment, doc), amount in totals.items():
        applied.setdefault(payment, []).append(PaymentApplication(kinds[doc], doc, amount))
    return applied


def _change_of(row: dict[str, Any], applied: dict[str, list[PaymentApplication]]) -> RemoteChange:
    changed_at = parse_cursor(str(row["modified"]))
    if row.get("type") == PAYMENT:
        payment = PaymentDoc(
            ref=RemoteRef(str(row["id"]), row.get("modified")),
            customer_id=str(row.get("entity")),
            txn_date=dt.date.fromisoformat(str(row["trandate"])),
            total=abs(_amount(row.get("foreigntotal"))),
            currency=str(row.get("currency") or ""),
            applications=tuple(applied.get(str(row["id"]), ())),
        )
        return RemoteChange(ChangeKind.PAYMENT, None, str(row["id"]), changed_at, payment=payment)
    state = document_state_of(row)
    kind = ChangeKind.VOIDED if state.voided else ChangeKind.UPDATED
    document_type = DOCUMENT_TYPE_OF[str(row["type"])]
    return RemoteChange(kind, document_type, str(row["id"]), changed_at, state=state)


def _deletion_of(row: dict[str, Any]) -> RemoteChange | None:
    document_type = DELETED_TYPE_OF.get(str(row.get("type") or "").lower().replace(" ", ""))
    if document_type is None:
        return None
    remote_id = str(row["recordid"])
    state = DocumentState(
        RemoteRef(remote_id, str(row["deleted"])), None, Decimal("0"), Decimal("0"), deleted=True
    )
    changed_at = parse_cursor(str(row["deleted"]))
    return RemoteChange(ChangeKind.DELETED, document_type, remote_id, changed_at, state=state)


def _amount(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal("0")
