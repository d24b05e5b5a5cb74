"""Invoice batches, invoices and credit memos, their lines, and the number sequences.

Invoices and credit memos share one table (``kind``): they are built,
checked, approved, numbered and exported the same way, and a credit memo
names the invoice it credits. Amounts on both are positive; the kind says
which way the money goes, as in QuickBooks and NetSuite.

A line carries its lineage (installment, fee, ATS source) so every amount can
be traced back to the event that earned it. An installment is billed on at
most one live invoice and credited on at most one live credit memo: an
``InstallmentClaim`` row per (installment, role) makes a second batch over the
same installment fail rather than bill or credit it twice. Voiding releases
the claims; the voided lines themselves stay as they were.

Approved documents never change. Database triggers (migration 0004) refuse,
whatever the client, any change to a non-draft invoice other than its status,
balance and void fields, any status going back to draft or out of voided, and
any insert, update or delete of its lines; a session-wide ``before_flush`` hook
says the same earlier, with a clearer message, for code going through the ORM.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from backoffice.errors import FatalError
from backoffice.storage import Base, ExactDecimal
from billing.catalog.models import CODE_LENGTH

MAX_NUMBER_LENGTH = 21  # QuickBooks Online accepts DocNumber up to 21 characters


class BatchStatus(StrEnum):
    """Where a batch is: built, approved (numbered), or thrown away."""

    DRAFT = "draft"
    APPROVED = "approved"
    DISCARDED = "discarded"  # kept, empty, so its id is never given to another batch


class InvoiceStatus(StrEnum):
    """An invoice's status (contract JSON ``status``)."""

    DRAFT = "draft"
    APPROVED = "approved"
    POSTED = "posted"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOIDED = "voided"


class DocumentKind(StrEnum):
    """What a row of the invoice table is."""

    INVOICE = "invoice"
    CREDIT_MEMO = "credit_memo"


class ClaimRole(StrEnum):
    """How a line uses an installment: bills it, or credits it back."""

    BILL = "bill"
    CREDIT = "credit"


class InvoiceBatch(Base):
    """The invoices built by one ``invoice run``."""

    __tablename__ = "invoice_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    through_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    # Loaded only when asked for: a batch can hold 100,000 invoices.
    invoices: Mapped[list[Invoice]] = relationship(back_populates="batch", order_by="Invoice.id")


class Invoice(Base):
    """One invoice: one Billto, currency, invoice date, terms and PO number."""

    __tablename__ = "invoice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("invoice_batch.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=DocumentKind.INVOICE.value)
    # A credit memo's invoice; None on invoices.
    credits_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(MAX_NUMBER_LENGTH), unique=True)
    billto_id: Mapped[int] = mapped_column(Integer, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    terms_code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    po_number: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    total: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4))
    balance: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4))
    memo: Mapped[str | None] = mapped_column(Text)  # a credit memo's reason
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    batch: Mapped[InvoiceBatch] = relationship(back_populates="invoices")
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.id"
    )


class InvoiceLine(Base):
    """One installment on an invoice or credit memo, with where it came from.

    A credit issued by hand is not tied to an installment: its lineage is empty.
    """

    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    installment_id: Mapped[int | None] = mapped_column(ForeignKey("fee_installment.id"), index=True)
    fee_id: Mapped[int | None] = mapped_column(ForeignKey("realized_fee.id"))
    seq: Mapped[int | None] = mapped_column(Integer)
    source_type: Mapped[str | None] = mapped_column(String(20))
    source_id: Mapped[int | None] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4))
    rate: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4))
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class InstallmentClaim(Base):
    """An installment taken by a live document: billed (role bill) or credited (role credit)."""

    __tablename__ = "installment_claim"

    installment_id: Mapped[int] = mapped_column(ForeignKey("fee_installment.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)


class NumberSequence(Base):
    """A document number sequence: prefix plus a zero-padded counter."""

    __tablename__ = "number_sequence"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(10))
    width: Mapped[int] = mapped_column(Integer)
    next_value: Mapped[int] = mapped_column(Integer)


MUTABLE_AFTER_APPROVAL = frozenset({"status", "balance", "void_reason", "voided_at"})


def _status_as_loaded(invoice: Invoice) -> str:
    history = inspect(invoice).attrs.status.history
    return history.deleted[0] if history.deleted else invoice.status


def _is_locked(invoice: Invoice | None) -> bool:
    return invoice is not None and _status_as_loaded(invoice) != InvoiceStatus.DRAFT.value


def _refuse(invoice: Invoice, what: str) -> None:
    raise FatalError(
        f"invoice {invoice.number or invoice.id} is {_status_as_loaded(invoice)} and cannot be "
        f"changed ({what}): issue a credit memo instead"
    )


@event.listens_for(Session, "before_flush")
def _guard_invoices(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.dirty:
        if isinstance(obj, Invoice) and _is_locked(obj):
            changed = {a.key for a in inspect(obj).attrs if a.history.has_changes()}
            if changed - MUTABLE_AFTER_APPROVAL:
                _refuse(obj, ", ".join(sorted(changed - MUTABLE_AFTER_APPROVAL)))
        elif isinstance(obj, InvoiceLine) and session.is_modified(obj) and _is_locked(obj.invoice):
            _refuse(obj.invoice, "a line")
    for obj in session.deleted:
        if isinstance(obj, Invoice) and _is_locked(obj):
            _refuse(obj, "deleted")
        elif isinstance(obj, InvoiceLine) and _is_locked(obj.invoice):
            _refuse(obj.invoice, "a line deleted")
