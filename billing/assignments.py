"""Customer assignments: which products a Billto may be billed for, and how.

An assignment on a Billto covers every Billto below it. Its scope is one
product, a family (``family:CODE``) or a class (``class:CODE``); the scope key
keeps that written form so the natural key (Billto, scope, effective_from)
reads the same in the database, the catalog file and error messages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.storage import Base, ExactDecimal
from billing.catalog.models import Product, ProductClass, ProductFamily, Terms
from billing.pay_plans import PayPlan


class BillTo(StrEnum):
    """Which Billto an assignment's invoices go to: the event's own, its parent, its company."""

    SELF = "self"
    PARENT = "parent"
    COMPANY = "company"


class ScopeKind(StrEnum):
    """How wide an assignment's product scope is; narrower wins."""

    PRODUCT = "product"
    FAMILY = "family"
    CLASS = "class"


def scope_key(kind: ScopeKind, code: str) -> str:
    """The written form of a scope: ``CODE``, ``family:CODE`` or ``class:CODE``."""
    return code if kind is ScopeKind.PRODUCT else f"{kind.value}:{code}"


def parse_scope_key(key: str) -> tuple[ScopeKind, str]:
    """The kind and code of a written scope (see ``scope_key``)."""
    prefix, sep, code = key.partition(":")
    if sep and prefix in (ScopeKind.FAMILY, ScopeKind.CLASS):
        return ScopeKind(prefix), code
    return ScopeKind.PRODUCT, key


class CustomerAssignment(Base):
    """A Billto's right to be billed for a scope of products over a date range."""

    __tablename__ = "customer_assignment"
    __table_args__ = (
        UniqueConstraint("billto_id", "scope_key", "effective_from"),
        CheckConstraint(
            "(CASE WHEN product_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN family_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN class_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_scope",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    billto_id: Mapped[int] = mapped_column(Integer, index=True)
    scope_key: Mapped[str] = mapped_column(String(80))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("product_family.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("product_class.id"))
    pay_plan_id: Mapped[int | None] = mapped_column(ForeignKey("pay_plan.id"))
    terms_id: Mapped[int] = mapped_column(ForeignKey("terms.id"))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    po_number: Mapped[str | None] = mapped_column(String(40))
    bill_to: Mapped[str] = mapped_column(
        String(20), default=BillTo.SELF.value, server_default=BillTo.SELF.value
    )
    price_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal(9, 4))
    price_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 4))
    price_unit_price: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 4))

    product: Mapped[Product | None] = relationship(lazy="joined")
    family: Mapped[ProductFamily | None] = relationship(lazy="joined")
    product_class: Mapped[ProductClass | None] = relationship(lazy="joined")
    pay_plan: Mapped[PayPlan | None] = relationship(lazy="joined")
    terms: Mapped[Terms] = relationship(lazy="joined")

    @property
    def scope_kind(self) -> ScopeKind:
        """Product, family or class: how wide this assignment reaches."""
        return parse_scope_key(self.scope_key)[0]
