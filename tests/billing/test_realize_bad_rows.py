"""Bad ATS rows block their own event with a reason; the rest of the run is realized.

No bad row crashes `realize` or bills a silent wrong amount. The scenarios of
values a database may or may not hold run on SQLite, PostgreSQL and MariaDB
(``'2023-02-30'``: SQLite only; ``0000-00-00``: MariaDB only), the others on
SQLite. Every scenario also realizes a good placement in the same run and exits 0.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import text, update

from ats import tables
from tests.billing.realization_helpers import (
    AS_OF,
    assignment,
    blocked_of,
    example_catalog,
    fee_of,
    import_catalog,
    insert_billto,
    insert_contract_placement,
    insert_placement,
    insert_service_fee,
    insert_timecard,
    list_fees,
    update_row,
)
from tests.support.product_files import EXAMPLE_CATALOG

GOOD_FEE = "25000.00"  # 25% of 100000.00 under STD_DH


@pytest.fixture
def catalogs(tmp_path):
    """Where a test writes the catalog files it imports."""
    return tmp_path / "catalogs"


@pytest.fixture
def book(ats, runner, shared):
    """The seed example with the shared example catalog imported (nothing realized yet)."""
    assert runner("catalog", "import", str(EXAMPLE_CATALOG)).exit_code == 0
    return ats


def realize_json(runner, as_of=AS_OF):
    """`realize --json`, which must exit 0; its parsed output."""
    result = runner("realize", "--as-of", as_of, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_blocked(runner, source_type, source_id, *phrases):
    """The event is blocked with a reason holding every phrase, and realized no fee."""
    (entry,) = blocked_of(runner, source_type, source_id)
    for phrase in phrases:
        assert phrase in entry["reason"], entry["reason"]
    assert not [
        f
        for f in list_fees(runner)
        if (f["source_type"], f["source_id"]) == (source_type, source_id)
    ]
    return entry


def assert_realized(runner, placement):
    assert fee_of(runner, "placement", placement)["amount"] == GOOD_FEE


def dialect_of(engine):
    return engine.dialect.name


@contextmanager
def without_foreign_keys(engine):
    """A connection that may write rows the ATS's foreign keys would refuse (a lax ATS)."""
    switch = {
        "sqlite": ("PRAGMA foreign_keys=OFF", "PRAGMA foreign_keys=ON"),
        "postgresql": ("SET session_replication_role = replica", "RESET session_replication_role"),
        "mysql": ("SET foreign_key_checks = 0", "SET foreign_key_checks = 1"),
    }[dialect_of(engine)]
    with engine.connect() as connection:
        connection.exec_driver_sql(switch[0])
        connection.commit()
        try:
            yield connection
            connection.commit()
        finally:
            connection.exec_driver_sql(switch[1])
            connection.commit()


def insert_raw_placement(engine, placement_id, *, start_date, updated_at, sql_mode=None):
    """A direct-hire placement written as literal SQL, so any stored text reaches the table."""
    with engine.connect() as connection:
        if sql_mode is not None:
            connection.exec_driver_sql(f"SET SESSION sql_mode = '{sql_mode}'")
        connection.execute(
            text(
                "INSERT INTO ats_placement (id, billto_id, candidate_name, job_title, "
                "placement_type, status, start_date, currency, base_salary, product_code, "
                f"updated_at) VALUES ({placement_id}, 110, 'Pat Doe', 'Analyst', 'direct_hire', "
                f"'active', '{start_date}', 'USD', 90000.00, 'STD_DH', '{updated_at}')"
            )
        )
        connection.commit()


# Item 7: values that would bill a wrong amount


