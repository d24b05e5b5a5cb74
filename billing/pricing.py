"""Fee amounts: what an event is worth under its product and assignment.

percentage: rate percent of the placement's base salary or OTE; flat: a fixed
amount; unit: unit price times quantity; hourly: hours times the placement's
bill rates. An assignment's price override wins over the catalog price, and a
service fee's own unit price wins over both. Every amount is rounded half up
to the currency's minor unit here, once. A value that is missing is a
reason the fee is blocked, never a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ats.records import AtsPlacement, AtsServiceFee, AtsTimecard
from billing.catalog.models import Basis, Pricing
from billing.catalog.snapshot import AssignmentInfo, ProductInfo
from billing.money import plain, quantize

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Price:
    """A computed amount and the inputs a person needs to check it."""

    amount: Decimal
    inputs: dict[str, str]


@dataclass(frozen=True)
class Unpriceable:
    """Why an amount cannot be computed, in words a person can act on."""

    reason: str


def price_placement(
    placement: AtsPlacement, product: ProductInfo, assignment: AssignmentInfo
) -> Price | Unpriceable:
    """A direct-hire placement's fee: a percentage of salary or OTE, or a flat amount.

    The caller has checked that the product is priced percentage or flat.
    """
    if product.pricing is Pricing.FLAT:
        return _flat(product, assignment, placement.currency)
    return _percentage_of_placement(placement, product, assignment)


def _percentage_of_placement(
    placement: AtsPlacement, product: ProductInfo, assignment: AssignmentInfo
) -> Price | Unpriceable:
    basis = Basis(product.basis or Basis.BASE_SALARY)
    value = placement.ote if basis is Basis.OTE else placement.base_salary
    if value is None:
        return Unpriceable(
            f"placement {placement.id} has no {basis.value}, which product {product.code} "
            f"is a percentage of: enter it in the ATS"
        )
    rate = assignment.price_rate if assignment.price_rate is not None else product.rate
    if rate is None:
        return Unpriceable(f"product {product.code} has no rate")
    amount = quantize(value * rate / HUNDRED, placement.currency)
    return Price(amount, {basis.value: str(value), "rate": plain(rate)})


def _flat(product: ProductInfo, assignment: AssignmentInfo, currency: str) -> Price | Unpriceable:
    """A fixed amount per event: the assignment's negotiated one, else the catalog's."""
    amount = assignment.price_amount if assignment.price_amount is not None else product.amount
    if amount is None:
        return Unpriceable(f"product {product.code} has no flat amount")
    return Price(quantize(amount, currency), {"flat_amount": str(amount)})


HOUR_TYPES = (
    ("regular", "regular_hours", "bill_rate"),
    ("overtime", "overtime_hours", "overtime_bill_rate"),
    ("doubletime", "doubletime_hours", "doubletime_bill_rate"),
)


def price_timecard(card: AtsTimecard, placement: AtsPlacement) -> Price | Unpriceable:
    """Hours times bill rates by hour type; hours without a rate block the time card."""
    total = Decimal(0)
    inputs: dict[str, str] = {}
    for label, hours_field, rate_field in HOUR_TYPES:
        hours: Decimal = getattr(card, hours_field)
        if hours == 0:
            continue
        rate: Decimal | None = getattr(placement, rate_field)
        if rate is None:
            return Unpriceable(
                f"time card {card.id} has {hours} {label} hours but placement {placement.id} "
                f"has no {rate_field}: enter the rate in the ATS"
            )
        total += hours * rate
        inputs[f"{label}_hours"] = str(hours)
        inputs[f"{label}_rate"] = str(rate)
    return Price(quantize(total, placement.currency), inputs)


def price_service_fee(
    fee: AtsServiceFee, product: ProductInfo, assignment: AssignmentInfo
) -> Price | Unpriceable:
    """Quantity times unit price (the fee's own, else the assignment's, else the catalog's).

    The caller has checked that the product is priced unit or flat.
    """
    if product.pricing is Pricing.FLAT:
        return _flat(product, assignment, fee.currency)
    unit_price = next(
        (
            p
            for p in (fee.unit_price, assignment.price_unit_price, product.unit_price)
            if p is not None
        ),
        None,
    )
    if unit_price is None:
        return Unpriceable(
            f"service fee {fee.id} has no unit price and product {product.code} none"
        )
    amount = quantize(fee.quantity * unit_price, fee.currency)
    return Price(amount, {"quantity": plain(fee.quantity), "unit_price": str(unit_price)})
