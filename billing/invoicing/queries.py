"""Invoices and credit memos as people and scripts read them: CONTRACT.md section 3.

Documents stream a page at a time (keyset on id), so listing a batch of
100,000 lines never holds it whole. Amounts leave as strings with exactly the
currency's minor-unit digits. Beside the contract's keys, ``kind`` says
``invoice`` or ``credit_memo``, ``credits`` names the invoice a credit memo
credits, and ``memo`` / ``void_reason`` say why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from billing.invoicing.models import Invoice, InvoiceLine
from billing.money import plain, quantize

PAGE = 500


class DocumentLike(Protocol):
    """What ``document_as_dict`` reads: a stored document or a draft."""

    number: str | None
    batch_id: int | None
    kind: str
    billto_id: int
    currency: str
    invoice_date: Any
    due_date: Any
    terms_code: str
    po_number: str | None
    status: str
    memo: str | None
    void_reason: str | None

    @property
    def total(self) -> Any:
        """The document's total."""

    @property
    def balance(self) -> Any:
        """What is still owed (a credit memo: what is left to apply)."""


def iter_documents(session: Session, *, batch_id: int | None = None) -> Iterator[dict[str, Any]]:
    """Every document (of one batch, if given) with its lines, in id order."""
    return (document for _id, document in iter_documents_by_id(session, batch_id=batch_id))


def iter_documents_by_id(
    session: Session, *, batch_id: int | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every document as ``iter_documents`` gives it, beside its id (how a draft is named)."""
    after = 0
    while True:
        query = _documents().where(Invoice.id > after).order_by(Invoice.id).limit(PAGE)
        if batch_id is not None:
            query = query.where(Invoice.batch_id == batch_id)
        rows = list(session.execute(query))
        if not rows:
            return
        lines = _lines_of(session, [row.Invoice.id for row in rows])
        for row in rows:
            yield row.Invoice.id, document_as_dict(row.Invoice, row.credits, lines[row.Invoice.id])
        after = rows[-1].Invoice.id
        session.expunge_all()  # keep one page of documents in the session at a time


def find_document(session: Session, number: str) -> dict[str, Any] | None:
    """One invoice or credit memo by its number, or None."""
    found = locate_document(session, number=number)
    return None if found is None else found[1]


def locate_document(
    session: Session, *, number: str | None = None, document_id: int | None = None
) -> tuple[int, dict[str, Any]] | None:
    """One document by its number or by its id (a draft's only name), beside its id; or None."""
    query = _documents()
    if number is not None:
        query = query.where(Invoice.number == number)
    if document_id is not None:
        query = query.where(Invoice.id == document_id)
    row = session.execute(query).one_or_none()
    if row is None:
        return None
    lines = _lines_of(session, [row.Invoice.id])
    return row.Invoice.id, document_as_dict(row.Invoice, row.credits, lines[row.Invoice.id])


def _documents() -> Any:  # a Select of (Invoice, credited number)
    credited = aliased(Invoice)
    return select(Invoice, credited.number.label("credits")).outerjoin(
        credited, Invoice.credits_invoice_id == credited.id
    )


def _lines_of(session: Session, document_ids: list[int]) -> dict[int, list[InvoiceLine]]:
    found: dict[int, list[InvoiceLine]] = defaultdict(list)
    query = select(InvoiceLine).where(InvoiceLine.invoice_id.in_(document_ids))
    for line in session.scalars(query.order_by(InvoiceLine.id)):
        found[line.invoice_id].append(line)
    return found


def document_as_dict(
    document: DocumentLike, credits: str | None, lines: list[Any]
) -> dict[str, Any]:
    """One document in the contract's ``invoice list --json`` shape."""
    currency = document.currency
    return {
        "number": document.number,
        "batch_id": document.batch_id,
        "kind": document.kind,
        "credits": credits,
        "billto_id": document.billto_id,
        "currency": currency,
        "invoice_date": document.invoice_date.isoformat(),
        "due_date": document.due_date.isoformat() if document.due_date else None,
        "terms": document.terms_code,
        "po_number": document.po_number,
        "status": document.status,
        "total": str(quantize(document.total, currency)),
        "balance": str(quantize(document.balance, currency)),
        "memo": document.memo,
        "void_reason": document.void_reason,
        "lines": [_line(line, currency) for line in lines],
    }


def _line(line: Any, currency: str) -> dict[str, Any]:
    return {
        "product_code": line.product_code,
        "description": line.description,
        "quantity": plain(line.quantity),
        "rate": str(quantize(line.rate, currency)),
        "amount": str(quantize(line.amount, currency)),
        "source_type": line.source_type,
        "source_id": line.source_id,
        "fee_id": line.fee_id,
        "seq": line.seq,
    }