@pytest.mark.databases
@pytest.mark.parametrize(
    ("overrides", "phrase"),
    [
        pytest.param({"base_salary": Decimal("-100000.00")}, "negative base_salary (-100000.00)",
                     id="negative-salary"),
        pytest.param({"status": "CANCELLED"},
                     "status 'CANCELLED', which is not one of active, ended, cancelled, fell_off",
                     id="status-spelled-differently"),
        pytest.param({"placement_type": "Direct_Hire"},
                     "placement_type 'Direct_Hire', which is not one of direct_hire, contract",
                     id="type-Direct_Hire"),
        pytest.param({"placement_type": "contract_to_hire"},
                     "placement_type 'contract_to_hire', which is not one of", id="type-c2h"),
    ],
)  # fmt: skip
def test_placement_with_a_value_outside_the_schema_is_blocked(book, runner, overrides, phrase):
    good = insert_placement(book)
    bad = insert_placement(book, **overrides)

    realize_json(runner)

    entry = assert_blocked(runner, "placement", bad, f"placement {bad} has", phrase)
    assert "correct it in the ATS" in entry["reason"]
    assert_realized(runner, good)


def test_negative_service_fee_quantity_is_blocked(book, runner):
    good = insert_placement(book)
    fee = insert_service_fee(book, quantity=Decimal("-2"))

    realize_json(runner)

    assert_blocked(runner, "service_fee", fee, f"service fee {fee} has a negative quantity (-2")
    assert_realized(runner, good)


def test_negative_hours_are_blocked(book, runner):
    good = insert_placement(book)
    card = insert_timecard(book, insert_contract_placement(book), overtime_hours=Decimal("-8"))

    realize_json(runner)

    assert_blocked(runner, "timecard", card, f"time card {card} has a negative overtime_hours")
    assert_realized(runner, good)


def test_service_fee_blocked_as_a_whole_holds_its_realized_occurrences_from_invoicing(book, runner):
    fee = insert_service_fee(book, schedule="monthly", created_date=dt.date(2023, 11, 15))
    realize_json(runner)
    update_row(book, tables.service_fee, fee, quantity=Decimal("-2"))

    realize_json(runner)
    result = runner("invoice", "run", "--through", AS_OF, "--dry-run", "--json")

    assert result.exit_code == 0, result.output
    held = {f["fee_id"] for f in list_fees(runner) if f["source_id"] == fee}
    assert len(held) == 2
    warnings = json.loads(result.stdout)["warnings"]
    assert all(f"fee {fee_id} is held: its ATS event is blocked" in " ".join(warnings)
               for fee_id in held)  # fmt: skip


def test_hours_corrected_to_zero_are_billed_as_zero(book, runner):
    card = insert_timecard(book, insert_contract_placement(book))
    realize_json(runner)
    update_row(book, tables.timecard, card, regular_hours=Decimal("0"))

    realize_json(runner)

    assert fee_of(runner, "timecard", card)["amount"] == "0.00"
    assert blocked_of(runner, "timecard", card) == []


def test_time_card_of_a_placement_with_an_unknown_type_is_blocked(book, runner):
    placement = insert_contract_placement(book, placement_type="Contract")
    card = insert_timecard(book, placement)

    realize_json(runner)

    assert_blocked(runner, "timecard", card, f"time card {card} cannot be billed",
                   "placement_type 'Contract'")  # fmt: skip


def test_service_fee_ending_before_it_starts_is_blocked(book, runner):
    good = insert_placement(book)
    fee = insert_service_fee(book, schedule="monthly", schedule_end_date=dt.date(2023, 8, 1))

    realize_json(runner)

    assert_blocked(runner, "service_fee", fee,
                   "schedule_end_date 2023-08-01, before its created_date 2023-08-15")  # fmt: skip
    assert_realized(runner, good)


def test_time_card_without_placement_is_blocked_on_a_full_pass_as_on_an_incremental_one(
    book, runner, shared, catalogs
):
    first = insert_orphan_timecard(book, 9101)
    good = insert_placement(book)

    assert realize_json(runner)["full_pass"] is True
    second = insert_orphan_timecard(book, 9102)
    assert realize_json(runner)["full_pass"] is False

    for card in (first, second):
        assert_blocked(runner, "timecard", card, f"belongs to placement {card + 90000}, not in")
    assert_realized(runner, good)


