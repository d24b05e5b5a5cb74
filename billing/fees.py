"""Realized fees, their installments and revisions, and events that are blocked.

A realized fee is keyed by what caused it in the ATS (source type, source id
and, for a scheduled service fee, the occurrence date): the unique key is what
keeps two runs, or two processes, from ever realizing one event twice.
``basis`` keeps the inputs the amount was computed from (as JSON) so a run
can tell whether anything changed and a person can see why a fee is what it
is.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.storage import Base, ExactDecimal
from billing.catalog.models import CODE_LENGTH

NO_OCCURRENCE = ""


class SourceType(StrEnum):
    """The kind of ATS event a fee comes from (contract JSON ``source_type``)."""

    PLACEMENT = "placement"
    TIMECARD = "timecard"
    SERVICE_FEE = "service_fee"


class FeeStatus(StrEnum):
    """Whether a fee still stands."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


class InstallmentStatus(StrEnum):
    """Where an installment is on its way to an invoice."""

    PENDING = "pending"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


INSTALLMENT_TRANSITIONS: dict[InstallmentStatus, frozenset[InstallmentStatus]] = {
    InstallmentStatus.PENDING: frozenset({InstallmentStatus.INVOICED, InstallmentStatus.CANCELLED}),
    InstallmentStatus.INVOICED: frozenset({InstallmentStatus.PENDING}),  # a voided invoice
    InstallmentStatus.CANCELLED: frozenset(),
}


class InstallmentKind(StrEnum):
    """A pay plan line's share, or an adjustment made when the fee changed after invoicing."""

    PLAN = "plan"
    ADJUSTMENT = "adjustment"


def occurrence_key(occurrence: dt.date | None) -> str:
    """The occurrence as it appears in the unique key ('' when the event has none).

    A NULL in a unique key would let PostgreSQL and MariaDB accept duplicates,
    so the key column is never NULL.
    """
    return occurrence.isoformat() if occurrence else NO_OCCURRENCE


class RealizedFee(Base):
    """A fee realized from one ATS event, in the event's currency."""

    __tablename__ = "realized_fee"
    __table_args__ = (UniqueConstraint("source_type", "source_id", "occurrence_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_type: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(Integer)
    occurrence_key: Mapped[str] = mapped_column(String(10))
    occurrence: Mapped[dt.date | None] = mapped_column(Date)
    billto_id: Mapped[int] = mapped_column(Integer, index=True)
    # Where its invoices go: the Billto itself or an ancestor (the assignment's bill_to).
    invoice_billto_id: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    pay_plan_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    terms_code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    po_number: Mapped[str | None] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    event_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4))
    status: Mapped[str] = mapped_column(String(20), index=True)
    basis: Mapped[str] = mapped_column(Text)
    credit_review_reason: Mapped[str | None] = mapped_column(Text)
    source_updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    realized_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revised_at: Mapped[dt.datetime] = mapped_column(DateTime)

    installments: Mapped[list[FeeInstallment]] = relationship(
        back_populates="fee", order_by="FeeInstallment.seq", lazy="selectin"
    )


class FeeInstallment(Base):
    """A dated part of a fee; installments of an active fee add up to its amount."""

    __tablename__ = "fee_installment"
    __table_args__ = (UniqueConstraint("fee_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fee_id: Mapped[int] = mapped_column(ForeignKey("realized_fee.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    plan_line: Mapped[int | None] = mapped_column(Integer)
    effective_date: Mapped[dt.date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4))
    status: Mapped[str] = mapped_column(String(20), index=True)
    credit_review_reason: Mapped[str | None] = mapped_column(Text)

    fee: Mapped[RealizedFee] = relationship(back_populates="installments")


class FeeRecheck(Base):
    """A fee the next ``realize`` must recompute although its ATS event did not change.

    Voiding an invoice hands its installments back to pending at the amounts
    they were billed at; the fee's pay plan may say otherwise by now (an
    adjustment may be pending beside them), so realization lays its pending
    installments out again before they are invoiced.
    """

    __tablename__ = "fee_recheck"

    fee_id: Mapped[int] = mapped_column(ForeignKey("realized_fee.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime)


class FeeRevision(Base):
    """One change to a fee: what it was, what it became, and the ATS change behind it."""

    __tablename__ = "fee_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fee_id: Mapped[int] = mapped_column(ForeignKey("realized_fee.id"), index=True)
    revised_at: Mapped[dt.datetime] = mapped_column(DateTime)
    source_updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    change: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    old_basis: Mapped[str | None] = mapped_column(Text)
    new_basis: Mapped[str | None] = mapped_column(Text)


class BlockedEvent(Base):
    """An ATS event that cannot be realized yet, with what a person must do about it."""

    __tablename__ = "blocked_event"
    __table_args__ = (UniqueConstraint("source_type", "source_id", "occurrence_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_type: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(Integer)
    occurrence_key: Mapped[str] = mapped_column(String(10))
    occurrence: Mapped[dt.date | None] = mapped_column(Date)
    billto_id: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    event_date: Mapped[dt.date | None] = mapped_column(Date)  # None: the ATS date is invalid
    reason: Mapped[str] = mapped_column(Text)
    source_updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
