"""Pay plans: how a realized fee is split into dated installments.

Amount lines are taken first and percentage lines share the rest; the
percentages add up to 100 (checked on import).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.storage import Base, ExactDecimal
from billing.catalog import CODE_LENGTH


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