def insert_orphan_timecard(engine, card_id):
    """An approved time card whose placement is not in the ATS."""
    with without_foreign_keys(engine) as connection:
        connection.execute(
            tables.timecard.insert().values(
                id=card_id, placement_id=card_id + 90000, week_ending=dt.date(2023, 7, 16),
                status="approved", regular_hours=Decimal("40"),
                updated_at=dt.datetime(2024, 1, 1) + dt.timedelta(hours=card_id - 9100),
            )
        )  # fmt: skip
    return card_id


def test_billto_cycle_blocks_the_events_below_it_naming_the_cycle(book, runner, catalogs, shared):
    top = insert_billto(book, name="Cycle top")
    below = insert_billto(book, parent_id=top, name="Cycle below")
    update_row(book, tables.billto, top, parent_id=below)
    data = example_catalog(shared)
    data["customer_assignments"].append(assignment(top, "STD_DH", bill_to="parent"))
    import_catalog(runner, catalogs, data)
    good = insert_placement(book)
    at_top = insert_placement(book, billto_id=top)
    at_below = insert_placement(book, billto_id=below)

    realize_json(runner)

    cycle = f"Billtos {top} → {below} → {top} form a cycle"
    assert_blocked(runner, "placement", at_top, f"Billto {top} 'Cycle top' cannot be", cycle)
    assert_blocked(runner, "placement", at_below, cycle)
    assert_realized(runner, good)


def test_billto_whose_parent_is_missing_is_blocked_not_invoiced_itself(
    book, runner, catalogs, shared
):
    orphan = 130
    with without_foreign_keys(book) as connection:
        connection.execute(
            tables.billto.insert().values(
                id=orphan, company_id=1, parent_id=999, name="Lost", level="department",
                currency="USD", active=1, updated_at=dt.datetime(2024, 1, 1),
            )
        )  # fmt: skip
    data = example_catalog(shared)
    data["customer_assignments"].append(assignment(orphan, "STD_DH", bill_to="parent"))
    import_catalog(runner, catalogs, data)
    good = insert_placement(book)
    bad = insert_placement(book, billto_id=orphan)

    realize_json(runner)

    missing = f"the parent of Billto {orphan} is Billto 999, which is not in the ATS"
    assert_blocked(runner, "placement", bad, missing)
    assert_realized(runner, good)


# Item 6: values that used to stop every run


def test_start_date_whose_plan_runs_past_the_calendar_is_blocked(book, runner):
    good = insert_placement(book)
    bad = insert_placement(book, start_date=dt.date(9999, 12, 1))

    realize_json(runner)

    entry = assert_blocked(runner, "placement", bad, "pay plan SPLIT_50_50_D1_D90",
                           "0 to 90 days", "outside 0001-01-01 to 9999-12-31")  # fmt: skip
    assert entry["event_date"] == "9999-12-01"
    assert_realized(runner, good)


@pytest.mark.databases
@pytest.mark.parametrize("stored", ["days_from_event", "due_days"])
def test_huge_offsets_already_stored_block_the_event(book, runner, stored):
    huge = 2_147_483_647
    with book.begin() as connection:
        if stored == "days_from_event":
            connection.execute(text("UPDATE pay_plan_line SET days_from_event = :d "
                                    "WHERE seq = 2"), {"d": huge})  # fmt: skip
        else:
            connection.execute(text("UPDATE terms SET due_days = :d WHERE code = 'NET30'"),
                               {"d": huge})  # fmt: skip
    bad = insert_placement(book)
    flat = insert_service_fee(book)  # FULL_DAY1 plan: fine unless the terms are huge

    realize_json(runner)

    assert_blocked(runner, "placement", bad, f"{huge}", "outside 0001-01-01 to 9999-12-31")
    if stored == "days_from_event":
        assert fee_of(runner, "service_fee", flat)["amount"] == "2500.00"


