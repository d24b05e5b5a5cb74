"""A realistic, deterministic demo book written into an ATS database.

The book is what an agency's ATS would hold: companies with Billto
hierarchies, direct-hire and contract placements, weekly time cards in every
status (corrected and un-approved ones too), one-time and scheduled service
fees, cancellations and fall-offs, and a few events no customer assignment
covers. The same seed always writes the same rows: there is no wall clock and
one random generator drawn in a fixed order. Rows are generated and inserted
in chunks so 100,000 placements (about a million time cards) fit in memory.

This is the one writer of ``ats_*`` tables, and it refuses to touch an ATS
that holds rows it did not write.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Connection, Engine
from tqdm import tqdm

from ats import tables
from ats.demo_catalog import DemoCompany, demo_catalog_yaml
from ats.demo_names import (
    COMPANY_STEMS,
    COMPANY_SUFFIXES,
    CONTRACT_TITLES,
    DEPARTMENTS,
    DIRECT_HIRE_TITLES,
    DIVISIONS,
    FIRST_NAMES,
    LAST_NAMES,
    PLACES,
)
from backoffice.errors import NeedsUserAction

logger = logging.getLogger(__name__)

AS_OF = dt.date(2024, 6, 30)  # the book's "today": nothing is dated after it
BOOK_START = dt.date(2023, 1, 2)
DIRECT_HIRE_SHARE = 0.67  # the rest are contract placements, about 10 time cards per placement
CHUNK = 2000  # placements generated and inserted per round
CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")

RETAINER_SCHEDULES = ("weekly", "quarterly", "annually")
_FIRST_FEES = (
    ("pmo", "monthly"),
    ("adhoc", "one_time"),
    ("check", "one_time"),
    *(("retainer", schedule) for schedule in RETAINER_SCHEDULES),
)

_marker_metadata = MetaData()
demo_marker = Table(
    "backoffice_demo_book",
    _marker_metadata,
    Column("id", Integer, primary_key=True),
    Column("description", String(200), nullable=False),
)


@dataclass(frozen=True)
class DemoBookOptions:
    """How big a book to write, and from which seed."""

    placements: int = 200
    seed: int = 42


@dataclass
class DemoBook:
    """What was written, and the demo catalog that goes with it."""

    billto_ids: set[int]
    catalog_yaml: str
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """One line a person reads after ``backoffice demo-data``."""
        parts = ", ".join(f"{count} {name}" for name, count in self.counts.items())
        return f"Demo book written to the ATS: {parts} (dated up to {AS_OF})."


@dataclass(frozen=True)
class _Billto:
    id: int
    company: int
    currency: str


def write_demo_book(engine: Engine, options: DemoBookOptions, *, progress: bool) -> DemoBook:
    """Replace the ATS content with the demo book, in one transaction."""
    rng = random.Random(options.seed)
    _refuse_foreign_rows(engine)
    tables.ats_metadata.create_all(engine)
    _marker_metadata.create_all(engine)
    with engine.begin() as connection:
        _clear_previous_book(connection)
        companies, billtos = _write_companies(connection, rng, options.placements)
        counts = _write_placements(connection, rng, billtos, options.placements, progress)
        counts["service fees"] = _write_service_fees(connection, rng, billtos, options.placements)
        connection.execute(insert(demo_marker), [{"id": 1, "description": f"seed {options.seed}"}])
    counts = {"companies": len(companies), "Billtos": len(billtos), **counts}
    return DemoBook({b.id for b in billtos}, demo_catalog_yaml(companies), counts)


def _refuse_foreign_rows(engine: Engine) -> None:
    """Stop when the ATS holds rows demo-data did not write, before anything is created.

    Checked before the tables are created, so a refusal leaves the database as it was.
    """
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        has_rows = any(_has_rows(connection, t) for t in tables.ALL_TABLES if t.name in present)
        is_ours = demo_marker.name in present and _has_rows(connection, demo_marker)
    if has_rows and not is_ours:
        raise NeedsUserAction(
            "ats_not_empty",
            "The ATS database already holds rows that demo-data did not write; "
            "it will not overwrite them.",
            "Point BACKOFFICE_ATS_DATABASE_URL at an empty database for the demo.",
        )


def _has_rows(connection: Connection, table: Table) -> bool:
    return bool(connection.scalar(select(func.count()).select_from(table)))


def _clear_previous_book(connection: Connection) -> None:
    """Delete the previous demo book (``_refuse_foreign_rows`` has checked it is one)."""
    for table in (*reversed(tables.ALL_TABLES), demo_marker):
        connection.execute(delete(table))


def _stamp(day: dt.date, seconds: int) -> dt.datetime:
    """A deterministic updated_at on ``day``, spread over the working day."""
    return dt.datetime.combine(day, dt.time(9)) + dt.timedelta(seconds=seconds % 28_800)


def _write_companies(
    connection: Connection, rng: random.Random, placements: int
) -> tuple[list[DemoCompany], list[_Billto]]:
    companies: list[DemoCompany] = []
    billto_rows: list[dict[str, Any]] = []
    for index in range(max(4, placements // 40)):
        currency = rng.choices(("USD", "CAD", "GBP"), weights=(6, 2, 2))[0]
        name = _company_name(index)
        company_id = index + 1
        connection.execute(
            insert(tables.company),
            [{"id": company_id, "name": name, "updated_at": _stamp(dt.date(2022, 12, 1), index)}],
        )
        rows = _billto_tree(rng, company_id, name, currency, first_id=100 + len(billto_rows))
        billto_rows.extend(rows)
        companies.append(DemoCompany(index, rows[0]["id"], rows[1]["id"], currency))
    connection.execute(insert(tables.billto), billto_rows)
    billtos = [_Billto(r["id"], r["company_id"] - 1, r["currency"]) for r in billto_rows]
    return companies, billtos


def _company_name(index: int) -> str:
    stem = COMPANY_STEMS[index % len(COMPANY_STEMS)]
    suffix = COMPANY_SUFFIXES[(index // len(COMPANY_STEMS)) % len(COMPANY_SUFFIXES)]
    rounds = index // (len(COMPANY_STEMS) * len(COMPANY_SUFFIXES))
    return f"{stem} {suffix}" + (f" {rounds + 1}" if rounds else "")


def _billto_tree(
    rng: random.Random, company_id: int, name: str, currency: str, first_id: int
) -> list[dict[str, Any]]:
    """The company's Billto, 1-3 divisions under it, 0-2 departments under each."""
    country, cities = PLACES[currency]
    slug = "".join(ch for ch in name.lower() if ch.isalnum())
    rows: list[dict[str, Any]] = []

    def add(parent: int | None, label: str, level: str) -> int:
        city, region, postal = rng.choice(cities)
        billto_id = first_id + len(rows)
        rows.append(
            {
                "id": billto_id,
                "company_id": company_id,
                "parent_id": parent,
                "name": label,
                "level": level,
                "email": None if rng.random() < 0.03 else f"ap-{billto_id}@{slug}.example",
                "address_line1": f"{rng.randint(1, 999)} Market Street",
                "city": city,
                "region": region,
                "postal_code": postal,
                "country": country,
                "currency": currency,
                "active": 0 if level != "company" and rng.random() < 0.02 else 1,
                "updated_at": _stamp(dt.date(2022, 12, 1), billto_id),
            }
        )
        return billto_id

    top = add(None, name, "company")
    for division in rng.sample(DIVISIONS, rng.randint(1, 3)):
        division_id = add(top, f"{name} {division}", "division")
        for department in rng.sample(DEPARTMENTS, rng.randint(0, 2)):
            add(division_id, f"{name} {division} {department}", "department")
    return rows


