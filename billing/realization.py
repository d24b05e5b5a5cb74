"""Fee realization: what each ATS event should be worth, as a value.

Evaluation is pure: an event plus the catalog and the Billto tree give a
``DesiredFee`` (amount, terms and installments), ``Blocked`` (with a reason a
person can act on) or ``NotBillable`` (the event no longer bills: how the
fee must go away). Writing the outcome is ``billing.convergence``'s job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ats.records import AtsPlacement, AtsServiceFee, AtsTimecard
from billing.assignments import BillTo
from billing.billtos import BilltoTree
from billing.catalog import Pricing
from billing.catalog_snapshot import AssignmentInfo, CatalogSnapshot, ProductInfo
from billing.coverage import Coverage
from billing.fees import SourceType, occurrence_key
from billing.money import is_known_currency
from billing.pay_plans import FULL_ON_EVENT, ScheduledAmount, split_by_pay_plan
from billing.pricing import (
    Price,
    Unpriceable,
    price_placement,
    price_service_fee,
    price_timecard,
)
from billing.schedules import Schedule, occurrences

ASSIGNMENT_ACTION = "add one in Catalog → Customer assignments"

# The pricings that can price each kind of event.
PLACEMENT_PRICINGS = frozenset({Pricing.PERCENTAGE, Pricing.FLAT})
TIMECARD_PRICINGS = frozenset({Pricing.HOURLY})
SERVICE_FEE_PRICINGS = frozenset({Pricing.UNIT, Pricing.FLAT})


class Removal(StrEnum):
    """How a fee goes away when its event stops billing."""

    CANCEL = "cancel"  # pending installments cancelled; invoiced ones flagged for credit review
    ZERO = "zero"  # the fee goes to zero: invoiced amounts come back as a negative adjustment


@dataclass(frozen=True)
class EventKey:
    """The natural key of a fee: the ATS event it comes from."""

    source_type: SourceType
    source_id: int
    occurrence: dt.date | None = None

    @property
    def occurrence_key(self) -> str:
        """The occurrence as stored in the unique key."""
        return occurrence_key(self.occurrence)


@dataclass(frozen=True)
class DesiredFee:
    """What the fee for an event should be now."""

    key: EventKey
    billto_id: int
    invoice_billto_id: int
    product_code: str
    pay_plan_code: str | None
    terms_code: str
    po_number: str | None
    currency: str
    event_date: dt.date
    amount: Decimal
    schedule: tuple[ScheduledAmount, ...]
    basis: dict[str, str]
    source_updated_at: dt.datetime


@dataclass(frozen=True)
class Blocked:
    """An event that cannot be realized yet, and why."""

    key: EventKey
    billto_id: int
    product_code: str | None
    event_date: dt.date
    reason: str
    source_updated_at: dt.datetime


@dataclass(frozen=True)
class NotBillable:
    """An event that does not (or no longer does) bill."""

    key: EventKey
    removal: Removal
    reason: str
    source_updated_at: dt.datetime


Evaluation = DesiredFee | Blocked | NotBillable


@dataclass(frozen=True)
class RealizationContext:
    """What every evaluation in a run reads."""

    catalog: CatalogSnapshot
    billtos: BilltoTree
    as_of: dt.date
    coverage: Coverage

    @classmethod
    def build(
        cls, catalog: CatalogSnapshot, billtos: BilltoTree, as_of: dt.date
    ) -> RealizationContext:
        """A context whose coverage answers come from this catalog and tree."""
        return cls(catalog, billtos, as_of, Coverage(catalog, billtos))


@dataclass(frozen=True)
class _Event:
    """The parts of an ATS event that realization treats alike for every source."""

    key: EventKey
    billto_id: int
    currency: str
    event_date: dt.date
    product_code: str | None
    pay_plan_code: str | None
    po_number: str | None
    details: dict[str, str]
    updated_at: dt.datetime


def evaluate_placement(placement: AtsPlacement, context: RealizationContext) -> Evaluation:
    """A direct-hire placement's fee; contract placements bill through their time cards."""
    key = EventKey(SourceType.PLACEMENT, placement.id)
    if placement.placement_type != "direct_hire":
        reason = f"placement {placement.id} is a contract placement, billed by its time cards"
        return NotBillable(key, Removal.CANCEL, reason, placement.updated_at)
    if placement.status in ("cancelled", "fell_off"):
        return NotBillable(key, Removal.CANCEL, _why_gone(placement), placement.updated_at)
    event = _Event(
        key=key,
        billto_id=placement.billto_id,
        currency=placement.currency,
        event_date=placement.start_date,
        product_code=placement.product_code,
        pay_plan_code=placement.pay_plan_code,
        po_number=placement.po_number,
        details={"candidate": placement.candidate_name, "job_title": placement.job_title},
        updated_at=placement.updated_at,
    )
    return _realize(
        event,
        context,
        pricings=PLACEMENT_PRICINGS,
        price=lambda product, assignment: price_placement(placement, product, assignment),
    )


