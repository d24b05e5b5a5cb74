"""Writing a validated catalog into the database, and reading it back out.

Import is an upsert by code (assignments: by Billto, scope and
effective_from), all in the caller's one transaction: a second import of the
same file changes nothing, and a failed one leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import NeedsUserAction
from billing.assignments import CustomerAssignment, ScopeKind, parse_scope_key
from billing.catalog.document import (
    AssignmentEntry,
    CatalogDocument,
    CatalogIssue,
    ClassEntry,
    FamilyEntry,
    PayPlanEntry,
    PayPlanLineEntry,
    ProductEntry,
    TermsEntry,
)
from billing.catalog.file import UnreadableCatalog, read_catalog_file
from billing.catalog.models import Product, ProductClass, ProductFamily, Terms
from billing.catalog.validation import CatalogView, validate_catalog
from billing.pay_plans import PayPlan, PayPlanLine

ModelT = TypeVar("ModelT")
MAX_LISTED_ISSUES = 1000


@dataclass
class ImportSummary:
    """How many records an import created, changed and left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_section: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, section: str, outcome: str) -> None:
        """Tally one record's outcome (``created``, ``updated`` or ``unchanged``)."""
        setattr(self, outcome, getattr(self, outcome) + 1)
        tally = self.by_section.setdefault(section, {"created": 0, "updated": 0, "unchanged": 0})
        tally[outcome] += 1


def load_catalog_view(session: Session) -> CatalogView:
    """The codes already in the database, for validating references."""
    products = session.scalars(select(Product)).all()
    families = session.scalars(select(ProductFamily)).all()
    return CatalogView(
        terms=set(session.scalars(select(Terms.code))),
        classes={c.code: c.for_placements for c in session.scalars(select(ProductClass))},
        families={f.code: f.product_class.code for f in families},
        products={p.code: (p.family.code, p.pricing) for p in products},
        pay_plans=set(session.scalars(select(PayPlan.code))),
        assignments={
            (a.billto_id, a.scope_key, a.effective_from): a.effective_to
            for a in session.scalars(select(CustomerAssignment))
        },
    )


def apply_catalog(session: Session, document: CatalogDocument) -> ImportSummary:
    """Upsert every entry of a validated document; the caller commits."""
    summary = ImportSummary()
    for terms in document.terms:
        summary.count("terms", _upsert(session, Terms, {"code": terms.code}, vars(terms)))
    for entry in document.product_classes:
        summary.count(
            "product_classes", _upsert(session, ProductClass, {"code": entry.code}, vars(entry))
        )
    for family in document.families:
        values = {"name": family.name, "class_id": _id_of(session, ProductClass, family.class_code)}
        summary.count("families", _upsert(session, ProductFamily, {"code": family.code}, values))
    for product in document.products:
        values = {**vars(product), "family_id": _id_of(session, ProductFamily, product.family_code)}
        del values["family_code"]
        summary.count("products", _upsert(session, Product, {"code": product.code}, values))
    for plan in document.pay_plans:
        summary.count("pay_plans", _upsert_pay_plan(session, plan))
    for assignment in document.customer_assignments:
        summary.count("customer_assignments", _upsert_assignment(session, assignment))
    session.flush()
    return summary


def _upsert(session: Session, model: type[Any], key: dict[str, Any], values: dict[str, Any]) -> str:
    """Create or update one row found by ``key``; returns the outcome."""
    row = session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        session.add(model(**{**key, **values}))
        session.flush()
        return "created"
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    return "updated" if changed else "unchanged"


def _id_of(session: Session, model: type[Any], code: str) -> int:
    return session.scalars(select(model.id).filter_by(code=code)).one()


def _upsert_pay_plan(session: Session, plan: PayPlanEntry) -> str:
    outcome = _upsert(session, PayPlan, {"code": plan.code}, {"name": plan.name})
    row = session.scalars(select(PayPlan).filter_by(code=plan.code)).one()
    if _pay_plan_entry(row).lines == plan.lines:
        return outcome
    row.lines.clear()
    session.flush()
    row.lines.extend(
        PayPlanLine(
            seq=seq, strategy=ln.strategy, value=ln.value, days_from_event=ln.days_from_event
        )
        for seq, ln in enumerate(plan.lines, start=1)
    )
    return "created" if outcome == "created" else "updated"


