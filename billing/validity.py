"""Whether an ATS row's values can be billed at all, before any price is looked up.

``ats_schema.sql`` names the values each status and type column may hold;
a value spelled any other way (``'CANCELLED'``, ``'Direct_Hire'``) is not
guessed at, because a guess bills a fee the agency may not be owed. Nor are
negative salaries, quantities or hours, dates that are no real date, or a
schedule that ends before it starts. Each problem is a sentence naming the
row, the field and what to do.
"""

from __future__ import annotations

from decimal import Decimal

from ats.records import AtsPlacement, AtsServiceFee, AtsTimecard, Defect
from billing.schedules import Schedule

PLACEMENT_TYPES = ("direct_hire", "contract")
PLACEMENT_STATUSES = ("active", "ended", "cancelled", "fell_off")
TIMECARD_STATUSES = ("draft", "submitted", "approved", "rejected")
FIX = "correct it in the ATS"


def placement_problem(placement: AtsPlacement) -> str | None:
    """Why the placement's row cannot be billed as it stands (None: it can)."""
    where = f"placement {placement.id}"
    return (
        _defect(where, placement.defects)
        or _unknown(where, "placement_type", placement.placement_type, PLACEMENT_TYPES)
        or _unknown(where, "status", placement.status, PLACEMENT_STATUSES)
        or _negative(where, "base_salary", placement.base_salary)
        or _negative(where, "ote", placement.ote)
        or _negative(where, "bill_rate", placement.bill_rate)
        or _negative(where, "overtime_bill_rate", placement.overtime_bill_rate)
        or _negative(where, "doubletime_bill_rate", placement.doubletime_bill_rate)
    )


def timecard_problem(card: AtsTimecard) -> str | None:
    """Why the time card's row cannot be billed as it stands (None: it can).

    Zero hours are a legitimate correction; a negative hour was never worked.
    """
    where = f"time card {card.id}"
    return (
        _defect(where, card.defects)
        or _unknown(where, "status", card.status, TIMECARD_STATUSES)
        or _negative(where, "regular_hours", card.regular_hours)
        or _negative(where, "overtime_hours", card.overtime_hours)
        or _negative(where, "doubletime_hours", card.doubletime_hours)
    )


def service_fee_problem(fee: AtsServiceFee) -> str | None:
    """Why the service fee's row cannot be billed as it stands (None: it can)."""
    where = f"service fee {fee.id}"
    schedules = tuple(s.value for s in Schedule)
    return (
        _defect(where, fee.defects)
        or _unknown(where, "schedule", fee.schedule, schedules)
        or _negative(where, "quantity", fee.quantity)
        or _ends_before_start(fee)
    )


def _defect(where: str, defects: tuple[Defect, ...]) -> str | None:
    if not defects:
        return None
    return f"{where} has {'; '.join(str(d) for d in defects)}: {FIX}"


def _unknown(where: str, column: str, value: str, allowed: tuple[str, ...]) -> str | None:
    if value in allowed:
        return None
    return f"{where} has {column} {value!r}, which is not one of {', '.join(allowed)}: {FIX}"


def _negative(where: str, column: str, value: Decimal | None) -> str | None:
    if value is None or value >= 0:
        return None
    return f"{where} has a negative {column} ({value}): {FIX}"


def _ends_before_start(fee: AtsServiceFee) -> str | None:
    end = fee.schedule_end_date
    if end is None or end >= fee.created_date:
        return None
    return (
        f"service fee {fee.id} has schedule_end_date {end}, before its created_date "
        f"{fee.created_date}: {FIX}"
    )