def test_realize_as_of_the_end_of_time_blocks_an_open_monthly_fee_then_recovers(book, runner):
    fee = insert_service_fee(book, schedule="monthly", created_date=dt.date(2023, 11, 15))

    realize_json(runner, "9999-12-31")

    assert_blocked(runner, "service_fee", fee, "more than 5000 occurrences by 9999-12-31",
                   "schedule_end_date", "earlier --as-of")  # fmt: skip
    assert_realized(runner, 5001)
    realize_json(runner, "2024-01-31")
    realized = [f["occurrence"] for f in list_fees(runner) if f["source_id"] == fee]
    assert realized == ["2023-11-15", "2023-12-15", "2024-01-15"]
    assert blocked_of(runner, "service_fee", fee) == []


def test_invoice_run_through_the_end_of_time_builds_the_batch(book, runner):
    realize_json(runner)

    result = runner("invoice", "run", "--through", "9999-12-31", "--json")

    assert result.exit_code == 0, result.output
    invoices = json.loads(result.stdout)["invoices"]
    assert sorted(i["invoice_date"] for i in invoices) == ["2023-07-10", "2023-10-08"]


def test_sqlite_date_that_does_not_exist_is_blocked(book, runner):
    if dialect_of(book) != "sqlite":
        pytest.skip("only SQLite stores 2023-02-30")
    good = insert_placement(book)
    insert_raw_placement(book, 6001, start_date="2023-02-30", updated_at="2024-02-01 10:00:00")
    insert_raw_placement(book, 6002, start_date="2023-02-01", updated_at="2024-02-30 10:00:00")

    output = realize_json(runner)

    entry = assert_blocked(runner, "placement", 6001, "start_date '2023-02-30' is not a valid date")
    assert entry["event_date"] is None
    assert_blocked(runner, "placement", 6002, "updated_at '2024-02-30 10:00:00' is not a valid")
    assert any("placement 6002 has an updated_at that is not" in w for w in output["warnings"])
    assert_realized(runner, good)


@pytest.mark.databases
def test_mariadb_zero_dates_are_blocked_and_warned(book, runner):
    if dialect_of(book) != "mysql":
        pytest.skip("only MariaDB stores 0000-00-00")
    good = insert_placement(book)
    zero = "0000-00-00 00:00:00"
    insert_raw_placement(book, 6001, start_date="0000-00-00", updated_at="2024-02-01 10:00:00",
                         sql_mode="")  # fmt: skip
    insert_raw_placement(book, 6002, start_date="2023-02-01", updated_at=zero, sql_mode="")

    output = realize_json(runner)
    insert_raw_placement(book, 6003, start_date="2023-03-01", updated_at=zero, sql_mode="")
    later = realize_json(runner)

    entry = assert_blocked(runner, "placement", 6001, "start_date '0000-00-00' is not a valid date")
    assert entry["event_date"] is None
    for placement in (6002, 6003):
        assert_blocked(runner, "placement", placement, f"updated_at '{zero}' is not a valid")
    assert any("placement 6002 has an updated_at that is not" in w for w in output["warnings"])
    assert any("placements 6002, 6003 have an updated_at" in w for w in later["warnings"])
    assert_realized(runner, good)


def test_a_blocked_row_leaves_the_fee_it_realized_before_alone(book, runner):
    placement = insert_placement(book)
    realize_json(runner)
    with book.begin() as connection:
        connection.execute(
            update(tables.placement)
            .where(tables.placement.c.id == placement)
            .values(base_salary=Decimal("-1"), updated_at=dt.datetime(2025, 1, 1))
        )

    realize_json(runner)

    assert_realized(runner, placement)
    assert blocked_of(runner, "placement", placement)[0]["reason"].startswith(
        f"placement {placement} has a negative base_salary"
    )
