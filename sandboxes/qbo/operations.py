"""Create, read, update (full or sparse), delete and void: QBO's write rules for every entity.

An update names the record's Id and the SyncToken it was read at: any other
SyncToken is stale (5010) and nothing is saved. A sparse update changes only
the properties sent; a full update replaces every writable property (what
is left out is cleared, as QBO does). Every saved change raises the
SyncToken by one and sets LastUpdatedTime. Name-list records are made
inactive, never deleted (5030). A deleted record reads as 610 and CDC
reports it "Deleted". Callers hold the sandbox lock.
"""

from __future__ import annotations

from collections.abc import Callable

from sandboxes.qbo import errors
from sandboxes.qbo.documents import (
    auto_application,
    linked_documents,
    prepare_document,
    prepare_payment,
    touch_documents,
    unlink_document,
    void_document,
)
from sandboxes.qbo.lists import PREPARE_LIST, check_unique
from sandboxes.qbo.records import Session, check_properties
from sandboxes.qbo.schema import EntityKind, kind_named
from sandboxes.qbo.state import Record, answer_copy, bump, company_time, stamp

_SERVER_FIELDS = ("Id", "SyncToken", "MetaData", "domain", "sparse")
VOIDABLE = ("Invoice",)


def read(session: Session, kind: EntityKind, record_id: str) -> Record:
    """The record as stored (a copy); CompanyInfo is read by the realm id as well as by 1."""
    if kind.is_singleton:
        record_id = "1"
    record = session.company.get(kind.name, record_id)
    if record is None:
        raise errors.object_not_found()
    return answer_copy(record)


def create(session: Session, kind: EntityKind, body: Record) -> Record:
    """A new record: QBO's Id, SyncToken 0 and times; the client's server fields are ignored."""
    if kind.is_read_only or kind.is_singleton:
        raise errors.unsupported_operation("Create", kind.name)
    check_properties(kind, body)
    record = {name: value for name, value in body.items() if name not in _SERVER_FIELDS}
    _prepare(session, kind, record)
    record["Id"] = session.company.next_id(kind.name, is_transaction="TxnDate" in kind.properties)
    record.update(domain="QBO", sparse=False, SyncToken="0")
    stamp(record, session.now, created=True)
    session.company.put(kind.name, record)
    session.note(kind.name, record["Id"], "Create")
    if kind.name == "Payment":
        touch_documents(session, linked_documents(record))
    if kind.name == "CreditMemo":
        _apply_automatically(session, record)
    return answer_copy(record)


def _apply_automatically(session: Session, memo: Record) -> None:
    """A company that applies credits itself does so as the memo is saved."""
    payment = auto_application(session, memo)
    payment_kind = kind_named("Payment")
    if payment is not None and payment_kind is not None:
        create(session, payment_kind, payment)


def update(session: Session, kind: EntityKind, body: Record) -> Record:
    """A full or sparse update at the current SyncToken."""
    if kind.is_read_only:
        raise errors.unsupported_operation("Update", kind.name)
    check_properties(kind, body)
    current = _current(session, kind, body)
    if body.get("sparse") is True:
        record = {**answer_copy(current), **body}
    else:
        kept = {name: current[name] for name in _SERVER_FIELDS if name in current}
        record = {**body, **kept}
    record["Id"], record["sparse"] = current["Id"], False
    before = linked_documents(current) if kind.name == "Payment" else set()
    _prepare(session, kind, record)
    record["SyncToken"] = current["SyncToken"]
    bump(record, session.now)
    session.company.put(kind.name, record)
    session.note(kind.name, record["Id"], "Update")
    if kind.name == "Payment":
        touch_documents(session, before | linked_documents(record))
    return answer_copy(record)


def delete(session: Session, kind: EntityKind, body: Record) -> Record:
    """Delete a transaction; the answer is QBO's ``{"status": "Deleted", ...}`` stub."""
    if kind.is_name_list or kind.is_singleton:
        raise errors.unsupported_operation("Delete", kind.name)
    current = _current(session, kind, body)
    record_id = current["Id"]
    session.company.remove(kind.name, record_id, company_time(session.now))
    session.note(kind.name, record_id, "Delete")
    if kind.name == "Payment":
        touch_documents(session, linked_documents(current))
    else:
        unlink_document(session, kind.name, record_id)
    return {"domain": "QBO", "status": "Deleted", "Id": record_id}


def void(session: Session, kind: EntityKind, body: Record) -> Record:
    """Void an invoice: kept with every amount zero, "Voided" in its note."""
    if kind.name not in VOIDABLE:
        raise errors.unsupported_operation("Void", kind.name)
    record = _current(session, kind, body)
    void_document(session, record)
    bump(record, session.now)
    session.note(kind.name, record["Id"], "Void")
    return answer_copy(record)


def _current(session: Session, kind: EntityKind, body: Record) -> Record:
    """The stored record ``body`` names, at the SyncToken it names (else 5010)."""
    for name in ("Id", "SyncToken"):
        if body.get(name) in (None, ""):
            raise errors.required_param(name)
    record_id = "1" if kind.is_singleton else str(body["Id"])
    current = session.company.get(kind.name, record_id)
    if current is None:
        raise errors.object_not_found()
    if str(body["SyncToken"]) != current["SyncToken"]:
        raise errors.stale_object()
    return current


def _prepare(session: Session, kind: EntityKind, record: Record) -> None:
    """Defaults, references, totals and uniqueness of the record about to be saved."""
    prepare = _PREPARE.get(kind.name)
    if prepare is not None:
        prepare(session, record)
    check_unique(session, kind, record)


_PREPARE: dict[str, Callable[[Session, Record], None]] = {
    **PREPARE_LIST,
    "Invoice": lambda session, record: prepare_document(session, "Invoice", record),
    "CreditMemo": lambda session, record: prepare_document(session, "CreditMemo", record),
    "Payment": prepare_payment,
}
