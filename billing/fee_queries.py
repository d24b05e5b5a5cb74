"""Reading realized fees and blocked events for people: the JSON of CONTRACT.md section 3.

Amounts leave as strings with exactly the currency's minor-unit digits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.fees import BlockedEvent, FeeInstallment, RealizedFee
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
    return [fee_as_dict(fee) for fee in session.scalars(query)]


def fee_as_dict(fee: RealizedFee) -> dict[str, Any]:
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
        "installments": [_installment(i, fee.currency) for i in fee.installments],
    }


def _installment(installment: FeeInstallment, currency: str) -> dict[str, Any]:
    return {
        "seq": installment.seq,
        "effective_date": installment.effective_date.isoformat(),
        "amount": str(quantize(installment.amount, currency)),
        "status": installment.status,
        "invoice_number": None,  # TODO(#5): the number of the invoice it went on
    }


def list_blocked(session: Session) -> list[dict[str, Any]]:
    """Every blocked ATS event with its reason, oldest event first."""
    query = select(BlockedEvent).order_by(BlockedEvent.event_date, BlockedEvent.id)
    return [
        {
            "source_type": b.source_type,
            "source_id": b.source_id,
            "occurrence": b.occurrence.isoformat() if b.occurrence else None,
            "billto_id": b.billto_id,
            "product_code": b.product_code,
            "event_date": b.event_date.isoformat(),
            "reason": b.reason,
        }
        for b in session.scalars(query)
    ]