def _why_gone(placement: AtsPlacement) -> str:
    if placement.status == "fell_off":
        return (
            f"placement {placement.id} fell off on {placement.fell_off_date or 'an unknown date'}"
        )
    return f"placement {placement.id} was cancelled"


def evaluate_timecard(
    card: AtsTimecard, placement: AtsPlacement | None, context: RealizationContext
) -> Evaluation:
    """An approved time card's fee: hours by type times the placement's bill rates."""
    key = EventKey(SourceType.TIMECARD, card.id)
    if card.status != "approved":
        reason = f"time card {card.id} is {card.status}, not approved"
        return NotBillable(key, Removal.ZERO, reason, card.updated_at)
    if placement is None:
        reason = f"time card {card.id} belongs to placement {card.placement_id}, not in the ATS"
        return Blocked(key, 0, None, card.week_ending, reason, card.updated_at)
    event = _Event(
        key=key,
        billto_id=placement.billto_id,
        currency=placement.currency,
        event_date=card.week_ending,
        product_code=placement.product_code,
        pay_plan_code=placement.pay_plan_code,
        po_number=placement.po_number,
        details={
            "candidate": placement.candidate_name,
            "job_title": placement.job_title,
            "placement_id": str(placement.id),
        },
        updated_at=max(card.updated_at, placement.updated_at),
    )
    return _realize(
        event,
        context,
        pricings=TIMECARD_PRICINGS,
        price=lambda _product, _assignment: price_timecard(card, placement),
    )


def evaluate_service_fee(fee: AtsServiceFee, context: RealizationContext) -> list[Evaluation]:
    """One evaluation per occurrence due by the as-of date."""
    try:
        schedule = Schedule(fee.schedule)
    except ValueError:
        reason = f"service fee {fee.id} has an unknown schedule {fee.schedule!r}: fix it in the ATS"
        key = EventKey(SourceType.SERVICE_FEE, fee.id)
        return [Blocked(key, fee.billto_id, fee.product_code, fee.created_date, reason,
                        fee.updated_at)]  # fmt: skip
    dates = occurrences(
        fee.created_date,
        schedule,
        as_of=context.as_of,
        end=fee.schedule_end_date,
        cancelled_on=fee.cancelled_on,
    )
    scheduled = schedule is not Schedule.ONE_TIME
    return [_evaluate_occurrence(fee, day if scheduled else None, day, context) for day in dates]


def is_occurrence_gone(fee: AtsServiceFee, occurrence: dt.date | None, as_of: dt.date) -> bool:
    """Whether a realized occurrence that this run did not evaluate no longer exists.

    An occurrence after the as-of date still stands if the schedule still has
    it (a run with an earlier as-of date must not cancel it); one on or before
    the as-of date that was not evaluated is gone (cancelled, ended, or the
    schedule changed).
    """
    try:
        schedule = Schedule(fee.schedule)
    except ValueError:
        return False  # blocked until the schedule is fixed: leave realized fees alone
    if (occurrence is None) != (schedule is Schedule.ONE_TIME):
        return True
    day = occurrence or fee.created_date
    if day <= as_of:
        return True
    still = occurrences(
        fee.created_date,
        schedule,
        as_of=day,
        end=fee.schedule_end_date,
        cancelled_on=fee.cancelled_on,
    )
    return day not in still


def _evaluate_occurrence(
    fee: AtsServiceFee, occurrence: dt.date | None, day: dt.date, context: RealizationContext
) -> Evaluation:
    event = _Event(
        key=EventKey(SourceType.SERVICE_FEE, fee.id, occurrence),
        billto_id=fee.billto_id,
        currency=fee.currency,
        event_date=day,
        product_code=fee.product_code,
        pay_plan_code=None,
        po_number=None,
        details={"description": fee.description or ""},
        updated_at=fee.updated_at,
    )
    return _realize(
        event,
        context,
        pricings=SERVICE_FEE_PRICINGS,
        price=lambda product, assignment: price_service_fee(fee, product, assignment),
    )


def why_occurrence_gone(fee: AtsServiceFee) -> str:
    """The reason a person reads on an occurrence that no longer bills."""
    if fee.cancelled_on is not None:
        return f"service fee {fee.id} was cancelled on {fee.cancelled_on}"
    if fee.schedule_end_date is not None:
        return f"service fee {fee.id} now ends on {fee.schedule_end_date}"
    return f"service fee {fee.id} no longer has this occurrence"