def _upsert_assignment(session: Session, entry: AssignmentEntry) -> str:
    kind, code = parse_scope_key(entry.scope)
    scope_model = {
        ScopeKind.PRODUCT: Product,
        ScopeKind.FAMILY: ProductFamily,
        ScopeKind.CLASS: ProductClass,
    }[kind]
    scope_id = _id_of(session, scope_model, code)
    values = {
        "product_id": scope_id if kind is ScopeKind.PRODUCT else None,
        "family_id": scope_id if kind is ScopeKind.FAMILY else None,
        "class_id": scope_id if kind is ScopeKind.CLASS else None,
        "pay_plan_id": _id_of(session, PayPlan, entry.pay_plan) if entry.pay_plan else None,
        "terms_id": _id_of(session, Terms, entry.terms),
        "effective_to": entry.effective_to,
        "po_number": entry.po_number,
        "bill_to": entry.bill_to,
        "price_rate": entry.price.get("rate"),
        "price_amount": entry.price.get("amount"),
        "price_unit_price": entry.price.get("unit_price"),
    }
    key = {
        "billto_id": entry.billto,
        "scope_key": entry.scope,
        "effective_from": entry.effective_from,
    }
    return _upsert(session, CustomerAssignment, key, values)


def export_catalog(session: Session) -> CatalogDocument:
    """The whole catalog as a document, in a stable order (codes, then Billto)."""
    return CatalogDocument(
        terms=tuple(
            TermsEntry(t.code, t.name, t.due_days) for t in _all(session, Terms, Terms.code)
        ),
        product_classes=tuple(
            ClassEntry(c.code, c.name, c.for_placements)
            for c in _all(session, ProductClass, ProductClass.code)
        ),
        families=tuple(
            FamilyEntry(f.code, f.name, f.product_class.code)
            for f in _all(session, ProductFamily, ProductFamily.code)
        ),
        products=tuple(_product_entry(p) for p in _all(session, Product, Product.code)),
        pay_plans=tuple(_pay_plan_entry(p) for p in _all(session, PayPlan, PayPlan.code)),
        customer_assignments=tuple(
            _assignment_entry(a)
            for a in _all(
                session,
                CustomerAssignment,
                CustomerAssignment.billto_id,
                CustomerAssignment.scope_key,
                CustomerAssignment.effective_from,
            )
        ),
    )


def _all(session: Session, model: type[ModelT], *order: Any) -> list[ModelT]:
    """Every row, sorted here and not by the database.

    Collations differ (MariaDB's ignores case, so ``family:X`` sorts before
    ``PMO_FEE``), and an export must read the same from every server.
    """
    rows = session.scalars(select(model)).unique()
    return sorted(rows, key=lambda row: tuple(getattr(row, column.key) for column in order))


def _product_entry(row: Product) -> ProductEntry:
    return ProductEntry(
        row.code,
        row.name,
        row.family.code,
        row.pricing,
        row.rate,
        row.basis,
        row.amount,
        row.unit_price,
    )


def _pay_plan_entry(row: PayPlan) -> PayPlanEntry:
    lines = tuple(PayPlanLineEntry(ln.strategy, ln.value, ln.days_from_event) for ln in row.lines)
    return PayPlanEntry(row.code, row.name, lines)


def _assignment_entry(row: CustomerAssignment) -> AssignmentEntry:
    price = {
        name: value
        for name, value in (
            ("rate", row.price_rate),
            ("amount", row.price_amount),
            ("unit_price", row.price_unit_price),
        )
        if value is not None
    }
    return AssignmentEntry(
        billto=row.billto_id,
        scope=row.scope_key,
        terms=row.terms.code,
        effective_from=row.effective_from,
        pay_plan=row.pay_plan.code if row.pay_plan else None,
        effective_to=row.effective_to,
        po_number=row.po_number,
        bill_to=row.bill_to,
        price=price,
    )


class CatalogInvalid(NeedsUserAction):
    """Raised when a catalog file has issues; nothing was written.

    At most ``MAX_LISTED_ISSUES`` are listed: a file of a hundred thousand bad
    entries would otherwise print tens of megabytes no one reads.
    """

    def __init__(self, issues: list[CatalogIssue]) -> None:
        listed = issues[:MAX_LISTED_ISSUES]
        if len(issues) > len(listed):
            more = len(issues) - len(listed)
            listed.append(CatalogIssue("file", "", f"and {more} more error(s) not listed here"))
        super().__init__(
            "catalog_invalid",
            f"The catalog file has {len(issues)} error(s); nothing was imported.",
            "Fix every entry listed and import the file again.",
            issues=listed,
        )


def import_catalog(session: Session, data: bytes, known_billtos: set[int] | None) -> ImportSummary:
    """Validate the whole file, then upsert it; raises ``CatalogInvalid`` before any write."""
    try:
        raw = read_catalog_file(data)
    except UnreadableCatalog as error:
        raise CatalogInvalid([CatalogIssue("file", "", error.problem)]) from None
    result = validate_catalog(raw, load_catalog_view(session), known_billtos)
    if result.issues:
        raise CatalogInvalid(result.issues)
    return apply_catalog(session, result.document)