def _write_placements(
    connection: Connection,
    rng: random.Random,
    billtos: list[_Billto],
    count: int,
    progress: bool,
) -> dict[str, int]:
    timecard_ids = iter(range(1, 1 << 40))
    written = {"placements": 0, "time cards": 0}
    with tqdm(total=count, disable=not progress, unit="placement") as bar:
        for start in range(1, count + 1, CHUNK):
            ids = range(start, min(start + CHUNK, count + 1))
            placements = [_placement(rng, pid, rng.choice(billtos)) for pid in ids]
            cards = [c for p in placements for c in _timecards(rng, p, timecard_ids)]
            connection.execute(insert(tables.placement), placements)
            if cards:
                connection.execute(insert(tables.timecard), cards)
            written["placements"] += len(placements)
            written["time cards"] += len(cards)
            bar.update(len(placements))
            if not progress:
                logger.info("demo book: %d of %d placements written", written["placements"], count)
    return written


def _placement(rng: random.Random, placement_id: int, billto: _Billto) -> dict[str, Any]:
    start = BOOK_START + dt.timedelta(days=rng.randint(0, (AS_OF - BOOK_START).days))
    row: dict[str, Any] = {
        "id": placement_id,
        "billto_id": billto.id,
        "currency": billto.currency,
        "candidate_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        "start_date": start,
        "end_date": None,
        "fell_off_date": None,
        "base_salary": None,
        "ote": None,
        "product_code": None,
        "pay_plan_code": None,
        "bill_rate": None,
        "overtime_bill_rate": None,
        "doubletime_bill_rate": None,
        "po_number": f"PO-{rng.randint(1000, 9999)}" if rng.random() < 0.1 else None,
        "updated_at": _stamp(start - dt.timedelta(days=rng.randint(5, 30)), placement_id),
    }
    if rng.random() < DIRECT_HIRE_SHARE:
        row.update(_direct_hire(rng, start))
    else:
        row.update(_contract(rng, start))
    return row


