"""Invoice batches, invoices, their lines, and the number sequences.

A line carries its lineage (installment, fee, ATS source) so every amount on
an invoice can be traced back to the event that earned it. An installment is
on at most one live invoice: the unique ``installment_id`` of a line makes a
second batch over the same installment fail rather than bill it twice.

Approved invoices never change: a session-wide ``before_flush`` hook checks
every invoice and line about to be written, whatever the caller. Once an
invoice has left draft only its status and balance may move (posting,
payments, voiding); its lines, amounts, dates and number are fixed and it
cannot be deleted. Corrections are credit memos.
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
from billing.catalog import CODE_LENGTH

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


class InvoiceBatch(Base):
    """The invoices built by one ``invoice run``."""

    __tablename__ = "invoice_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    through_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    invoices: Mapped[list[Invoice]] = relationship(
        back_populates="batch", order_by="Invoice.id", lazy="selectin"
    )


class Invoice(Base):
    """One invoice: one Billto, currency, invoice date, terms and PO number."""

    __tablename__ = "invoice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("invoice_batch.id"), index=True)
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

    batch: Mapped[InvoiceBatch] = relationship(back_populates="invoices")
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.id", lazy="selectin"
    )


class InvoiceLine(Base):
    """One installment on an invoice, with where it came from."""

    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    installment_id: Mapped[int] = mapped_column(ForeignKey("fee_installment.id"), unique=True)
    fee_id: Mapped[int] = mapped_column(ForeignKey("realized_fee.id"))
    seq: Mapped[int] = mapped_column(Integer)
    source_type: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4))
    rate: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4))
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class NumberSequence(Base):
    """A document number sequence: prefix plus a zero-padded counter."""

    __tablename__ = "number_sequence"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(10))
    width: Mapped[int] = mapped_column(Integer)
    next_value: Mapped[int] = mapped_column(Integer)


MUTABLE_AFTER_APPROVAL = frozenset({"status", "balance"})


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
