"""Pay plans: how a realized fee is split into dated installments.

Amount lines are taken first and percentage lines share the rest; the
percentages add up to 100 (checked on import). Splitting works on values so
that realization and its property tests need no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.errors import FatalError
from backoffice.storage import Base, ExactDecimal
from billing.catalog.models import CODE_LENGTH
from billing.money import quantize


class LineStrategy(StrEnum):
    """Whether a pay plan line is a share of the fee or a fixed amount."""

    PERCENTAGE = "percentage"
    AMOUNT = "amount"


class PayPlan(Base):
    """A named split of a fee over time (50/50 Day 1/Day 90, ...)."""

    __tablename__ = "pay_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    lines: Mapped[list[PayPlanLine]] = relationship(
        back_populates="pay_plan",
        order_by="PayPlanLine.seq",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class PayPlanLine(Base):
    """One installment of a pay plan, dated ``days_from_event`` after the event."""

    __tablename__ = "pay_plan_line"
    __table_args__ = (UniqueConstraint("pay_plan_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pay_plan_id: Mapped[int] = mapped_column(ForeignKey("pay_plan.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    strategy: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4))
    days_from_event: Mapped[int] = mapped_column(Integer)

    pay_plan: Mapped[PayPlan] = relationship(back_populates="lines")


@dataclass(frozen=True)
class PlanLine:
    """A pay plan line as a value, for splitting without the ORM."""

    strategy: LineStrategy
    value: Decimal
    days_from_event: int


@dataclass(frozen=True)
class ScheduledAmount:
    """One installment of a split: which plan line, when, and how much."""

    plan_line: int
    effective_date: dt.date
    amount: Decimal


FULL_ON_EVENT = (PlanLine(LineStrategy.PERCENTAGE, Decimal(100), 0),)


def split_by_pay_plan(
    fee: Decimal, currency: str, event_date: dt.date, lines: Sequence[PlanLine]
) -> list[ScheduledAmount]:
    """Split ``fee`` into dated installments that add up to it exactly.

    Amount lines are taken first (never more than what is left of a positive
    fee); percentage lines share the rest, each rounded half up to the
    currency's minor unit, and the last percentage line absorbs the rounding
    remainder. Lines whose share rounds to zero are left out.
    """
    amounts = _amount_line_shares(fee, currency, lines)
    rest = fee - sum(amounts.values(), Decimal(0))
    amounts.update(_percentage_shares(rest, currency, lines))
    split = [
        ScheduledAmount(index, event_date + dt.timedelta(days=line.days_from_event), amounts[index])
        for index, line in enumerate(lines, start=1)
        if amounts[index] != 0
    ]
    if sum((s.amount for s in split), Decimal(0)) != fee:
        raise FatalError(f"pay plan split of {fee} {currency} does not add up: {split}")
    return split


def _amount_line_shares(
    fee: Decimal, currency: str, lines: Sequence[PlanLine]
) -> dict[int, Decimal]:
    shares: dict[int, Decimal] = {}
    left = max(fee, Decimal(0))
    for index, line in enumerate(lines, start=1):
        if line.strategy is LineStrategy.AMOUNT:
            shares[index] = min(quantize(line.value, currency), left)
            left -= shares[index]
    return shares


def _percentage_shares(
    rest: Decimal, currency: str, lines: Sequence[PlanLine]
) -> dict[int, Decimal]:
    """Each percentage line's rounded share of ``rest``; the last takes what is left.

    Rounding half up can make early shares overshoot a tiny rest (four 25%
    lines on 0.02 round to 0.01 each), so a share never exceeds what is left:
    no installment of a positive fee is ever negative.
    """
    indexes = [i for i, ln in enumerate(lines, start=1) if ln.strategy is LineStrategy.PERCENTAGE]
    if not indexes:
        raise FatalError("a pay plan needs a percentage line to take the rest of the fee")
    shares: dict[int, Decimal] = {}
    left = rest
    for index in indexes[:-1]:
        share = quantize(rest * lines[index - 1].value / 100, currency)
        shares[index] = left if abs(share) > abs(left) else share
        left -= shares[index]
    shares[indexes[-1]] = left
    return shares