def _direct_hire(rng: random.Random, start: dt.date) -> dict[str, Any]:
    product = rng.choices(("STD_DH", "EXEC_DH", "FLAT_DH"), weights=(60, 25, 15))[0]
    salary = Decimal(rng.randrange(60_000, 250_001, 500))
    has_ote = product == "EXEC_DH" or rng.random() < 0.3
    ote = (
        (salary * Decimal(rng.randint(110, 150)) / 100).quantize(Decimal(1000)) if has_ote else None
    )
    plan = rng.choices(
        (None, "SPLIT_50_50_D1_D90", "FULL_DAY1", "THIRDS_D0_D30_D60", "LEGACY_PLAN"),
        weights=(50, 25, 15, 9.5, 0.5),
    )[0]
    status = rng.choices(("active", "ended", "cancelled", "fell_off"), weights=(85, 5, 5, 5))[0]
    return {
        "placement_type": "direct_hire",
        "job_title": rng.choice(DIRECT_HIRE_TITLES),
        "status": status,
        "product_code": product,
        "pay_plan_code": plan,
        "base_salary": salary.quantize(CENT),
        "ote": ote.quantize(CENT) if ote else None,
        "end_date": _past_day(rng, start, 200, 400) if status == "ended" else None,
        "fell_off_date": _past_day(rng, start, 10, 85) if status == "fell_off" else None,
    }


def _past_day(rng: random.Random, start: dt.date, low: int, high: int) -> dt.date:
    """A day ``low`` to ``high`` days after ``start``, but never after the book's today.

    An ended or fell-off placement has already ended, so its date is not in the future.
    """
    return min(start + dt.timedelta(days=rng.randint(low, high)), AS_OF)


def _contract(rng: random.Random, start: dt.date) -> dict[str, Any]:
    bill_rate = Decimal(rng.randint(4500, 18000)) / 100
    end = start + dt.timedelta(weeks=rng.randint(8, 104))
    return {
        "placement_type": "contract",
        "job_title": rng.choice(CONTRACT_TITLES),
        "status": "ended" if end <= AS_OF else "active",
        "end_date": end,
        "product_code": "CONTRACT_HOURS",
        "bill_rate": bill_rate.quantize(RATE_PLACES),
        "overtime_bill_rate": None
        if rng.random() < 0.02
        else (bill_rate * Decimal("1.5")).quantize(RATE_PLACES),
        "doubletime_bill_rate": None
        if rng.random() < 0.04
        else (bill_rate * 2).quantize(RATE_PLACES),
    }


def _timecards(
    rng: random.Random, placement: dict[str, Any], ids: Iterator[int]
) -> list[dict[str, Any]]:
    if placement["placement_type"] != "contract":
        return []
    week = placement["start_date"] + dt.timedelta(days=(6 - placement["start_date"].weekday()))
    last = min(placement["end_date"], AS_OF)
    cards = []
    while week <= last:
        cards.append(_timecard(rng, next(ids), placement["id"], week))
        week += dt.timedelta(weeks=1)
    return cards


