"""The catalog: terms, product classes, families and product variants.

A product variant says how a fee is priced (percentage of a basis, flat,
unit, hourly). Its class says whether it prices placements or other fees.
Codes are the keys people and the catalog file use; ids stay internal.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.storage import Base, ExactDecimal

CODE_LENGTH = 60


class Pricing(StrEnum):
    """How a product variant turns an event into a fee amount."""

    PERCENTAGE = "percentage"
    FLAT = "flat"
    UNIT = "unit"
    HOURLY = "hourly"


class Basis(StrEnum):
    """Which placement figure a percentage product is a percentage of."""

    BASE_SALARY = "base_salary"
    OTE = "ote"


# The one price field each pricing takes, in the catalog file and in an
# assignment's price override. Hourly takes its rates from the placement.
PRICE_FIELD: dict[Pricing, str | None] = {
    Pricing.PERCENTAGE: "rate",
    Pricing.FLAT: "amount",
    Pricing.UNIT: "unit_price",
    Pricing.HOURLY: None,
}

# Pricings that read a placement (its salary or bill rates) need a class that
# holds placement products; unit pricing needs one that does not.
NEEDS_PLACEMENT_CLASS: dict[Pricing, bool | None] = {
    Pricing.PERCENTAGE: True,
    Pricing.HOURLY: True,
    Pricing.UNIT: False,
    Pricing.FLAT: None,
}


class Terms(Base):
    """Payment terms: an invoice's due date is its date plus ``due_days``."""

    __tablename__ = "terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    due_days: Mapped[int] = mapped_column(Integer)


class ProductClass(Base):
    """The top of the catalog: placement products or non-placement products."""

    __tablename__ = "product_class"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    for_placements: Mapped[bool] = mapped_column(Boolean)


class ProductFamily(Base):
    """A group of product variants within one class (Direct Hire Fees, ...)."""

    __tablename__ = "product_family"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    class_id: Mapped[int] = mapped_column(ForeignKey("product_class.id"))

    product_class: Mapped[ProductClass] = relationship(lazy="joined")


class Product(Base):
    """A product variant: the thing a fee is for, and its catalog price."""

    __tablename__ = "product"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    family_id: Mapped[int] = mapped_column(ForeignKey("product_family.id"))
    pricing: Mapped[str] = mapped_column(String(20))
    rate: Mapped[Decimal | None] = mapped_column(ExactDecimal(9, 4))
    basis: Mapped[str | None] = mapped_column(String(20))
    amount: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 4))
    unit_price: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 4))

    family: Mapped[ProductFamily] = relationship(lazy="joined")
