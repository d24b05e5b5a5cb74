"""Fee realization: what each ATS event should be worth, as a value.

Evaluation is pure: an event plus the catalog and the Billto tree give a
``DesiredFee`` (amount, terms and installments), ``Blocked`` (with a reason a
person can act on) or ``NotBillable`` (the event no longer bills: how the
fee must go away). Writing the outcome is ``billing.convergence``'s job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import islice

from ats.records import AtsPlacement, AtsServiceFee, AtsTimecard
from billing.assignments import BillTo
from billing.billtos import BilltoTree
from billing.catalog.models import Pricing
from billing.catalog.snapshot import AssignmentInfo, CatalogSnapshot, ProductInfo
from billing.coverage import Coverage
from billing.fees import SourceType, occurrence_key
from billing.money import is_known_currency
from billing.pay_plans import FULL_ON_EVENT, PlanLine, ScheduledAmount, split_by_pay_plan
from billing.pricing import (
    Price,
    Unpriceable,
    price_placement,
    price_service_fee,
    price_timecard,
)
from billing.schedules import Schedule, iter_occurrences
from billing.validity import placement_problem, service_fee_problem, timecard_problem

ASSIGNMENT_ACTION = "add one for this Billto (or a Billto above it) to the catalog"

# The pricings that can price each kind of event.
PLACEMENT_PRICINGS = frozenset({Pricing.PERCENTAGE, Pricing.FLAT})
TIMECARD_PRICINGS = frozenset({Pricing.HOURLY})
SERVICE_FEE_PRICINGS = frozenset({Pricing.UNIT, Pricing.FLAT})
# The most occurrences of one service fee a run realizes (a weekly fee over 96 years).
MAX_OCCURRENCES = 5000


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
    """An event that cannot be realized yet, and why.

    ``event_date`` is None when the ATS row's own date is no real date.
    """

    key: EventKey
    billto_id: int
    product_code: str | None
    event_date: dt.date | None
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
    problem = placement_problem(placement)
    if problem is not None:
        event_date = None if _is_defective(placement, "start_date") else placement.start_date
        return Blocked(key, placement.billto_id, placement.product_code, event_date, problem,
                       placement.updated_at)  # fmt: skip
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
    problem = timecard_problem(card)
    if problem is not None:
        event_date = None if _is_defective(card, "week_ending") else card.week_ending
        billto_id = placement.billto_id if placement is not None else 0
        return Blocked(key, billto_id, None, event_date, problem, card.updated_at)
    if card.status != "approved":
        reason = f"time card {card.id} is {card.status}, not approved"
        return NotBillable(key, Removal.ZERO, reason, card.updated_at)
    if placement is None:
        reason = f"time card {card.id} belongs to placement {card.placement_id}, not in the ATS"
        return Blocked(key, 0, None, card.week_ending, reason, card.updated_at)
    problem = placement_problem(placement)
    if problem is not None:
        reason = f"time card {card.id} cannot be billed: {problem}"
        return Blocked(key, placement.billto_id, placement.product_code, card.week_ending,
                       reason, card.updated_at)  # fmt: skip
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
    """One evaluation per occurrence due by the as-of date.

    A fee that cannot be read as a schedule is blocked as a whole (one entry,
    no occurrence), and so is one with more than ``MAX_OCCURRENCES`` due: an
    as-of date or a created date centuries away must not make a run list
    (or bill) tens of thousands of occurrences.
    """
    key = EventKey(SourceType.SERVICE_FEE, fee.id)
    problem = service_fee_problem(fee)
    if problem is not None:
        event_date = None if _is_defective(fee, "created_date") else fee.created_date
        return [Blocked(key, fee.billto_id, fee.product_code, event_date, problem,
                        fee.updated_at)]  # fmt: skip
    schedule = Schedule(fee.schedule)
    if _has_too_many_occurrences(fee, schedule, context.as_of):
        reason = (
            f"service fee {fee.id} would have more than {MAX_OCCURRENCES} occurrences by "
            f"{context.as_of}: give it a schedule_end_date in the ATS, or realize with an "
            "earlier --as-of"
        )
        return [Blocked(key, fee.billto_id, fee.product_code, fee.created_date, reason,
                        fee.updated_at)]  # fmt: skip
    scheduled = schedule is not Schedule.ONE_TIME
    return [
        _evaluate_occurrence(fee, day if scheduled else None, day, context)
        for day in _occurrences_of(fee, schedule, context.as_of)
    ]


def _has_too_many_occurrences(fee: AtsServiceFee, schedule: Schedule, as_of: dt.date) -> bool:
    due = islice(_occurrences_of(fee, schedule, as_of), MAX_OCCURRENCES + 1)
    return sum(1 for _day in due) > MAX_OCCURRENCES


def _is_defective(record: AtsPlacement | AtsTimecard | AtsServiceFee, column: str) -> bool:
    """Whether the record's ``column`` holds a stand-in for a value that is no real date."""
    return any(defect.column == column for defect in record.defects)