def _realize(
    event: _Event,
    context: RealizationContext,
    *,
    pricings: frozenset[Pricing],
    price: Callable[[ProductInfo, AssignmentInfo], Price | Unpriceable],
) -> Evaluation:
    """Resolve product, assignment, price and pay plan; the first gap blocks the event."""

    def blocked(reason: str, product_code: str | None = event.product_code) -> Blocked:
        return Blocked(event.key, event.billto_id, product_code, event.event_date, reason,
                       event.updated_at)  # fmt: skip

    if not context.billtos.chain(event.billto_id):
        return blocked(f"Billto {event.billto_id} is not in the ATS")
    if not is_known_currency(event.currency):
        return blocked(f"currency {event.currency!r} is not an ISO 4217 code this service knows")
    product = _product(event, context, pricings)
    if isinstance(product, str):
        return blocked(product)
    assignment = context.coverage.covering_assignment(event.billto_id, product, event.event_date)
    if assignment is None:
        return blocked(
            f"no customer assignment covers {context.billtos.describe(event.billto_id)} for "
            f"product {product.code} on {event.event_date}: {ASSIGNMENT_ACTION}",
            product.code,
        )
    priced = price(product, assignment)
    if isinstance(priced, Unpriceable):
        return blocked(priced.reason, product.code)
    return _desired(event, context, product, assignment, priced) or blocked(
        _missing_plan_reason(event, assignment), product.code
    )


def _product(
    event: _Event, context: RealizationContext, pricings: frozenset[Pricing]
) -> ProductInfo | str:
    """The event's product, or why there is none (or why it cannot price this event)."""
    if event.product_code:
        product = context.catalog.products.get(event.product_code)
        if product is None:
            return (
                f"product {event.product_code} is not in the catalog: add it in Catalog → "
                "Products or correct the ATS record"
            )
        if product.pricing not in pricings:
            kinds = " or ".join(sorted(p.value for p in pricings))
            return (
                f"product {product.code} is priced {product.pricing.value}, but a "
                f"{event.key.source_type.value.replace('_', ' ')} needs a {kinds} product: "
                "correct the product on the ATS record"
            )
        return product
    found = context.coverage.assigned_products(
        event.billto_id, event.event_date, lambda p: p.pricing in pricings
    )
    if len(found) == 1:
        return found[0]
    where = context.billtos.describe(event.billto_id)
    if not found:
        return (
            f"the ATS record names no product and no product assignment covers {where}: "
            f"{ASSIGNMENT_ACTION}"
        )
    codes = ", ".join(sorted(p.code for p in found))
    return (
        f"the ATS record names no product and {where} is assigned several ({codes}): "
        "set one on the record"
    )


def _desired(
    event: _Event,
    context: RealizationContext,
    product: ProductInfo,
    assignment: AssignmentInfo,
    priced: Price,
) -> DesiredFee | None:
    """The desired fee, or None when the pay plan it names is not in the catalog."""
    plan_code = event.pay_plan_code or assignment.pay_plan_code
    lines = context.catalog.pay_plans.get(plan_code) if plan_code else FULL_ON_EVENT
    if lines is None:
        return None
    schedule = tuple(split_by_pay_plan(priced.amount, event.currency, event.event_date, lines))
    po_number = event.po_number or assignment.po_number
    invoice_billto = _invoice_billto(event.billto_id, assignment, context)
    basis = {
        "billto_id": str(event.billto_id),
        "invoice_billto_id": str(invoice_billto),
        "product": product.code,
        "currency": event.currency,
        "event_date": event.event_date.isoformat(),
        "amount": str(priced.amount),
        "pay_plan": plan_code or "",
        "terms": assignment.terms_code,
        "po_number": po_number or "",
        "schedule": " ".join(f"{s.plan_line}:{s.effective_date}:{s.amount}" for s in schedule),
        **priced.inputs,
        **event.details,
    }
    return DesiredFee(
        key=event.key,
        billto_id=event.billto_id,
        invoice_billto_id=invoice_billto,
        product_code=product.code,
        pay_plan_code=plan_code,
        terms_code=assignment.terms_code,
        po_number=po_number,
        currency=event.currency,
        event_date=event.event_date,
        amount=priced.amount,
        schedule=schedule,
        basis=basis,
        source_updated_at=event.updated_at,
    )


def _invoice_billto(billto_id: int, assignment: AssignmentInfo, context: RealizationContext) -> int:
    """The Billto the fee is invoiced to: the event's own, its parent or its company's top."""
    chain = context.billtos.chain(billto_id)
    if assignment.bill_to is BillTo.PARENT and len(chain) > 1:
        return chain[1].id
    if assignment.bill_to is BillTo.COMPANY:
        return chain[-1].id
    return billto_id


def _missing_plan_reason(event: _Event, assignment: AssignmentInfo) -> str:
    if event.pay_plan_code:
        where = f"named on {event.key.source_type.value} {event.key.source_id}"
        code = event.pay_plan_code
    else:
        where = f"the default of customer assignment {assignment.id}"
        code = assignment.pay_plan_code or ""
    return (
        f"pay plan {code} ({where}) is not in the catalog: add it in Catalog → Pay plans "
        "or correct the ATS record"
    )
