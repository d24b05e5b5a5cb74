"""Factories for ATS rows and drivers for `realize` / `fees` through the CLI.

Every factory states sensible defaults and takes keyword overrides, so a test
names only the fields its rule is about. Like a real ATS, every insert and
update moves ``updated_at`` past every value already in the ATS tables
(unless a test passes a later ``updated_at`` of its own, which is checked).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.engine import Engine

from ats import tables
from billing.fees import FeeRevision
from tests.support.product_files import EXAMPLE_CATALOG

AS_OF = "2023-12-31"
STEP = dt.timedelta(hours=1)
FIRST_IDS = {"ats_billto": 120, "ats_placement": 5002, "ats_timecard": 9001,
             "ats_service_fee": 7001}  # fmt: skip
ZERO_SUMMARY = {"new": 0, "changed": 0, "cancelled": 0}
LATER = "2030-12-31"  # a day after every event of the examples


# ATS rows


def newest_updated_at(engine: Engine) -> dt.datetime:
    """The latest ``updated_at`` in any ATS table."""
    with engine.connect() as connection:
        values = [
            connection.scalar(select(func.max(table.c.updated_at))) for table in tables.ALL_TABLES
        ]
    return max(v for v in values if v is not None)


def _stamp(engine: Engine, updated_at: dt.datetime | None) -> dt.datetime:
    """``updated_at`` for the next write: given (and later than all), or the newest plus STEP."""
    newest = newest_updated_at(engine)
    if updated_at is None:
        return newest + STEP
    assert updated_at > newest, f"updated_at {updated_at} must move past {newest}"
    return updated_at


def _next_id(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        highest = connection.scalar(select(func.max(table.c.id)))
    return max((highest or 0) + 1, FIRST_IDS[table.name])


def _insert(engine: Engine, table: Table, defaults: dict[str, Any], overrides: Any) -> int:
    row = {**defaults, **overrides}
    row.setdefault("id", _next_id(engine, table))
    row["updated_at"] = _stamp(engine, row.get("updated_at"))
    with engine.begin() as connection:
        connection.execute(insert(table).values(**row))
    return row["id"]


def insert_billto(engine: Engine, **overrides: Any) -> int:
    """A Billto under Acme Engineering (110) unless told otherwise."""
    defaults = {"company_id": 1, "parent_id": 110, "name": "Acme Robotics", "level": "department",
                "country": "US", "currency": "USD", "active": 1}  # fmt: skip
    return _insert(engine, tables.billto, defaults, overrides)


def insert_placement(engine: Engine, **overrides: Any) -> int:
    """An active direct-hire STD_DH placement for Billto 110 at 100000.00, starting 2023-07-10."""
    defaults = {
        "billto_id": 110, "candidate_name": "Alex Kim", "job_title": "Data Engineer",
        "placement_type": "direct_hire", "status": "active", "start_date": dt.date(2023, 7, 10),
        "currency": "USD", "base_salary": Decimal("100000.00"), "product_code": "STD_DH",
    }  # fmt: skip
    return _insert(engine, tables.placement, defaults, overrides)


def insert_contract_placement(engine: Engine, **overrides: Any) -> int:
    """An active contract placement billed as CONTRACT_HOURS at 85.50 / 128.25 / 171.00."""
    defaults = {
        "placement_type": "contract", "base_salary": None, "product_code": "CONTRACT_HOURS",
        "candidate_name": "Sam Ortiz", "job_title": "Contract Welder",
        "bill_rate": Decimal("85.50"), "overtime_bill_rate": Decimal("128.25"),
        "doubletime_bill_rate": Decimal("171.00"),
    }  # fmt: skip
    return insert_placement(engine, **{**defaults, **overrides})


def insert_timecard(engine: Engine, placement_id: int, **overrides: Any) -> int:
    """An approved 40-hour week ending 2023-07-16."""
    defaults = {
        "placement_id": placement_id, "week_ending": dt.date(2023, 7, 16), "status": "approved",
        "approved_at": dt.datetime(2023, 7, 17, 9, 0), "regular_hours": Decimal("40"),
        "overtime_hours": Decimal("0"), "doubletime_hours": Decimal("0"),
    }  # fmt: skip
    return _insert(engine, tables.timecard, defaults, overrides)


def insert_service_fee(engine: Engine, **overrides: Any) -> int:
    """A one-time PMO_FEE of quantity 1 for Billto 110 created 2023-08-15 (catalog price)."""
    defaults = {
        "billto_id": 110, "product_code": "PMO_FEE", "description": "Program management",
        "quantity": Decimal("1"), "unit_price": None, "currency": "USD",
        "created_date": dt.date(2023, 8, 15), "schedule": "one_time",
    }  # fmt: skip
    return _insert(engine, tables.service_fee, defaults, overrides)


def update_row(
    engine: Engine, table: Table, row_id: int, *, updated_at: dt.datetime | None = None,
    **values: Any,
) -> dt.datetime:  # fmt: skip
    """Change an ATS row the way the ATS does: ``updated_at`` moves forward. Returns it."""
    stamp = _stamp(engine, updated_at)
    with engine.begin() as connection:
        connection.execute(
            update(table).where(table.c.id == row_id).values(**values, updated_at=stamp)
        )
    return stamp


# Service rows (what invoicing will do, and what the tests read back)


def mark_invoiced(engine: Engine, fee_id: int, seq: int) -> None:
    """Simulate invoicing (not built yet): the installment becomes ``invoiced``."""
    with engine.begin() as connection:
        done = connection.execute(
            text("UPDATE fee_installment SET status = 'invoiced' WHERE fee_id = :f AND seq = :s"),
            {"f": fee_id, "s": seq},
        )
    assert done.rowcount == 1


def query(engine: Engine, sql: str, **params: Any) -> list[Any]:
    """Rows of a read-only SQL query on the service database."""
    with engine.connect() as connection:
        return list(connection.execute(text(sql), params))


def revisions(engine: Engine, fee_id: int) -> list[dict[str, Any]]:
    """A fee's revisions, oldest first, with their bases parsed."""
    table = FeeRevision.__table__
    with engine.connect() as connection:
        rows = list(
            connection.execute(select(table).where(table.c.fee_id == fee_id).order_by(table.c.id))
        )
    return [
        {
            "change": r.change,
            "reason": r.reason,
            "old": json.loads(r.old_basis) if r.old_basis else None,
            "new": json.loads(r.new_basis) if r.new_basis else None,
            "source_updated_at": r.source_updated_at,
        }
        for r in rows
    ]