def _occurrences_of(fee: AtsServiceFee, schedule: Schedule, as_of: dt.date) -> Iterator[dt.date]:
    return iter_occurrences(
        fee.created_date,
        schedule,
        as_of=as_of,
        end=fee.schedule_end_date,
        cancelled_on=fee.cancelled_on,
    )


def is_occurrence_gone(fee: AtsServiceFee, occurrence: dt.date | None, as_of: dt.date) -> bool:
    """Whether a realized occurrence that this run did not evaluate no longer exists.

    An occurrence after the as-of date still stands if the schedule still has
    it (a run with an earlier as-of date must not cancel it); one on or before
    the as-of date that was not evaluated is gone (cancelled, ended, or the
    schedule changed).
    """
    if service_fee_problem(fee) is not None:
        return False  # blocked until the ATS row is fixed: leave realized fees alone
    schedule = Schedule(fee.schedule)
    if _has_too_many_occurrences(fee, schedule, as_of):
        return False  # blocked as a whole: leave realized fees alone
    if (occurrence is None) != (schedule is Schedule.ONE_TIME):
        return True
    day = occurrence or fee.created_date
    if day <= as_of:
        return True
    still = islice(_occurrences_of(fee, schedule, day), MAX_OCCURRENCES + 1)
    return day not in set(still)


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
    broken = context.billtos.broken_link(event.billto_id)
    if broken is not None:
        return blocked(f"{context.billtos.describe(event.billto_id)} cannot be invoiced: {broken}")
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
    plan = _pay_plan(event, assignment, context)
    if isinstance(plan, str):
        return blocked(plan, product.code)
    return _desired(event, context, product, assignment, priced, plan)


def _pay_plan(
    event: _Event, assignment: AssignmentInfo, context: RealizationContext
) -> tuple[str | None, Sequence[PlanLine]] | str:
    """The event's pay plan (code and lines), or why it cannot be split by it."""
    plan_code = event.pay_plan_code or assignment.pay_plan_code
    lines = context.catalog.pay_plans.get(plan_code) if plan_code else FULL_ON_EVENT
    if lines is None:
        return _missing_plan_reason(event, assignment)
    due_days = context.catalog.terms_due_days.get(assignment.terms_code, 0)
    beyond = _beyond_the_calendar(event, plan_code, lines, assignment.terms_code, due_days)
    return (plan_code, lines) if beyond is None else beyond


def _product(
    event: _Event, context: RealizationContext, pricings: frozenset[Pricing]
) -> ProductInfo | str:
    """The event's product, or why there is none (or why it cannot price this event)."""
    if event.product_code:
        product = context.catalog.products.get(event.product_code)
        if product is None:
            return (
                f"product {event.product_code} is not in the catalog: add it to the catalog "
                "or correct the ATS record"
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


def _beyond_the_calendar(
    event: _Event,
    plan_code: str | None,
    lines: Sequence[PlanLine],
    terms_code: str,
    due_days: int,
) -> str | None:
    """Why an installment or its invoice's due date would not be a date (None: all are).

    A start date of 9999-12-01 with a 90-day plan, or an offset of 2**31 days
    stored before import bounded them, would otherwise stop the whole run.
    """
    offsets = [line.days_from_event for line in lines]
    first = event.event_date.toordinal() + min(offsets)
    last = event.event_date.toordinal() + max(offsets) + due_days
    if first >= 1 and last <= dt.date.max.toordinal():
        return None
    return (
        f"{event.key.source_type.value.replace('_', ' ')} {event.key.source_id} dated "
        f"{event.event_date} cannot be split: pay plan {plan_code or 'in full on the event date'} "
        f"(installments {min(offsets)} to {max(offsets)} days after the event) and terms "
        f"{terms_code} ({due_days} days) put a date outside {dt.date.min} to {dt.date.max}: "
        "correct the date in the ATS, or the pay plan or terms in the catalog"
    )


def _desired(
    event: _Event,
    context: RealizationContext,
    product: ProductInfo,
    assignment: AssignmentInfo,
    priced: Price,
    plan: tuple[str | None, Sequence[PlanLine]],
) -> DesiredFee:
    """The desired fee under the pay plan ``plan`` (its code and lines)."""
    plan_code, lines = plan
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
        f"pay plan {code} ({where}) is not in the catalog: add it to the catalog "
        "or correct the ATS record"
    )
