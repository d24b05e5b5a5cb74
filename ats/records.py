"""Plain, frozen views of ATS rows: what the rest of the service reads.

Money and hours are exact ``Decimal`` on every database; booleans are bool.
No ORM row leaves the ``ats`` package. A date or timestamp the ATS stored but
that is no real date (SQLite's ``2023-02-30``, MariaDB's ``0000-00-00``) does
not stop the read: the record carries a stand-in value and names the field in
``defects``, and whoever bills from the record must refuse it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Defect:
    """A stored value that is no real date or time (``'0000-00-00'``, ``'2023-02-30'``)."""

    column: str
    stored: str
    expected: str  # "date" or "timestamp"

    def __str__(self) -> str:
        return f"{self.column} {self.stored!r} is not a valid {self.expected}"


@dataclass(frozen=True)
class AtsCompany:
    """A customer company."""

    id: int
    name: str
    updated_at: dt.datetime
    defects: tuple[Defect, ...] = ()


@dataclass(frozen=True)
class AtsBillto:
    """An invoiceable entity of a company; ``parent_id`` is None at the top."""

    id: int
    company_id: int
    parent_id: int | None
    name: str
    level: str
    email: str | None
    address_line1: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    currency: str
    active: bool
    updated_at: dt.datetime
    defects: tuple[Defect, ...] = ()


@dataclass(frozen=True)
class AtsPlacement:
    """A candidate hired for a Billto: direct hire (one fee) or contract (time cards)."""

    id: int
    billto_id: int
    candidate_name: str
    job_title: str
    placement_type: str
    status: str
    start_date: dt.date
    end_date: dt.date | None
    fell_off_date: dt.date | None
    currency: str
    base_salary: Decimal | None
    ote: Decimal | None
    product_code: str | None
    pay_plan_code: str | None
    bill_rate: Decimal | None
    overtime_bill_rate: Decimal | None
    doubletime_bill_rate: Decimal | None
    po_number: str | None
    updated_at: dt.datetime
    defects: tuple[Defect, ...] = ()


@dataclass(frozen=True)
class AtsTimecard:
    """A week of hours on a contract placement; only an approved one bills."""

    id: int
    placement_id: int
    week_ending: dt.date
    status: str
    approved_at: dt.datetime | None
    regular_hours: Decimal
    overtime_hours: Decimal
    doubletime_hours: Decimal
    updated_at: dt.datetime
    defects: tuple[Defect, ...] = ()


@dataclass(frozen=True)
class AtsServiceFee:
    """A non-placement fee: one-time, or recurring on a schedule."""

    id: int
    billto_id: int
    product_code: str
    description: str | None
    quantity: Decimal
    unit_price: Decimal | None
    currency: str
    created_date: dt.date
    schedule: str
    schedule_end_date: dt.date | None
    cancelled_on: dt.date | None
    updated_at: dt.datetime
    defects: tuple[Defect, ...] = ()