# The catalog


def example_catalog(shared: Path) -> dict[str, Any]:
    """The shared example catalog as plain data, to change and import."""
    return yaml.safe_load(EXAMPLE_CATALOG.read_text(encoding="utf-8"))


def assignment(billto: int, product: str, **fields: Any) -> dict[str, Any]:
    """A customer assignment entry in effect from 2023-01-01 on NET30 terms."""
    return {"billto": billto, "product": product, "terms": "NET30",
            "effective_from": dt.date(2023, 1, 1), **fields}  # fmt: skip


def import_catalog(runner: Any, folder: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as a catalog file and import it through the CLI."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"catalog-{len(list(folder.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = runner("catalog", "import", str(path))
    assert result.exit_code == 0, result.stderr


# The CLI


def realize(runner: Any, as_of: str = AS_OF) -> dict[str, int]:
    """Run `realize --as-of AS_OF --json` and return its summary."""
    result = runner("realize", "--as-of", as_of, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["summary"]


def fees_text(runner: Any, *args: str) -> str:
    """The raw output of `fees list --json` (for byte-for-byte comparisons)."""
    result = runner("fees", "list", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def list_fees(runner: Any, *args: str) -> list[dict[str, Any]]:
    """`fees list --json`, parsed."""
    return json.loads(fees_text(runner, *args))


def fee_of(runner: Any, source_type: str, source_id: int) -> dict[str, Any]:
    """The one fee realized from this source (no occurrence)."""
    (fee,) = [
        f
        for f in list_fees(runner)
        if (f["source_type"], f["source_id"]) == (source_type, source_id)
    ]
    return fee


def list_blocked(runner: Any) -> list[dict[str, Any]]:
    """`fees blocked --json`, parsed."""
    result = runner("fees", "blocked", "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def blocked_of(runner: Any, source_type: str, source_id: int) -> list[dict[str, Any]]:
    """The blocked entries of one source."""
    return [
        b
        for b in list_blocked(runner)
        if (b["source_type"], b["source_id"]) == (source_type, source_id)
    ]


def installments(fee: dict[str, Any]) -> list[tuple[int, str, str, str]]:
    """A fee's installments as (seq, effective_date, amount, status)."""
    return [(i["seq"], i["effective_date"], i["amount"], i["status"]) for i in fee["installments"]]


def standing_total(fee: dict[str, Any]) -> Decimal:
    """What the fee's installments add up to, cancelled ones aside."""
    return sum(
        (Decimal(i["amount"]) for i in fee["installments"] if i["status"] != "cancelled"),
        Decimal(0),
    )


def assert_rerun_changes_nothing(runner: Any, as_of: str = AS_OF) -> None:
    """An immediate second run is a no-op: no new/changed/cancelled, identical fee list."""
    before = fees_text(runner)
    summary = realize(runner, as_of)
    assert {k: summary[k] for k in ZERO_SUMMARY} == ZERO_SUMMARY, summary
    assert fees_text(runner) == before


def run_json(runner: Any, *args: str) -> Any:
    """A command's ``--json`` output, parsed (the command must succeed)."""
    result = runner(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def credits_of(runner, number):
    """The live credit memos against an invoice: (number, total), in number order."""
    return sorted(
        (d["number"], d["total"])
        for d in run_json(runner, "invoice", "list")
        if d["credits"] == number and d["status"] != "voided"
    )


def approve_through(runner, day):
    """Build and approve a batch through ``day``; its documents."""
    batch = run_json(runner, "invoice", "run", "--through", day)["batch_id"]
    assert batch is not None
    return run_json(runner, "invoice", "approve", str(batch))
