"""The rules of the catalog file (``examples/catalog.yaml``), checked before any write.

Validation reads the whole file against what the database already holds
(``CatalogView``): an entry may refer to a code defined in the file or
already imported. It returns every issue at once, each naming its entry and
field, so an admin can fix a file in one round.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from typing import Any, TypeVar

from billing.assignments import BillTo, ScopeKind, parse_scope_key
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
from billing.catalog.fields import EntryReader, shown_key
from billing.catalog.file import quoted
from billing.catalog.models import NEEDS_PLACEMENT_CLASS, PRICE_FIELD, Basis, Pricing
from billing.pay_plans import LineStrategy

SECTIONS = ("terms", "product_classes", "families", "products", "pay_plans", "customer_assignments")
HUNDRED = Decimal(100)
PRODUCT_FIELDS = ("code", "name", "family", "pricing", "rate", "basis", "amount", "unit_price")
ASSIGNMENT_FIELDS = (
    "billto",
    "product",
    "pay_plan",
    "terms",
    "effective_from",
    "effective_to",
    "po_number",
    "bill_to",
    "price",
)

# What a reference to each section is called in an "unknown ..." message.
NOUNS = {
    "terms": "terms",
    "product_classes": "product class",
    "families": "family",
    "products": "product",
    "pay_plans": "pay plan",
}
SCOPE_SECTIONS = {
    ScopeKind.PRODUCT: "products",
    ScopeKind.FAMILY: "families",
    ScopeKind.CLASS: "product_classes",
}

EntryT = TypeVar("EntryT")


@dataclass
class CatalogView:
    """The codes an entry may refer to: the database's, overlaid with the file's."""

    terms: set[str] = field(default_factory=set)
    classes: dict[str, bool] = field(default_factory=dict)  # code -> for_placements
    families: dict[str, str] = field(default_factory=dict)  # code -> class code
    products: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> family, pricing
    pay_plans: set[str] = field(default_factory=set)
    assignments: dict[tuple[int, str, dt.date], dt.date | None] = field(default_factory=dict)
    # (section, code) of file entries with issues of their own: a reference to
    # one is not reported again as unknown.
    flawed: set[tuple[str, str]] = field(default_factory=set)

    def codes(self, section: str) -> Collection[str]:
        """The codes ``section`` defines so far."""
        known: dict[str, Collection[str]] = {
            "terms": self.terms,
            "product_classes": self.classes,
            "families": self.families,
            "products": self.products,
            "pay_plans": self.pay_plans,
        }
        return known[section]


@dataclass(frozen=True)
class ValidationResult:
    """The validated document, or the issues that stop it from being imported."""

    document: CatalogDocument
    issues: list[CatalogIssue]


def validate_catalog(
    raw: object, existing: CatalogView, known_billtos: set[int] | None
) -> ValidationResult:
    """Check a parsed catalog file; ``known_billtos`` None skips the Billto check."""
    issues: list[CatalogIssue] = []
    if not isinstance(raw, Mapping):
        issues.append(
            CatalogIssue("file", "", "must be a mapping with sections " + ", ".join(SECTIONS))
        )
        return ValidationResult(CatalogDocument(), issues)
    EntryReader("file", raw, issues).refuse_unknown(SECTIONS)
    view = existing
    terms = _section(raw, "terms", view, issues, _read_terms)
    view.terms |= {t.code for t in terms}
    classes = _section(raw, "product_classes", view, issues, _read_class)
    view.classes.update({c.code: c.for_placements for c in classes})
    families = _section(raw, "families", view, issues, lambda r: _read_family(r, view))
    view.families.update({f.code: f.class_code for f in families})
    products = _section(raw, "products", view, issues, lambda r: _read_product(r, view))
    view.products.update({p.code: (p.family_code, p.pricing) for p in products})
    pay_plans = _section(raw, "pay_plans", view, issues, _read_pay_plan)
    view.pay_plans |= {p.code for p in pay_plans}
    assignments = _section(
        raw,
        "customer_assignments",
        view,
        issues,
        lambda r: _read_assignment(r, view, known_billtos),
    )
    _check_overlaps(assignments, view, issues)
    document = CatalogDocument(terms, classes, families, products, pay_plans, assignments)
    return ValidationResult(document, issues)


def _section(
    raw: Mapping[str, Any],
    name: str,
    view: CatalogView,
    issues: list[CatalogIssue],
    read: Callable[[EntryReader], EntryT | None],
) -> tuple[EntryT, ...]:
    """Read every entry of one section; flag duplicate codes, note flawed entries."""
    entries = raw.get(name) or []
    if not isinstance(entries, list):
        issues.append(CatalogIssue(name, "", "must be a list of entries"))
        return ()
    parsed: list[EntryT] = []
    for index, entry in enumerate(entries):
        label = _label(name, index, entry)
        if not isinstance(entry, Mapping):
            issues.append(CatalogIssue(label, "", "must be a mapping of fields"))
            continue
        value = read(EntryReader(label, entry, issues))
        if value is not None:
            parsed.append(value)
        elif isinstance(entry.get("code"), str):
            view.flawed.add((name, entry["code"].strip()))
    codes = Counter(getattr(e, "code", None) for e in parsed)
    for code, count in codes.items():
        if code is not None and count > 1:
            issues.append(CatalogIssue(name, "code", f"code {code} is defined {count} times"))
    _check_case_clashes(name, [c for c in codes if c is not None], view, issues)
    return tuple(parsed)


def _check_case_clashes(
    section: str, codes: list[str], view: CatalogView, issues: list[CatalogIssue]
) -> None:
    """Refuse codes that differ only in case from another code of the same section.

    MariaDB compares text without case, so ``std_dh`` would silently update
    ``STD_DH`` there while PostgreSQL creates a second product: one spelling
    per code keeps every database, and every person reading the file, agreed.
    """
    known = {
        "terms": view.terms, "product_classes": view.classes, "families": view.families,
        "products": view.products, "pay_plans": view.pay_plans,
    }.get(section, ())  # fmt: skip
    spellings: dict[str, set[str]] = {}
    for code in [*known, *codes]:
        spellings.setdefault(code.casefold(), set()).add(code)
    for code in codes:
        others = sorted(spellings[code.casefold()] - {code})
        if others:
            issues.append(CatalogIssue(
                f"{section} ({code})", "code",
                f"differs only in case from {', '.join(others)}: use one spelling for a code",
            ))  # fmt: skip


def _label(section: str, index: int, entry: object) -> str:
    code = entry.get("code") if isinstance(entry, Mapping) else None
    return f"{section}[{index}]" + (f" ({shown_key(code)})" if code else "")


def _complete(reader: EntryReader, before: int, *values: object) -> bool:
    """Whether the entry parsed without new issues and has every required value."""
    return len(reader.issues) == before and all(v is not None for v in values)


def _read_terms(reader: EntryReader) -> TermsEntry | None:
    before = len(reader.issues)
    reader.refuse_unknown(("code", "name", "due_days"))
    code, name = reader.code("code"), reader.text("name")
    due_days = reader.days("due_days")
    if not _complete(reader, before, code, name, due_days):
        return None
    return TermsEntry(code, name, due_days)  # type: ignore[arg-type]


def _read_class(reader: EntryReader) -> ClassEntry | None:
    before = len(reader.issues)
    reader.refuse_unknown(("code", "name", "for_placements"))
    code, name = reader.code("code"), reader.text("name")
    for_placements = reader.boolean("for_placements")
    if not _complete(reader, before, code, name, for_placements):
        return None
    return ClassEntry(code, name, for_placements)  # type: ignore[arg-type]


def _read_family(reader: EntryReader, view: CatalogView) -> FamilyEntry | None:
    before = len(reader.issues)
    reader.refuse_unknown(("code", "name", "class"))
    code, name = reader.code("code"), reader.text("name")
    class_code = _reference(reader, "class", "product_classes", view)
    if not _complete(reader, before, code, name, class_code):
        return None
    return FamilyEntry(code, name, class_code)  # type: ignore[arg-type]


def _read_product(reader: EntryReader, view: CatalogView) -> ProductEntry | None:
    before = len(reader.issues)
    reader.refuse_unknown(PRODUCT_FIELDS)
    code, name = reader.code("code"), reader.text("name")
    if code is not None and ":" in code:
        reader.fail("code", "must not contain ':' (reserved for family: and class: scopes)")
    family_code = _reference(reader, "family", "families", view)
    pricing = _choice(reader, "pricing", [p.value for p in Pricing])
    if family_code is not None and pricing is not None:
        _check_class_fits(reader, Pricing(pricing), view.classes.get(view.families[family_code]))
    prices = _read_prices(reader, pricing)
    basis = None
    if pricing == Pricing.PERCENTAGE:
        basis = _choice(reader, "basis", [b.value for b in Basis], default=Basis.BASE_SALARY)
    elif "basis" in reader.raw:
        reader.fail("basis", "only percentage products have a basis")
    if not _complete(reader, before, code, name, family_code, pricing):
        return None
    return ProductEntry(code, name, family_code, pricing, basis=basis, **prices)  # type: ignore[arg-type]


def _check_class_fits(reader: EntryReader, pricing: Pricing, for_placements: bool | None) -> None:
    wanted = NEEDS_PLACEMENT_CLASS[pricing]
    if wanted is None or for_placements is None or wanted == for_placements:
        return
    kind = "a placement class (for_placements: true)" if wanted else "a non-placement class"
    reader.fail("family", f"{pricing.value} products belong in a family of {kind}")


def _read_prices(reader: EntryReader, pricing: str | None) -> dict[str, Decimal | None]:
    """The price field the pricing takes (required); any other price field is an issue."""
    wanted = PRICE_FIELD.get(Pricing(pricing)) if pricing else None
    prices: dict[str, Decimal | None] = {}
    for name in ("rate", "amount", "unit_price"):
        if name == wanted:
            prices[name] = _read_price(reader, name)
        elif name in reader.raw and pricing is not None:
            reader.fail(name, f"{pricing} products do not take {name}")
    return prices


def _read_price(reader: EntryReader, name: str) -> Decimal | None:
    """A rate is a percentage (above 0, at most 100); an amount or unit price is 0 or more.

    Used for the product's price and for an assignment's override alike.
    """
    value = reader.decimal(name, positive=name == "rate")
    if name == "rate" and value is not None and value > HUNDRED:
        reader.fail(name, f"is a percentage and must be at most 100, got {value}")
        return None
    return value


def _reference(
    reader: EntryReader, field_name: str, section: str, view: CatalogView, *, required: bool = True
) -> str | None:
    """The code ``field_name`` refers to, or None when ``section`` does not define it."""
    code = reader.code(field_name, required=required)
    return _known_code(reader, field_name, code, section, view)


def _known_code(
    reader: EntryReader, field_name: str, code: str | None, section: str, view: CatalogView
) -> str | None:
    """``code`` if ``section`` defines it, else None and (usually) an issue.

    A code whose own entry is flawed gives None without a second issue: one
    mistake is reported once, at its entry, not again at every entry using it.
    """
    if code is None or code in view.codes(section):
        return code
    if (section, code) not in view.flawed:
        reader.fail(field_name, f"unknown {NOUNS[section]} {code}: define it under {section}")
    return None


def _choice(
    reader: EntryReader, field_name: str, allowed: list[str], default: str | None = None
) -> str | None:
    value = reader.raw.get(field_name, default)
    if value is None:
        reader.fail(field_name, "is required; one of " + ", ".join(allowed))
        return None
    if value not in allowed:
        reader.fail(field_name, f"must be one of {', '.join(allowed)}, got {quoted(value)}")
        return None
    return str(value)


def _read_pay_plan(reader: EntryReader) -> PayPlanEntry | None:
    before = len(reader.issues)
    reader.refuse_unknown(("code", "name", "lines"))
    code, name = reader.code("code"), reader.text("name")
    raw_lines = reader.raw.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        reader.fail("lines", "must be a non-empty list of lines")
        return None
    lines = [_read_line(reader, i, line) for i, line in enumerate(raw_lines)]
    if len(reader.issues) == before:
        _check_lines(reader, lines)  # type: ignore[arg-type]
    if not _complete(reader, before, code, name):
        return None
    return PayPlanEntry(code, name, tuple(lines))  # type: ignore[arg-type]


def _read_line(reader: EntryReader, index: int, raw: object) -> PayPlanLineEntry | None:
    if not isinstance(raw, Mapping):
        reader.fail(f"lines[{index}]", "must be a mapping of strategy, value, days_from_event")
        return None
    line = EntryReader(f"{reader.entry} lines[{index}]", raw, reader.issues)
    line.refuse_unknown(("strategy", "value", "days_from_event"))
    strategy = _choice(line, "strategy", [s.value for s in LineStrategy])
    value = line.decimal("value", positive=True)
    days = line.days("days_from_event")
    if strategy is None or value is None or days is None:
        return None
    return PayPlanLineEntry(strategy, value, days)


def _check_lines(reader: EntryReader, lines: list[PayPlanLineEntry]) -> None:
    """Percentages add up to exactly 100 and lines are in date order."""
    total = sum((ln.value for ln in lines if ln.strategy == LineStrategy.PERCENTAGE), Decimal(0))
    if total != HUNDRED:
        reader.fail("lines", f"percentage lines must add up to 100, they add up to {total}")
    days = [ln.days_from_event for ln in lines]
    if days != sorted(days):
        reader.fail("lines", f"lines must be in order of days_from_event, got {quoted(days)}")


def _read_assignment(
    reader: EntryReader, view: CatalogView, known_billtos: set[int] | None
) -> AssignmentEntry | None:
    before = len(reader.issues)
    reader.refuse_unknown(ASSIGNMENT_FIELDS)
    billto = reader.integer("billto", minimum=1)
    if billto is not None and known_billtos is not None and billto not in known_billtos:
        reader.fail("billto", f"Billto {billto} does not exist in the ATS")
    scope = _read_scope(reader, view)
    terms = _reference(reader, "terms", "terms", view)
    pay_plan = _reference(reader, "pay_plan", "pay_plans", view, required=False)
    start, end = reader.date("effective_from"), reader.date("effective_to", required=False)
    if start and end and end < start:
        reader.fail("effective_to", f"{end} is before effective_from {start}")
    po_number = reader.text("po_number", required=False, max_length=40)
    bill_to = _choice(reader, "bill_to", [b.value for b in BillTo], default=BillTo.SELF)
    price = _read_price_override(reader, scope, view)
    if not _complete(reader, before, billto, scope, terms, start):
        return None
    return AssignmentEntry(billto, scope, terms, start, pay_plan, end, po_number, price, bill_to)  # type: ignore[arg-type]


def _read_scope(reader: EntryReader, view: CatalogView) -> str | None:
    scope = reader.code("product", max_length=80)
    if scope is None:
        return None
    kind, code = parse_scope_key(scope)
    if _known_code(reader, "product", code, SCOPE_SECTIONS[kind], view) is None:
        return None
    return scope


def _read_price_override(
    reader: EntryReader, scope: str | None, view: CatalogView
) -> dict[str, Decimal]:
    raw = reader.raw.get("price")
    if raw is None or scope is None:
        return {}
    kind, code = parse_scope_key(scope)
    if kind is not ScopeKind.PRODUCT:
        reader.fail("price", "a price override needs a single product, not a family or class")
        return {}
    pricing = Pricing(view.products[code][1])
    wanted = PRICE_FIELD[pricing]
    if not isinstance(raw, Mapping) or wanted is None or set(raw) != {wanted}:
        expected = f"{{{wanted}: ...}}" if wanted else "no price (hourly uses the bill rates)"
        reader.fail("price", f"{code} is priced {pricing.value}: expected {expected}")
        return {}
    price = EntryReader(f"{reader.entry} price", raw, reader.issues)
    price.refuse_unknown((wanted,))
    value = _read_price(price, wanted)
    return {} if value is None else {wanted: value}


def _check_overlaps(
    entries: tuple[AssignmentEntry, ...], view: CatalogView, issues: list[CatalogIssue]
) -> None:
    """Two assignments of one Billto and scope may not be in effect on the same day."""
    _check_duplicate_keys(entries, issues)
    ranges = dict(view.assignments)
    ranges.update({e.natural_key: e.effective_to for e in entries})
    by_scope: dict[tuple[int, str], list[tuple[dt.date, dt.date | None]]] = {}
    for (billto, scope, start), end in ranges.items():
        by_scope.setdefault((billto, scope), []).append((start, end))
    for (billto, scope), spans in sorted(by_scope.items()):
        spans.sort()
        for (start, end), (next_start, _) in pairwise(spans):
            if end is None or end >= next_start:
                issues.append(
                    CatalogIssue(
                        f"customer_assignments (Billto {billto}, {scope})",
                        "effective_to",
                        f"the assignment from {start} overlaps the one from {next_start}: "
                        f"end it before {next_start}",
                    )
                )


def _check_duplicate_keys(entries: tuple[AssignmentEntry, ...], issues: list[CatalogIssue]) -> None:
    """One natural key twice in a file: import would write both, the last one winning."""
    counts = Counter(e.natural_key for e in entries)
    for (billto, scope, start), count in sorted(counts.items()):
        if count > 1:
            issues.append(
                CatalogIssue(
                    f"customer_assignments (Billto {billto}, {scope})",
                    "effective_from",
                    f"the assignment from {start} is defined {count} times",
                )
            )
