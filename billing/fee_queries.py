"""Reading realized fees and blocked events for people: the JSON of CONTRACT.md section 3.

Amounts leave as strings with exactly the currency's minor-unit digits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.paging import pages
from billing.fees import BlockedEvent, FeeInstallment, RealizedFee
from billing.invoicing.drafts import IN_LIST_LIMIT
from billing.invoicing.models import ClaimRole, InstallmentClaim, Invoice
from billing.money import quantize


def list_fees(
    session: Session,
    *,
    billto_id: int | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
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
    return [fee_as_dict(fee, numbers) for fee in fees]


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


def fee_as_dict(fee: RealizedFee, invoice_numbers: dict[int, str | None]) -> dict[str, Any]:
    """One fee in the contract's ``fees list --json`` shape."""
    return {
        "fee_id": fee.id,
        "source_type": fee.source_type,
        "source_id": fee.source_id,
        "occurrence": fee.occurrence.isoformat() if fee.occurrence else None,
        "billto_id": fee.billto_id,
        "product_code": fee.product_code,
        "pay_plan_code": fee.pay_plan_code,
        "currency": fee.currency,
        "event_date": fee.event_date.isoformat(),
        "amount": str(quantize(fee.amount, fee.currency)),
        "status": fee.status,
        "installments": [
            _installment(i, fee.currency, invoice_numbers.get(i.id)) for i in fee.installments
        ],
    }


def _installment(
    installment: FeeInstallment, currency: str, invoice_number: str | None
) -> dict[str, Any]:
    return {
        "seq": installment.seq,
        "effective_date": installment.effective_date.isoformat(),
        "amount": str(quantize(installment.amount, currency)),
        "status": installment.status,
        "invoice_number": invoice_number,
    }


def list_blocked(session: Session) -> list[dict[str, Any]]:
    """Every blocked ATS event with its reason: those without a valid date, then oldest first."""
    query = select(BlockedEvent).order_by(
        BlockedEvent.event_date.is_not(None), BlockedEvent.event_date, BlockedEvent.id
    )
    return [
        {
            "source_type": b.source_type,
            "source_id": b.source_id,
            "occurrence": b.occurrence.isoformat() if b.occurrence else None,
            "billto_id": b.billto_id,
            "product_code": b.product_code,
            "event_date": b.event_date.isoformat() if b.event_date else None,
            "reason": b.reason,
        }
        for b in session.scalars(query)
    ]
