"""Drivers of the realization services for the rule tests, and readable views of their results.

Installments read as (seq, ISO date, amount, status) with the amount as its
exact digits, so a rule's figures are checked to the currency's minor unit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import yaml

from backoffice.runtime import Runtime
from services.catalog import import_catalog_bytes
from services.fees import BlockedView, FeeView, list_blocked, list_fees
from services.realization import realize
from tests.billing.realization_helpers import ZERO_SUMMARY
from tests.support.product_files import EXAMPLE_CATALOG

AS_OF = dt.date(2023, 12, 31)


def realize_counts(runtime: Runtime, as_of: dt.date = AS_OF) -> dict[str, int]:
    """One realization run through ``as_of``; its counts (``new``, ``changed``, ...)."""
    return realize(runtime, as_of, wait_seconds=0).counts


def import_catalog(runtime: Runtime, data: dict[str, Any]) -> None:
    """Import ``data`` as a catalog file's content."""
    import_catalog_bytes(runtime, yaml.safe_dump(data, sort_keys=False).encode())


def example_catalog() -> dict[str, Any]:
    """The example catalog as plain data, to change and import."""
    return yaml.safe_load(EXAMPLE_CATALOG.read_text(encoding="utf-8"))


def catalog_with(*extra: dict[str, Any], replace: bool = False) -> dict[str, Any]:
    """The example catalog plus ``extra`` assignments (or only them, with ``replace``)."""
    data = example_catalog()
    kept = [] if replace else data["customer_assignments"]
    data["customer_assignments"] = [*kept, *extra]
    return data


def catalog_without_std_dh() -> dict[str, Any]:
    """The example catalog less its STD_DH assignment: the seed placement is uncovered."""
    data = example_catalog()
    data["customer_assignments"] = [
        a for a in data["customer_assignments"] if a["product"] != "STD_DH"
    ]
    return data


def fee_of(runtime: Runtime, source_type: str, source_id: int) -> FeeView:
    """The one fee realized from this source (no occurrence)."""
    (fee,) = [
        f for f in list_fees(runtime) if (f.source_type, f.source_id) == (source_type, source_id)
    ]
    return fee


def blocked_of(runtime: Runtime, source_type: str, source_id: int) -> list[BlockedView]:
    """The blocked events of one source."""
    return [
        b for b in list_blocked(runtime) if (b.source_type, b.source_id) == (source_type, source_id)
    ]


def occurrences_of(runtime: Runtime, service_fee: int) -> list[tuple[str | None, str, str]]:
    """A service fee's realized fees as (occurrence ISO date or None, amount, status)."""
    return [
        (f.occurrence.isoformat() if f.occurrence else None, str(f.amount), f.status)
        for f in list_fees(runtime)
        if (f.source_type, f.source_id) == ("service_fee", service_fee)
    ]


def by_occurrence(runtime: Runtime, service_fee: int) -> dict[str, FeeView]:
    """A scheduled service fee's realized fees by ISO occurrence date."""
    return {
        f.occurrence.isoformat(): f
        for f in list_fees(runtime)
        if f.source_id == service_fee and f.occurrence is not None
    }


def installments(fee: FeeView) -> list[tuple[int, str, str, str]]:
    """A fee's installments as (seq, ISO effective date, amount, status)."""
    return [
        (i.seq, i.effective_date.isoformat(), str(i.amount), i.status) for i in fee.installments
    ]


def amounts(fee: FeeView) -> list[str]:
    """A fee's installment amounts, in sequence."""
    return [str(i.amount) for i in fee.installments]


def statuses(fee: FeeView) -> list[str]:
    """A fee's installment statuses, in sequence."""
    return [i.status for i in fee.installments]


def standing_total(fee: FeeView) -> Decimal:
    """What the fee's installments add up to, cancelled ones aside."""
    return sum((i.amount for i in fee.installments if i.status != "cancelled"), Decimal(0))


def assert_rerun_changes_nothing(runtime: Runtime, as_of: dt.date = AS_OF) -> None:
    """An immediate second run is a no-op: no new/changed/cancelled, identical fee list."""
    before = list_fees(runtime)
    counts = realize_counts(runtime, as_of)
    assert {k: counts[k] for k in ZERO_SUMMARY} == ZERO_SUMMARY, counts
    assert list_fees(runtime) == before
