"""The catalog file as values: what ``catalog import`` validated and will write.

These frozen entries sit between the YAML text and the database, so that
validation can finish before a single row is touched, and export can build
the same values back from the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class TermsEntry:
    """Payment terms."""

    code: str
    name: str
    due_days: int


@dataclass(frozen=True)
class ClassEntry:
    """A product class."""

    code: str
    name: str
    for_placements: bool


@dataclass(frozen=True)
class FamilyEntry:
    """A product family in a class."""

    code: str
    name: str
    class_code: str


@dataclass(frozen=True)
class ProductEntry:
    """A product variant; only the price field its pricing takes is set."""

    code: str
    name: str
    family_code: str
    pricing: str
    rate: Decimal | None = None
    basis: str | None = None
    amount: Decimal | None = None
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class PayPlanLineEntry:
    """One installment line of a pay plan."""

    strategy: str
    value: Decimal
    days_from_event: int


@dataclass(frozen=True)
class PayPlanEntry:
    """A pay plan and its lines in order."""

    code: str
    name: str
    lines: tuple[PayPlanLineEntry, ...]


@dataclass(frozen=True)
class AssignmentEntry:
    """A customer assignment; ``scope`` is ``CODE``, ``family:CODE`` or ``class:CODE``."""

    billto: int
    scope: str
    terms: str
    effective_from: dt.date
    pay_plan: str | None = None
    effective_to: dt.date | None = None
    po_number: str | None = None
    price: dict[str, Decimal] = field(default_factory=dict)
    bill_to: str = "self"

    @property
    def natural_key(self) -> tuple[int, str, dt.date]:
        """What import upserts by: an assignment has no code of its own."""
        return (self.billto, self.scope, self.effective_from)


@dataclass(frozen=True)
class CatalogDocument:
    """A whole catalog file, validated."""

    terms: tuple[TermsEntry, ...] = ()
    product_classes: tuple[ClassEntry, ...] = ()
    families: tuple[FamilyEntry, ...] = ()
    products: tuple[ProductEntry, ...] = ()
    pay_plans: tuple[PayPlanEntry, ...] = ()
    customer_assignments: tuple[AssignmentEntry, ...] = ()


@dataclass(frozen=True)
class CatalogIssue:
    """One thing wrong with the file: the entry, the field and what to do."""

    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.entry}, field '{self.field}'" if self.field else self.entry
        return f"{where}: {self.message}"