def _timecard(rng: random.Random, card_id: int, placement_id: int, week: dt.date) -> dict[str, Any]:
    """One week; recent weeks are still in flight, older ones mostly approved."""
    recent = (AS_OF - week).days < 14
    kinds = (
        ("draft", "submitted", "approved")
        if recent
        else ("approved", "rejected", "corrected", "unapproved", "submitted")
    )
    weights = (3, 4, 3) if recent else (92, 3, 2, 2, 1)
    kind = rng.choices(kinds, weights=weights)[0]
    submitted = _stamp(week + dt.timedelta(days=1), card_id)
    approved_at = (
        submitted + dt.timedelta(days=1)
        if kind in ("approved", "corrected", "unapproved")
        else None
    )
    regular = Decimal(rng.choice(("40", "40", "40", "37.5", "32", "24")))
    overtime = Decimal(rng.randint(1, 20)) / 2 if rng.random() < 0.2 else Decimal(0)
    doubletime = Decimal(rng.randint(1, 8)) / 2 if rng.random() < 0.05 else Decimal(0)
    updated = approved_at or submitted
    if kind in ("corrected", "unapproved"):
        updated = submitted + dt.timedelta(days=5)
        regular -= Decimal(8) if kind == "corrected" else 0
    return {
        "id": card_id,
        "placement_id": placement_id,
        "week_ending": week,
        "status": {"corrected": "approved", "unapproved": "submitted"}.get(kind, kind),
        "approved_at": approved_at,
        "regular_hours": regular.quantize(CENT),
        "overtime_hours": overtime.quantize(CENT),
        "doubletime_hours": doubletime.quantize(CENT),
        "updated_at": updated,
    }


def _write_service_fees(
    connection: Connection, rng: random.Random, billtos: list[_Billto], placements: int
) -> int:
    rows = [
        _service_fee(rng, fee_id, rng.choice(billtos))
        for fee_id in range(1, max(8, placements // 10) + 1)
    ]
    connection.execute(insert(tables.service_fee), rows)
    return len(rows)


def _service_fee(rng: random.Random, fee_id: int, billto: _Billto) -> dict[str, Any]:
    created = BOOK_START + dt.timedelta(days=rng.randint(0, (AS_OF - BOOK_START).days))
    kind, schedule = _fee_kind(rng, fee_id)
    row: dict[str, Any] = {
        "id": fee_id,
        "billto_id": billto.id,
        "currency": billto.currency,
        "created_date": created,
        "quantity": Decimal(1),
        "unit_price": None,
        "schedule": schedule,
        "schedule_end_date": None,
        "cancelled_on": None,
        "description": None,
        "updated_at": _stamp(created, fee_id),
    }
    if kind == "pmo":
        row.update(product_code="PMO_FEE", description="Program management")
        if rng.random() < 0.2:
            row["cancelled_on"] = created + dt.timedelta(days=rng.randint(40, 300))
    elif kind == "retainer":
        row.update(
            product_code="PMO_FEE",
            description="Retained search retainer",
            schedule_end_date=created + dt.timedelta(days=rng.randint(60, 500)),
        )
    elif kind == "adhoc":
        row.update(
            product_code="ADHOC_FEE",
            description="Relocation support",
            unit_price=(Decimal(rng.randint(35_000, 500_000)) / 100).quantize(CENT),
        )
    else:
        row.update(
            product_code="BACKGROUND_CHECK",
            description="Background checks",
            quantity=Decimal(rng.randint(1, 5)),
        )
    return row


def _fee_kind(rng: random.Random, fee_id: int) -> tuple[str, str]:
    """The kind of a service fee and its schedule.

    The first fees take every kind and schedule in turn, so even a small book
    (at least eight fees) shows each schedule; the rest are drawn at random.
    """
    if fee_id <= len(_FIRST_FEES):
        return _FIRST_FEES[fee_id - 1]
    kind = rng.choices(("pmo", "adhoc", "check", "retainer"), weights=(35, 35, 20, 10))[0]
    if kind == "retainer":
        return kind, rng.choice(RETAINER_SCHEDULES)
    return kind, "monthly" if kind == "pmo" else "one_time"
