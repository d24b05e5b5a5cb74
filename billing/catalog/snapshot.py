"""The catalog as frozen values, loaded once per realization run.

Realization evaluates up to millions of events; looking products, plans and
assignments up in dictionaries of values keeps it pure (no session in the
hot loop) and fast. The fingerprint tells a run whether the catalog changed
since the last one, in which case every event is evaluated again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.assignments import BillTo, CustomerAssignment, ScopeKind
from billing.catalog.models import Pricing, Product, Terms
from billing.pay_plans import LineStrategy, PayPlan, PlanLine


@dataclass(frozen=True)
class ProductInfo:
    """A product variant with its family and class, as pricing needs it."""

    code: str
    name: str
    family_code: str
    class_code: str
    for_placements: bool
    pricing: Pricing
    rate: Decimal | None
    basis: str | None
    amount: Decimal | None
    unit_price: Decimal | None


@dataclass(frozen=True)
class AssignmentInfo:
    """A customer assignment as values."""

    id: int
    billto_id: int
    scope_kind: ScopeKind
    scope_code: str
    pay_plan_code: str | None
    terms_code: str
    effective_from: dt.date
    effective_to: dt.date | None
    po_number: str | None
    bill_to: BillTo
    price_rate: Decimal | None
    price_amount: Decimal | None
    price_unit_price: Decimal | None

    def is_in_effect(self, day: dt.date) -> bool:
        """Whether ``day`` falls in the assignment's inclusive date range."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def covers(self, product: ProductInfo) -> bool:
        """Whether the assignment's scope includes ``product``."""
        scope_of_product = {
            ScopeKind.PRODUCT: product.code,
            ScopeKind.FAMILY: product.family_code,
            ScopeKind.CLASS: product.class_code,
        }
        return scope_of_product[self.scope_kind] == self.scope_code

    @property
    def specificity(self) -> int:
        """Product over family over class: lower wins."""
        return list(ScopeKind).index(self.scope_kind)


@dataclass(frozen=True)
class CatalogSnapshot:
    """Everything realization reads from the catalog."""

    products: dict[str, ProductInfo]
    pay_plans: dict[str, tuple[PlanLine, ...]]
    terms_due_days: dict[str, int]
    assignments_by_billto: dict[int, tuple[AssignmentInfo, ...]]
    fingerprint: str


def load_catalog_snapshot(session: Session) -> CatalogSnapshot:
    """The current catalog as values, with a fingerprint of its exported form."""
    assignments: dict[int, list[AssignmentInfo]] = {}
    for row in session.scalars(select(CustomerAssignment).order_by(CustomerAssignment.id)).unique():
        assignments.setdefault(row.billto_id, []).append(_assignment_info(row))
    products = {
        p.code: _product_info(p)
        for p in session.scalars(select(Product).order_by(Product.code)).unique()
    }
    pay_plans = {
        plan.code: tuple(
            PlanLine(LineStrategy(ln.strategy), ln.value, ln.days_from_event) for ln in plan.lines
        )
        for plan in session.scalars(select(PayPlan).order_by(PayPlan.code)).unique()
    }
    terms = {t.code: t.due_days for t in session.scalars(select(Terms).order_by(Terms.code))}
    by_billto = {k: tuple(v) for k, v in sorted(assignments.items())}
    return CatalogSnapshot(
        products=products,
        pay_plans=pay_plans,
        terms_due_days=terms,
        assignments_by_billto=by_billto,
        fingerprint=_fingerprint(products, pay_plans, terms, by_billto),
    )


def _fingerprint(*parts: object) -> str:
    """A digest of the values realization reads: equal catalogs give equal digests.

    The parts are built in a fixed order from frozen dataclasses of str, int,
    Decimal and date, whose ``repr`` is stable, so no serializer is needed.
    """
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _product_info(row: Product) -> ProductInfo:
    family = row.family
    return ProductInfo(
        code=row.code,
        name=row.name,
        family_code=family.code,
        class_code=family.product_class.code,
        for_placements=family.product_class.for_placements,
        pricing=Pricing(row.pricing),
        rate=row.rate,
        basis=row.basis,
        amount=row.amount,
        unit_price=row.unit_price,
    )


def _assignment_info(row: CustomerAssignment) -> AssignmentInfo:
    kind = row.scope_kind
    scope_code = {
        ScopeKind.PRODUCT: row.product.code if row.product else "",
        ScopeKind.FAMILY: row.family.code if row.family else "",
        ScopeKind.CLASS: row.product_class.code if row.product_class else "",
    }[kind]
    return AssignmentInfo(
        id=row.id,
        billto_id=row.billto_id,
        scope_kind=kind,
        scope_code=scope_code,
        pay_plan_code=row.pay_plan.code if row.pay_plan else None,
        terms_code=row.terms.code,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        po_number=row.po_number,
        bill_to=BillTo(row.bill_to),
        price_rate=row.price_rate,
        price_amount=row.price_amount,
        price_unit_price=row.price_unit_price,
    )
