"""Reading realized fees and blocked events for people and interfaces.

Amounts leave quantized to exactly the currency's minor-unit digits, so every
interface shows and serializes the same figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.paging import pages
from billing.fees import BlockedEvent, FeeInstallment, RealizedFee
from billing.invoicing.drafts import IN_LIST_LIMIT
from billing.invoicing.models import ClaimRole, InstallmentClaim, Invoice
from billing.money import quantize


@dataclass(frozen=True)
class InstallmentView:
    """A dated part of a fee, and the live document it is on (if any)."""

    seq: int
    effective_date: dt.date
    amount: Decimal
    status: str
    invoice_number: str | None


@dataclass(frozen=True)
class FeeView:
    """A realized fee with its installments (CONTRACT.md section 3, ``fees list``)."""

    fee_id: int
    source_type: str
    source_id: int
    occurrence: dt.date | None
    billto_id: int
    product_code: str
    pay_plan_code: str | None
    currency: str
    event_date: dt.date
    amount: Decimal
    status: str
    installments: tuple[InstallmentView, ...]


@dataclass(frozen=True)
class BlockedView:
    """An ATS event that cannot be realized, with the reason a person reads."""

    source_type: str
    source_id: int
    occurrence: dt.date | None
    billto_id: int
    product_code: str | None
    event_date: dt.date | None  # None: the ATS date is not a valid date
    reason: str


def list_fees(
    session: Session,
    *,
    billto_id: int | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[FeeView]:
    """Realized fees with their installments, oldest event first."""
    query = select(RealizedFee).order_by(RealizedFee.event_date, RealizedFee.id)
    if billto_id is not None:
        query = query.where(RealizedFee.billto_id == billto_id)
    if status is not None:
        query = query.where(RealizedFee.status == status)
    if limit is not None:
        query = query.limit(limit)
    fees = list(session.scalars(query))
    numbers = _invoice_numbers(session, [i.id for fee in fees for i in fee.installments])
    return [_fee_view(fee, numbers) for fee in fees]


def _invoice_numbers(session: Session, installment_ids: list[int]) -> dict[int, str | None]:
    """The number of the live document each installment is on, for those on one.

    An installment billed and later credited back (a fee that fell off) shows
    its invoice; a negative adjustment shows its credit memo.
    """
    numbers: dict[int, str | None] = {}
    for chunk in pages(installment_ids, IN_LIST_LIMIT):
        rows = session.execute(
            select(InstallmentClaim.installment_id, InstallmentClaim.role, Invoice.number)
            .join(Invoice, InstallmentClaim.invoice_id == Invoice.id)
            .where(InstallmentClaim.installment_id.in_(chunk))
        )
        for installment_id, role, number in rows:
            if role == ClaimRole.BILL or installment_id not in numbers:
                numbers[installment_id] = number
    return numbers


def _fee_view(fee: RealizedFee, invoice_numbers: dict[int, str | None]) -> FeeView:
    return FeeView(
        fee_id=fee.id,
        source_type=fee.source_type,
        source_id=fee.source_id,
        occurrence=fee.occurrence,
        billto_id=fee.billto_id,
        product_code=fee.product_code,
        pay_plan_code=fee.pay_plan_code,
        currency=fee.currency,
        event_date=fee.event_date,
        amount=quantize(fee.amount, fee.currency),
        status=fee.status,
        installments=tuple(
            _installment_view(i, fee.currency, invoice_numbers.get(i.id)) for i in fee.installments
        ),
    )


def _installment_view(
    installment: FeeInstallment, currency: str, invoice_number: str | None
) -> InstallmentView:
    return InstallmentView(
        seq=installment.seq,
        effective_date=installment.effective_date,
        amount=quantize(installment.amount, currency),
        status=installment.status,
        invoice_number=invoice_number,
    )


def list_blocked(session: Session) -> list[BlockedView]:
    """Every blocked ATS event with its reason: those without a valid date, then oldest first."""
    query = select(BlockedEvent).order_by(
        BlockedEvent.event_date.is_not(None), BlockedEvent.event_date, BlockedEvent.id
    )
    return [
        BlockedView(
            source_type=b.source_type,
            source_id=b.source_id,
            occurrence=b.occurrence,
            billto_id=b.billto_id,
            product_code=b.product_code,
            event_date=b.event_date,
            reason=b.reason,
        )
        for b in session.scalars(query)
    ]


def count_blocked(session: Session) -> int:
    """How many ATS events are blocked now."""
    return session.scalar(select(func.count()).select_from(BlockedEvent)) or 0
