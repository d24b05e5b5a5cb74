"""Reading invoices and credit memos: list them, show one (a draft by its id).

Documents come out as ``Document`` values carrying their Billto's name from
the ATS, so every interface can name the customer beside the id. Lists
stream a page at a time: a batch of 100,000 invoices is never whole in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from backoffice.errors import NeedsUserAction
from backoffice.runtime import Runtime
from billing.invoicing.health import BilltoLookup
from billing.invoicing.models import DocumentKind, InvoiceStatus
from billing.invoicing.queries import iter_documents_by_id, locate_document
from billing.money import plain
from services.billtos import billto_lookup, names_in


@dataclass(frozen=True)
class DocumentLine:
    """One line of a document, with the installment and ATS event it bills (if any)."""

    product_code: str
    description: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    source_type: str | None
    source_id: int | None
    fee_id: int | None
    seq: int | None

    def as_dict(self) -> dict[str, Any]:
        """The line in the contract's JSON shape (amounts as strings)."""
        return {
            "product_code": self.product_code,
            "description": self.description,
            "quantity": plain(self.quantity),
            "rate": str(self.rate),
            "amount": str(self.amount),
            "source_type": self.source_type,
            "source_id": self.source_id,
            "fee_id": self.fee_id,
            "seq": self.seq,
        }


@dataclass(frozen=True)
class Document:
    """An invoice or credit memo as people read it; amounts have the currency's minor digits.

    ``id`` is the stored document's id, the one name of a draft, which has no
    number yet (None for a dry run's draft, never stored). ``billto_name`` is
    None when the Billto is no longer in the ATS.
    """

    id: int | None
    number: str | None
    batch_id: int | None
    kind: str
    credits: str | None
    billto_id: int
    billto_name: str | None
    currency: str
    invoice_date: dt.date
    due_date: dt.date | None
    terms: str
    po_number: str | None
    status: str
    total: Decimal
    balance: Decimal
    memo: str | None
    void_reason: str | None
    lines: tuple[DocumentLine, ...]

    @property
    def is_credit_memo(self) -> bool:
        """Whether the document credits an invoice rather than bills."""
        return self.kind == DocumentKind.CREDIT_MEMO

    @property
    def is_draft(self) -> bool:
        """Whether the document is a draft (no number, still changeable)."""
        return self.status == InvoiceStatus.DRAFT

    def as_dict(self) -> dict[str, Any]:
        """The document in the contract's ``invoice list --json`` shape (CONTRACT.md §3)."""
        return {
            "number": self.number,
            "batch_id": self.batch_id,
            "kind": self.kind,
            "credits": self.credits,
            "billto_id": self.billto_id,
            "currency": self.currency,
            "invoice_date": self.invoice_date.isoformat(),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "terms": self.terms,
            "po_number": self.po_number,
            "status": self.status,
            "total": str(self.total),
            "balance": str(self.balance),
            "memo": self.memo,
            "void_reason": self.void_reason,
            "lines": [line.as_dict() for line in self.lines],
        }


def document_of(
    shown: Mapping[str, Any], document_id: int | None, billto_name: str | None
) -> Document:
    """A ``Document`` from billing's contract-shaped mapping of it."""
    due = shown["due_date"]
    return Document(
        id=document_id, number=shown["number"], batch_id=shown["batch_id"],
        kind=shown["kind"], credits=shown["credits"], billto_id=shown["billto_id"],
        billto_name=billto_name, currency=shown["currency"],
        invoice_date=dt.date.fromisoformat(shown["invoice_date"]),
        due_date=dt.date.fromisoformat(due) if due else None, terms=shown["terms"],
        po_number=shown["po_number"], status=shown["status"], total=Decimal(shown["total"]),
        balance=Decimal(shown["balance"]), memo=shown["memo"],
        void_reason=shown["void_reason"],
        lines=tuple(_line_of(line) for line in shown["lines"]),
    )  # fmt: skip


def _line_of(line: Mapping[str, Any]) -> DocumentLine:
    return DocumentLine(
        product_code=line["product_code"], description=line["description"],
        quantity=Decimal(line["quantity"]), rate=Decimal(line["rate"]),
        amount=Decimal(line["amount"]), source_type=line["source_type"],
        source_id=line["source_id"], fee_id=line["fee_id"], seq=line["seq"],
    )  # fmt: skip


def iter_documents(runtime: Runtime, *, batch_id: int | None = None) -> Iterator[Document]:
    """Every document (of one batch, if given) with its lines, in id order, streamed.

    One transaction is open while the iterator is read; it ends with the last
    document (or when the iterator is closed).
    """
    lookup = billto_lookup(runtime)
    with runtime.transaction() as session:
        page: list[tuple[int, dict[str, Any]]] = []
        for found in iter_documents_by_id(session, batch_id=batch_id):
            page.append(found)
            if len(page) == NAMES_PAGE:
                yield from _named(page, lookup)
                page = []
        yield from _named(page, lookup)


NAMES_PAGE = 500  # documents whose Billto names are read from the ATS at once


def _named(page: list[tuple[int, dict[str, Any]]], lookup: BilltoLookup) -> Iterator[Document]:
    names = names_in(lookup, (shown["billto_id"] for _id, shown in page))
    for document_id, shown in page:
        yield document_of(shown, document_id, names.get(shown["billto_id"]))


def show_document(runtime: Runtime, number: str) -> Document:
    """The invoice or credit memo numbered ``number``."""
    refusal = NeedsUserAction(
        "invoice_not_found",
        f"There is no invoice or credit memo {number}.",
        "Check the number against the list of invoices.",
    )
    return _shown(runtime, refusal, number=number)


def show_document_by_id(runtime: Runtime, document_id: int) -> Document:
    """The document with id ``document_id``: how a draft, which has no number, is named."""
    refusal = NeedsUserAction(
        "draft_not_found",
        f"There is no invoice or credit memo with id {document_id}.",
        "Check the id against the list of invoices, where drafts show theirs.",
    )
    return _shown(runtime, refusal, document_id=document_id)


def _shown(runtime: Runtime, refusal: NeedsUserAction, **key: Any) -> Document:
    """The document ``key`` names (a number or an id), with its Billto's name; else ``refusal``."""
    with runtime.transaction() as session:
        found = locate_document(session, **key)
    if found is None:
        raise refusal
    return _with_name(runtime, *found)


def _with_name(runtime: Runtime, document_id: int, shown: Mapping[str, Any]) -> Document:
    names = names_in(billto_lookup(runtime), [shown["billto_id"]])
    return document_of(shown, document_id, names.get(shown["billto_id"]))
