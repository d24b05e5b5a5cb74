"""Fee realization end to end through `realize`, `fees list` and `fees blocked` (issue #4).

The seed example and the change-after-invoicing scenario run on SQLite,
PostgreSQL and MariaDB; every other rule runs on SQLite. Each scenario ends
with an immediate second `realize`, which must change nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest
from sqlalchemy import make_url

from ats import tables
from backoffice.storage import create_database_engine
from migrations.upgrade import upgrade_schema
from tests.billing.realization_helpers import (
    assert_rerun_changes_nothing,
    assignment,
    blocked_of,
    example_catalog,
    fee_of,
    fees_text,
    import_catalog,
    insert_billto,
    insert_contract_placement,
    insert_placement,
    insert_service_fee,
    insert_timecard,
    installments,
    list_blocked,
    list_fees,
    mark_invoiced,
    query,
    realize,
    revisions,
    standing_total,
    update_row,
)
from tests.support.backoffice import Backoffice
from tests.support.databases import load_sql_file
from tests.support.payloads import FIXTURES
from tests.support.product_files import ATS_SCHEMA, EXAMPLE_CATALOG

SEED = 5001  # the seed example's placement: Billto 110, 100000.00, STD_DH, 50/50 Day 1/Day 90


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory):
    """SQLite files built once and copied per test: the seeded ATS, and it with the catalog.

    Both hold the upgraded schema and the ATS seed example; ``cataloged`` has the
    shared example catalog imported as well.
    """
    folder = tmp_path_factory.mktemp("templates")
    seeded, cataloged = folder / "seeded.sqlite", folder / "cataloged.sqlite"
    engine = create_database_engine(f"sqlite:///{seeded}")
    try:
        upgrade_schema(engine)
        load_sql_file(engine, ATS_SCHEMA)
        load_sql_file(engine, FIXTURES / "examples" / "ats_seed_example.sql")
    finally:
        engine.dispose()
    shutil.copyfile(seeded, cataloged)
    runner = Backoffice(f"sqlite:///{cataloged}", folder / "var")
    assert runner("catalog", "import", str(EXAMPLE_CATALOG)).exit_code == 0
    return {"seeded": seeded, "cataloged": cataloged}


@pytest.fixture
def sqlite_ats(request, sqlite_url, make_engine, sqlite_templates):
    """A SQLite service database that is also the ATS, with the seed example loaded.

    A test that also asks for ``cli`` gets the example catalog imported already.
    """
    template = sqlite_templates["cataloged" if "cli" in request.fixturenames else "seeded"]
    shutil.copyfile(template, make_url(sqlite_url).database)
    return make_engine(sqlite_url)


@pytest.fixture
def catalogs(tmp_path):
    """Where a test writes the catalog files it imports."""
    return tmp_path / "catalogs"


@pytest.fixture
def cli(sqlite_ats, sqlite_runner):
    """The CLI on ``sqlite_ats``, whose database has the shared example catalog imported."""
    return sqlite_runner


def catalog_with(shared, *extra, replace=False):
    """The example catalog plus ``extra`` assignments (or only them, with ``replace``)."""
    data = example_catalog(shared)
    kept = [] if replace else data["customer_assignments"]
    data["customer_assignments"] = [*kept, *extra]
    return data


def catalog_without_std_dh(shared):
    """The example catalog less its STD_DH assignment: the seed placement is uncovered."""
    data = example_catalog(shared)
    data["customer_assignments"] = [
        a for a in data["customer_assignments"] if a["product"] != "STD_DH"
    ]
    return data


# 1. The seed example


@pytest.mark.databases
def test_seed_example_realizes_the_worked_example_exactly(ats, runner, shared):
    assert runner("catalog", "import", str(EXAMPLE_CATALOG)).exit_code == 0

    summary = realize(runner)

    assert {k: summary[k] for k in ("new", "changed", "cancelled", "blocked", "unchanged")} == {
        "new": 1, "changed": 0, "cancelled": 0, "blocked": 0, "unchanged": 0,
    }  # fmt: skip
    assert list_fees(runner) == [
        {
            "fee_id": 1, "source_type": "placement", "source_id": SEED, "occurrence": None,
            "billto_id": 110, "product_code": "STD_DH", "pay_plan_code": "SPLIT_50_50_D1_D90",
            "currency": "USD", "event_date": "2023-07-10", "amount": "25000.00",
            "status": "active",
            "installments": [
                {"seq": 1, "effective_date": "2023-07-10", "amount": "12500.00",
                 "status": "pending", "invoice_number": None},
                {"seq": 2, "effective_date": "2023-10-08", "amount": "12500.00",
                 "status": "pending", "invoice_number": None},
            ],
        }
    ]  # fmt: skip
    assert list_blocked(runner) == []
    assert_rerun_changes_nothing(runner)


# 2. Pay plans


def test_thirds_plan_on_the_placement_splits_with_the_last_absorbing_the_remainder(sqlite_ats, cli):
    placement = insert_placement(sqlite_ats, pay_plan_code="THIRDS_D0_D30_D60")

    realize(cli)

    fee = fee_of(cli, "placement", placement)
    assert (fee["amount"], fee["pay_plan_code"]) == ("25000.00", "THIRDS_D0_D30_D60")
    assert installments(fee) == [
        (1, "2023-07-10", "8333.33", "pending"),
        (2, "2023-08-09", "8333.33", "pending"),
        (3, "2023-09-08", "8333.34", "pending"),
    ]
    assert_rerun_changes_nothing(cli)


def test_placement_without_a_product_takes_the_covering_assignments_product(sqlite_ats, cli):
    placement = insert_placement(sqlite_ats, product_code=None)

    realize(cli)

    fee = fee_of(cli, "placement", placement)
    assert (fee["product_code"], fee["amount"]) == ("STD_DH", "25000.00")
    assert_rerun_changes_nothing(cli)


def test_placement_pay_plan_wins_over_the_assignment_default(sqlite_ats, cli):
    named = insert_placement(sqlite_ats, pay_plan_code="FULL_DAY1")
    unnamed = insert_placement(sqlite_ats, pay_plan_code=None)

    realize(cli)

    assert installments(fee_of(cli, "placement", named)) == [
        (1, "2023-07-10", "25000.00", "pending")
    ]
    assert fee_of(cli, "placement", unnamed)["pay_plan_code"] == "SPLIT_50_50_D1_D90"
    assert len(fee_of(cli, "placement", unnamed)["installments"]) == 2
    assert_rerun_changes_nothing(cli)


def test_unknown_pay_plan_on_the_placement_is_blocked_naming_the_plan(sqlite_ats, cli):
    placement = insert_placement(sqlite_ats, pay_plan_code="QUARTERS_D0")

    summary = realize(cli)

    assert summary["blocked"] == 1
    (entry,) = blocked_of(cli, "placement", placement)
    assert "pay plan QUARTERS_D0" in entry["reason"]
    assert f"placement {placement}" in entry["reason"]
    assert [f["source_id"] for f in list_fees(cli)] == [SEED]
    assert_rerun_changes_nothing(cli)


# 3. Customer assignments and the blocked list


def test_uncovered_placement_is_blocked_then_realizes_once_an_assignment_is_added(
    sqlite_ats, sqlite_runner, shared, catalogs
):
    import_catalog(sqlite_runner, catalogs, catalog_without_std_dh(shared))

    assert realize(sqlite_runner)["blocked"] == 1
    assert list_fees(sqlite_runner) == []
    assert list_blocked(sqlite_runner) == [
        {
            "source_type": "placement", "source_id": SEED, "occurrence": None,
            "billto_id": 110, "product_code": "STD_DH", "event_date": "2023-07-10",
            "reason": "no customer assignment covers Billto 110 'Acme Engineering' for product "
            "STD_DH on 2023-07-10: add one for this Billto (or a Billto above it) to the catalog",
        }
    ]  # fmt: skip
    assert_rerun_changes_nothing(sqlite_runner)

    import_catalog(sqlite_runner, catalogs, example_catalog(shared))
    summary = realize(sqlite_runner)

    assert (summary["new"], summary["blocked"]) == (1, 0)
    assert fee_of(sqlite_runner, "placement", SEED)["amount"] == "25000.00"
    assert list_blocked(sqlite_runner) == []
    assert_rerun_changes_nothing(sqlite_runner)


def test_blocked_placement_realizes_once_an_assignment_is_added(
    sqlite_ats, sqlite_runner, shared, catalogs
):
    # The seed is not the newest placement change here (see the test above for that case).
    insert_contract_placement(sqlite_ats)
    import_catalog(sqlite_runner, catalogs, catalog_without_std_dh(shared))
    assert realize(sqlite_runner)["blocked"] == 1

    import_catalog(sqlite_runner, catalogs, example_catalog(shared))
    summary = realize(sqlite_runner)

    assert (summary["new"], summary["blocked"]) == (1, 0)
    assert fee_of(sqlite_runner, "placement", SEED)["amount"] == "25000.00"
    assert list_blocked(sqlite_runner) == []
    assert_rerun_changes_nothing(sqlite_runner)


def test_catalog_change_reevaluates_every_event_alike(sqlite_ats, cli, shared, catalogs):
    newest = insert_placement(sqlite_ats)
    realize(cli)
    repriced = example_catalog(shared)
    next(p for p in repriced["products"] if p["code"] == "STD_DH")["rate"] = "20"

    import_catalog(cli, catalogs, repriced)
    summary = realize(cli)

    amounts = {f["source_id"]: f["amount"] for f in list_fees(cli)}
    assert amounts[SEED] == amounts[newest]  # whichever the policy, both or neither repriced
    assert summary["changed"] in (0, 2)


def test_nearest_billto_assignment_wins_with_its_price_override(
    sqlite_ats, sqlite_runner, shared, catalogs
):
    nearer = assignment(110, "STD_DH", pay_plan="FULL_DAY1", price={"rate": "20"})
    import_catalog(sqlite_runner, catalogs, catalog_with(shared, nearer))
    elsewhere = insert_billto(sqlite_ats, id=120, parent_id=100, name="Acme Sales")
    sales = insert_placement(sqlite_ats, billto_id=elsewhere)

    realize(sqlite_runner)

    seed = fee_of(sqlite_runner, "placement", SEED)  # names its own plan: 50/50
    assert (seed["amount"], seed["pay_plan_code"]) == ("20000.00", "SPLIT_50_50_D1_D90")
    assert fee_of(sqlite_runner, "placement", sales)["amount"] == "25000.00"  # only 100 covers
    assert_rerun_changes_nothing(sqlite_runner)


def test_nearer_billto_wins_even_with_a_wider_scope(sqlite_ats, sqlite_runner, shared, catalogs):
    class_at_110 = assignment(110, "class:PLACEMENT", pay_plan="FULL_DAY1")
    import_catalog(sqlite_runner, catalogs, catalog_with(shared, class_at_110))
    placement = insert_placement(sqlite_ats, pay_plan_code=None)

    realize(sqlite_runner)

    assert fee_of(sqlite_runner, "placement", placement)["pay_plan_code"] == "FULL_DAY1"
    assert_rerun_changes_nothing(sqlite_runner)


def test_product_scope_beats_family_beats_class_at_the_same_billto(
    sqlite_ats, sqlite_runner, shared, catalogs
):
    at_110 = [
        assignment(110, "STD_DH", pay_plan="SPLIT_50_50_D1_D90"),
        assignment(110, "family:DIRECT_HIRE", pay_plan="THIRDS_D0_D30_D60"),
        assignment(110, "class:PLACEMENT", pay_plan="FULL_DAY1"),
    ]
    import_catalog(sqlite_runner, catalogs, catalog_with(shared, *at_110, replace=True))
    by_product = insert_placement(sqlite_ats, pay_plan_code=None)
    by_family = insert_placement(sqlite_ats, pay_plan_code=None, product_code="FLAT_DH")

    realize(sqlite_runner)

    assert fee_of(sqlite_runner, "placement", by_product)["pay_plan_code"] == "SPLIT_50_50_D1_D90"
    flat = fee_of(sqlite_runner, "placement", by_family)
    assert flat["pay_plan_code"] == "THIRDS_D0_D30_D60"
    assert [i["amount"] for i in flat["installments"]] == ["1666.67", "1666.67", "1666.66"]
    assert_rerun_changes_nothing(sqlite_runner)


def test_class_scope_covers_when_nothing_narrower_does(sqlite_ats, sqlite_runner, shared, catalogs):
    only_class = assignment(100, "class:PLACEMENT", pay_plan="FULL_DAY1")
    import_catalog(sqlite_runner, catalogs, catalog_with(shared, only_class, replace=True))

    realize(sqlite_runner)

    seed = fee_of(sqlite_runner, "placement", SEED)
    assert (seed["amount"], len(seed["installments"])) == ("25000.00", 2)  # the seed names 50/50
    assert_rerun_changes_nothing(sqlite_runner)


def test_effective_from_and_effective_to_are_inclusive(sqlite_ats, sqlite_runner, shared, catalogs):
    window = assignment(
        100, "STD_DH", pay_plan="FULL_DAY1",
        effective_from=dt.date(2023, 7, 10), effective_to=dt.date(2023, 8, 31),
    )  # fmt: skip
    import_catalog(sqlite_runner, catalogs, catalog_with(shared, window, replace=True))
    starts = {"day_before": "2023-07-09", "last_day": "2023-08-31", "day_after": "2023-09-01"}
    ids = {
        name: insert_placement(sqlite_ats, start_date=dt.date.fromisoformat(day))
        for name, day in starts.items()
    }

    realize(sqlite_runner)

    realized = {f["source_id"] for f in list_fees(sqlite_runner)}
    assert realized == {SEED, ids["last_day"]}  # the seed starts on effective_from
    blocked = {b["source_id"]: b["reason"] for b in list_blocked(sqlite_runner)}
    assert set(blocked) == {ids["day_before"], ids["day_after"]}
    assert "on 2023-09-01" in blocked[ids["day_after"]]
    assert_rerun_changes_nothing(sqlite_runner)


# 4. Pricing


def test_percentage_of_ote_for_a_product_based_on_ote(sqlite_ats, sqlite_runner, shared, catalogs):
    exec_search = assignment(100, "EXEC_DH", pay_plan="FULL_DAY1")
    import_catalog(sqlite_runner, catalogs, catalog_with(shared, exec_search))
    placement = insert_placement(
        sqlite_ats, product_code="EXEC_DH", base_salary=Decimal("150000.00"),
        ote=Decimal("212345.67"),
    )  # fmt: skip

    realize(sqlite_runner)

    # 30% of 212345.67 = 63703.701 -> 63703.70 (of the OTE, not the base salary)
    assert fee_of(sqlite_runner, "placement", placement)["amount"] == "63703.70"
    assert_rerun_changes_nothing(sqlite_runner)


def test_percentage_rounds_half_up_to_the_cent(sqlite_ats, cli):
    placement = insert_placement(sqlite_ats, base_salary=Decimal("123456.78"))

    realize(cli)

    fee = fee_of(cli, "placement", placement)
    assert fee["amount"] == "30864.20"  # 25% = 30864.195
    assert [i["amount"] for i in fee["installments"]] == ["15432.10", "15432.10"]
    assert_rerun_changes_nothing(cli)


def test_flat_product_bills_its_amount(sqlite_ats, sqlite_runner, shared, catalogs):
    flat = assignment(100, "FLAT_DH", pay_plan="FULL_DAY1")
    import_catalog(sqlite_runner, catalogs, catalog_with(shared, flat))
    placement = insert_placement(sqlite_ats, product_code="FLAT_DH", base_salary=None)

    realize(sqlite_runner)

    assert installments(fee_of(sqlite_runner, "placement", placement)) == [
        (1, "2023-07-10", "5000.00", "pending")
    ]
    assert_rerun_changes_nothing(sqlite_runner)


def test_assignment_price_overrides_the_catalog_price(sqlite_ats, sqlite_runner, shared, catalogs):
    overrides = [
        assignment(110, "STD_DH", pay_plan="FULL_DAY1", price={"rate": "22"}),
        assignment(110, "FLAT_DH", pay_plan="FULL_DAY1", price={"amount": "4000.00"}),
    ]
    import_catalog(sqlite_runner, catalogs, catalog_with(shared, *overrides))
    flat = insert_placement(sqlite_ats, product_code="FLAT_DH")

    realize(sqlite_runner)

    assert fee_of(sqlite_runner, "placement", SEED)["amount"] == "22000.00"
    assert fee_of(sqlite_runner, "placement", flat)["amount"] == "4000.00"
    assert_rerun_changes_nothing(sqlite_runner)


def test_missing_base_salary_is_blocked_with_a_reason(sqlite_ats, cli):
    placement = insert_placement(sqlite_ats, base_salary=None)

    summary = realize(cli)

    assert summary["blocked"] == 1
    (entry,) = blocked_of(cli, "placement", placement)
    assert f"placement {placement} has no base_salary" in entry["reason"]
    assert "enter it in the ATS" in entry["reason"]
    assert_rerun_changes_nothing(cli)


def test_yen_amounts_have_no_minor_unit(sqlite_ats, cli):
    placement = insert_placement(sqlite_ats, currency="JPY", base_salary=Decimal("3333335"))

    realize(cli)

    fee = fee_of(cli, "placement", placement)
    assert (fee["currency"], fee["amount"]) == ("JPY", "833334")  # 25% = 833333.75
    assert [i["amount"] for i in fee["installments"]] == ["416667", "416667"]
    assert_rerun_changes_nothing(cli)


# 5. Time cards


def test_approved_time_card_bills_hours_by_type_at_their_rates(sqlite_ats, cli):
    placement = insert_contract_placement(sqlite_ats)
    card = insert_timecard(
        sqlite_ats, placement, regular_hours=Decimal("37.50"),
        overtime_hours=Decimal("4.25"), doubletime_hours=Decimal("1.50"),
    )  # fmt: skip

    realize(cli)

    fee = fee_of(cli, "timecard", card)
    # 37.50 x 85.50 + 4.25 x 128.25 + 1.50 x 171.00 = 3206.25 + 545.0625 + 256.50 = 4007.8125
    assert (fee["amount"], fee["event_date"], fee["product_code"]) == (
        "4007.81", "2023-07-16", "CONTRACT_HOURS",
    )  # fmt: skip
    assert installments(fee) == [(1, "2023-07-16", "4007.81", "pending")]
    assert fee_of(cli, "placement", SEED)["amount"] == "25000.00"
    assert [f["source_type"] for f in list_fees(cli)].count("placement") == 1  # contract: no fee
    assert_rerun_changes_nothing(cli)


def test_overtime_without_an_overtime_rate_is_blocked_not_zero(sqlite_ats, cli):
    placement = insert_contract_placement(sqlite_ats, overtime_bill_rate=None)
    card = insert_timecard(sqlite_ats, placement, overtime_hours=Decimal("2"))

    summary = realize(cli)

    assert summary["blocked"] == 1
    (entry,) = blocked_of(cli, "timecard", card)
    assert "overtime" in entry["reason"]
    assert "overtime_bill_rate" in entry["reason"]
    assert entry["event_date"] == "2023-07-16"
    assert [f for f in list_fees(cli) if f["source_type"] == "timecard"] == []
    assert_rerun_changes_nothing(cli)


@pytest.mark.parametrize("status", ["draft", "submitted", "rejected"])
def test_time_cards_not_approved_realize_nothing(sqlite_ats, cli, status):
    placement = insert_contract_placement(sqlite_ats)
    insert_timecard(sqlite_ats, placement, status=status, approved_at=None)

    summary = realize(cli)

    assert (summary["new"], summary["blocked"]) == (1, 0)  # the seed placement only
    assert [f["source_type"] for f in list_fees(cli)] == ["placement"]
    assert list_blocked(cli) == []
    assert_rerun_changes_nothing(cli)


def test_unapproved_time_card_cancels_its_fee_at_zero(sqlite_ats, cli):
    placement = insert_contract_placement(sqlite_ats)
    card = insert_timecard(sqlite_ats, placement)
    realize(cli)
    assert fee_of(cli, "timecard", card)["amount"] == "3420.00"

    update_row(sqlite_ats, tables.timecard, card, status="submitted", approved_at=None)
    summary = realize(cli)

    assert (summary["cancelled"], summary["changed"], summary["new"]) == (1, 0, 0)
    fee = fee_of(cli, "timecard", card)
    assert (fee["status"], fee["amount"]) == ("cancelled", "0.00")
    assert installments(fee) == [(1, "2023-07-16", "3420.00", "cancelled")]
    assert_rerun_changes_nothing(cli)


def test_unapproved_invoiced_time_card_gets_a_negative_adjustment(sqlite_ats, cli):
    placement = insert_contract_placement(sqlite_ats)
    card = insert_timecard(sqlite_ats, placement)
    realize(cli)
    fee_id = fee_of(cli, "timecard", card)["fee_id"]
    mark_invoiced(sqlite_ats, fee_id, 1)

    changed_at = update_row(
        sqlite_ats, tables.timecard, card, status="rejected",
        updated_at=dt.datetime(2023, 8, 2, 14, 0),
    )  # fmt: skip
    summary = realize(cli)

    assert summary["cancelled"] == 1
    fee = fee_of(cli, "timecard", card)
    assert (fee["status"], fee["amount"]) == ("cancelled", "0.00")
    assert installments(fee) == [
        (1, "2023-07-16", "3420.00", "invoiced"),
        (2, changed_at.date().isoformat(), "-3420.00", "pending"),
    ]
    assert standing_total(fee) == Decimal("0.00")
    assert_rerun_changes_nothing(cli)


def test_time_card_hours_corrected_after_approval_replace_the_pending_installment(sqlite_ats, cli):
    placement = insert_contract_placement(sqlite_ats)
    card = insert_timecard(sqlite_ats, placement)
    realize(cli)

    update_row(sqlite_ats, tables.timecard, card, regular_hours=Decimal("32"))
    summary = realize(cli)

    assert summary["changed"] == 1
    assert installments(fee_of(cli, "timecard", card)) == [(1, "2023-07-16", "2736.00", "pending")]
    assert_rerun_changes_nothing(cli)


def test_blocked_time_card_of_a_new_placement_counts_once_in_the_summary(sqlite_ats, cli):
    realize(cli)  # the catalog's full pass; what follows is incremental
    placement = insert_contract_placement(sqlite_ats, overtime_bill_rate=None)
    card = insert_timecard(sqlite_ats, placement, overtime_hours=Decimal("2"))

    summary = realize(cli)

    assert len(blocked_of(cli, "timecard", card)) == 1
    assert summary["blocked"] == 1


def test_time_card_on_a_placement_with_a_non_hourly_product_is_blocked(sqlite_ats, cli):
    placement = insert_contract_placement(sqlite_ats, product_code="STD_DH")
    card = insert_timecard(sqlite_ats, placement)

    summary = realize(cli)

    assert summary["blocked"] == 1
    (entry,) = blocked_of(cli, "timecard", card)
    assert "STD_DH" in entry["reason"]
    assert [f for f in list_fees(cli) if f["source_type"] == "timecard"] == []


# 6. Service fees


def test_one_time_service_fee_realizes_once_on_its_created_date(sqlite_ats, cli):
    fee_id = insert_service_fee(sqlite_ats, quantity=Decimal("3"))

    realize(cli)

    fee = fee_of(cli, "service_fee", fee_id)
    assert (fee["occurrence"], fee["event_date"], fee["amount"], fee["product_code"]) == (
        None, "2023-08-15", "7500.00", "PMO_FEE",
    )  # fmt: skip
    assert installments(fee) == [(1, "2023-08-15", "7500.00", "pending")]
    assert_rerun_changes_nothing(cli)


def occurrences_of(runner, service_fee):
    return [
        (f["occurrence"], f["amount"], f["status"])
        for f in list_fees(runner)
        if (f["source_type"], f["source_id"]) == ("service_fee", service_fee)
    ]


def test_monthly_service_fee_realizes_each_occurrence_up_to_the_as_of_date(sqlite_ats, cli):
    fee_id = insert_service_fee(
        sqlite_ats, schedule="monthly", created_date=dt.date(2024, 1, 31), quantity=Decimal("2")
    )

    summary = realize(cli, "2024-04-30")

    assert summary["new"] == 5  # four occurrences and the seed placement
    assert occurrences_of(cli, fee_id) == [
        ("2024-01-31", "5000.00", "active"),
        ("2024-02-29", "5000.00", "active"),
        ("2024-03-31", "5000.00", "active"),
        ("2024-04-30", "5000.00", "active"),
    ]
    assert_rerun_changes_nothing(cli, "2024-04-30")


def test_later_as_of_adds_only_the_new_occurrences(sqlite_ats, cli):
    fee_id = insert_service_fee(sqlite_ats, schedule="monthly", created_date=dt.date(2024, 1, 31))
    realize(cli, "2024-04-30")
    before = {f["occurrence"]: f for f in list_fees(cli) if f["source_id"] == fee_id}

    summary = realize(cli, "2024-06-30")

    assert (summary["new"], summary["changed"], summary["cancelled"]) == (2, 0, 0)
    after = {f["occurrence"]: f for f in list_fees(cli) if f["source_id"] == fee_id}
    assert sorted(set(after) - set(before)) == ["2024-05-31", "2024-06-30"]
    assert all(after[day] == fee for day, fee in before.items())
    assert_rerun_changes_nothing(cli, "2024-06-30")


def test_cancelled_service_fee_cancels_pending_occurrences_from_cancelled_on(sqlite_ats, cli):
    fee_id = insert_service_fee(sqlite_ats, schedule="monthly", created_date=dt.date(2024, 1, 31))
    realize(cli, "2024-04-30")
    before = {f["occurrence"]: f for f in list_fees(cli) if f["source_id"] == fee_id}

    update_row(sqlite_ats, tables.service_fee, fee_id, cancelled_on=dt.date(2024, 3, 31))
    summary = realize(cli, "2024-04-30")

    assert (summary["cancelled"], summary["changed"], summary["new"]) == (2, 0, 0)
    after = {f["occurrence"]: f for f in list_fees(cli) if f["source_id"] == fee_id}
    for day in ("2024-01-31", "2024-02-29"):
        assert after[day] == before[day]
    for day in ("2024-03-31", "2024-04-30"):
        assert after[day]["status"] == "cancelled"
        assert [i["status"] for i in after[day]["installments"]] == ["cancelled"]
    assert_rerun_changes_nothing(cli, "2024-04-30")


def test_own_unit_price_on_the_service_fee_wins(sqlite_ats, cli):
    fee_id = insert_service_fee(sqlite_ats, unit_price=Decimal("1800.00"), quantity=Decimal("1.5"))

    realize(cli)

    assert fee_of(cli, "service_fee", fee_id)["amount"] == "2700.00"
    assert_rerun_changes_nothing(cli)


def test_one_time_service_fee_dated_after_the_as_of_realizes_once_the_as_of_reaches_it(
    sqlite_ats, cli
):
    fee_id = insert_service_fee(sqlite_ats, created_date=dt.date(2024, 2, 15))
    realize(cli, "2024-01-31")
    assert occurrences_of(cli, fee_id) == []  # not due yet

    summary = realize(cli, "2024-02-29")

    assert summary["new"] == 1
    assert occurrences_of(cli, fee_id) == [(None, "2500.00", "active")]


def test_earlier_as_of_never_cancels_occurrences_already_realized(sqlite_ats, cli):
    fee_id = insert_service_fee(sqlite_ats, schedule="monthly", created_date=dt.date(2024, 1, 31))
    realize(cli, "2024-04-30")
    before = fees_text(cli)

    summary = realize(cli, "2024-02-29")

    assert (summary["cancelled"], summary["changed"]) == (0, 0)
    assert fees_text(cli) == before
    assert all(status == "active" for _, _, status in occurrences_of(cli, fee_id))


@pytest.mark.databases
def test_a_change_read_by_an_earlier_as_of_reaches_every_occurrence_already_realized(
    ats, runner, shared
):
    assert runner("catalog", "import", str(EXAMPLE_CATALOG)).exit_code == 0
    fee_id = insert_service_fee(ats, schedule="monthly", created_date=dt.date(2024, 1, 31))
    realize(runner, "2024-04-30")

    update_row(ats, tables.service_fee, fee_id, quantity=Decimal("2"))
    realize(runner, "2024-02-29")  # reads the change, with an earlier date than before
    realize(runner, "2024-04-30")  # the change is read already: nothing tells it apart

    assert occurrences_of(runner, fee_id) == [
        ("2024-01-31", "5000.00", "active"),
        ("2024-02-29", "5000.00", "active"),
        ("2024-03-31", "5000.00", "active"),
        ("2024-04-30", "5000.00", "active"),
    ]
    assert_rerun_changes_nothing(runner, "2024-04-30")


# 7. Changes after realization


def seed_fee(runner):
    return fee_of(runner, "placement", SEED)


def test_salary_change_with_nothing_invoiced_replaces_pending_installments(sqlite_ats, cli):
    realize(cli)

    update_row(sqlite_ats, tables.placement, SEED, base_salary=Decimal("120000.00"))
    summary = realize(cli)

    assert (summary["changed"], summary["new"], summary["cancelled"]) == (1, 0, 0)
    fee = seed_fee(cli)
    assert fee["amount"] == "30000.00"
    assert installments(fee) == [
        (1, "2023-07-10", "15000.00", "pending"),
        (2, "2023-10-08", "15000.00", "pending"),
    ]
    assert query(sqlite_ats, "SELECT count(*) FROM fee_installment WHERE kind = 'adjustment'") == [
        (0,)
    ]
    assert_rerun_changes_nothing(cli)


@pytest.mark.databases
def test_salary_change_after_invoicing_keeps_the_invoiced_installment_and_adjusts(
    ats, runner, shared
):
    assert runner("catalog", "import", str(EXAMPLE_CATALOG)).exit_code == 0
    realize(runner)
    fee_id = seed_fee(runner)["fee_id"]
    mark_invoiced(ats, fee_id, 1)

    changed_at = dt.datetime(2023, 8, 15, 9, 0)
    update_row(ats, tables.placement, SEED, base_salary=Decimal("120000.00"), updated_at=changed_at)
    summary = realize(runner)

    assert (summary["changed"], summary["new"], summary["cancelled"]) == (1, 0, 0)
    fee = seed_fee(runner)
    assert (fee["amount"], fee["status"]) == ("30000.00", "active")
    assert installments(fee) == [
        (1, "2023-07-10", "12500.00", "invoiced"),
        (2, "2023-10-08", "15000.00", "pending"),
        (3, "2023-08-15", "2500.00", "pending"),
    ]
    assert standing_total(fee) == Decimal(fee["amount"])
    (revision,) = revisions(ats, fee_id)
    assert revision["change"] == "changed"
    assert (revision["old"]["base_salary"], revision["new"]["base_salary"]) == (
        "100000.00", "120000.00",
    )  # fmt: skip
    assert revision["source_updated_at"] == changed_at
    assert_rerun_changes_nothing(runner)


def test_salary_decrease_after_invoicing_gives_a_negative_adjustment(sqlite_ats, cli):
    realize(cli)
    fee_id = seed_fee(cli)["fee_id"]
    mark_invoiced(sqlite_ats, fee_id, 1)

    changed_at = update_row(sqlite_ats, tables.placement, SEED, base_salary=Decimal("80000.00"))
    realize(cli)

    fee = seed_fee(cli)
    assert installments(fee) == [
        (1, "2023-07-10", "12500.00", "invoiced"),
        (2, "2023-10-08", "10000.00", "pending"),
        (3, changed_at.date().isoformat(), "-2500.00", "pending"),
    ]
    assert standing_total(fee) == Decimal("20000.00") == Decimal(fee["amount"])
    assert_rerun_changes_nothing(cli)


def test_second_change_after_invoicing_reuses_the_one_pending_adjustment(sqlite_ats, cli):
    realize(cli)
    mark_invoiced(sqlite_ats, seed_fee(cli)["fee_id"], 1)
    update_row(sqlite_ats, tables.placement, SEED, base_salary=Decimal("120000.00"))
    realize(cli)

    changed_at = update_row(sqlite_ats, tables.placement, SEED, base_salary=Decimal("90000.00"))
    summary = realize(cli)

    assert summary["changed"] == 1
    fee = seed_fee(cli)
    assert fee["amount"] == "22500.00"
    assert installments(fee) == [
        (1, "2023-07-10", "12500.00", "invoiced"),
        (2, "2023-10-08", "11250.00", "pending"),
        (3, changed_at.date().isoformat(), "-1250.00", "pending"),
    ]
    assert standing_total(fee) == Decimal(fee["amount"])
    assert_rerun_changes_nothing(cli)


def test_start_date_change_moves_pending_installments(sqlite_ats, cli):
    realize(cli)

    update_row(sqlite_ats, tables.placement, SEED, start_date=dt.date(2023, 8, 1))
    realize(cli)

    fee = seed_fee(cli)
    assert fee["event_date"] == "2023-08-01"
    assert installments(fee) == [
        (1, "2023-08-01", "12500.00", "pending"),
        (2, "2023-10-30", "12500.00", "pending"),
    ]
    assert_rerun_changes_nothing(cli)


def test_pay_plan_change_after_invoicing_keeps_the_sum_exact(sqlite_ats, cli):
    realize(cli)
    mark_invoiced(sqlite_ats, seed_fee(cli)["fee_id"], 1)

    changed_at = update_row(sqlite_ats, tables.placement, SEED, pay_plan_code="THIRDS_D0_D30_D60")
    realize(cli)

    fee = seed_fee(cli)
    assert fee["pay_plan_code"] == "THIRDS_D0_D30_D60"
    assert installments(fee) == [
        (1, "2023-07-10", "12500.00", "invoiced"),  # plan line 1, kept as invoiced
        (2, "2023-08-09", "8333.33", "pending"),  # thirds line 2
        (3, "2023-09-08", "8333.34", "pending"),  # thirds line 3
        (4, changed_at.date().isoformat(), "-4166.67", "pending"),  # line 1 was 8333.33
    ]
    assert standing_total(fee) == Decimal("25000.00")
    assert_rerun_changes_nothing(cli)


def test_cancelled_placement_cancels_pending_and_flags_invoiced_for_credit_review(sqlite_ats, cli):
    realize(cli)
    fee_id = seed_fee(cli)["fee_id"]
    mark_invoiced(sqlite_ats, fee_id, 1)

    update_row(sqlite_ats, tables.placement, SEED, status="cancelled")
    summary = realize(cli)

    assert (summary["cancelled"], summary["changed"]) == (1, 0)
    fee = seed_fee(cli)
    assert fee["status"] == "cancelled"
    assert [(s, status) for s, _, _, status in installments(fee)] == [
        (1, "invoiced"), (2, "cancelled"),
    ]  # fmt: skip
    flags = query(
        sqlite_ats,
        "SELECT seq, credit_review_reason FROM fee_installment WHERE fee_id = :f ORDER BY seq",
        f=fee_id,
    )
    assert flags[0].credit_review_reason == f"placement {SEED} was cancelled"
    assert flags[1].credit_review_reason is None
    (revision,) = revisions(sqlite_ats, fee_id)
    assert revision["change"] == "cancelled"
    assert revision["old"]["base_salary"] == "100000.00"
    assert_rerun_changes_nothing(cli)


def test_fell_off_placement_is_flagged_with_the_fell_off_date(sqlite_ats, cli):
    realize(cli)
    fee_id = seed_fee(cli)["fee_id"]
    mark_invoiced(sqlite_ats, fee_id, 1)

    update_row(
        sqlite_ats, tables.placement, SEED, status="fell_off", fell_off_date=dt.date(2023, 8, 20)
    )
    summary = realize(cli)

    assert summary["cancelled"] == 1
    fee = seed_fee(cli)
    assert fee["status"] == "cancelled"
    assert [i["status"] for i in fee["installments"]] == ["invoiced", "cancelled"]
    ((reason,),) = query(
        sqlite_ats,
        "SELECT credit_review_reason FROM fee_installment WHERE fee_id = :f AND seq = 1",
        f=fee_id,
    )
    assert "fell off" in reason
    assert "2023-08-20" in reason
    assert_rerun_changes_nothing(cli)


def test_cancelled_placement_with_nothing_invoiced_cancels_every_installment(sqlite_ats, cli):
    realize(cli)

    update_row(sqlite_ats, tables.placement, SEED, status="cancelled")
    realize(cli)

    fee = seed_fee(cli)
    assert fee["status"] == "cancelled"
    assert [i["status"] for i in fee["installments"]] == ["cancelled", "cancelled"]
    assert_rerun_changes_nothing(cli)


def test_reinstated_placement_is_active_again_with_fresh_pending_installments(sqlite_ats, cli):
    realize(cli)
    fee_id = seed_fee(cli)["fee_id"]
    update_row(sqlite_ats, tables.placement, SEED, status="cancelled")
    realize(cli)

    update_row(sqlite_ats, tables.placement, SEED, status="active")
    summary = realize(cli)

    assert summary["changed"] == 1
    fee = seed_fee(cli)
    assert (fee["status"], fee["amount"]) == ("active", "25000.00")
    assert installments(fee) == [
        (1, "2023-07-10", "12500.00", "cancelled"),
        (2, "2023-10-08", "12500.00", "cancelled"),
        (3, "2023-07-10", "12500.00", "pending"),
        (4, "2023-10-08", "12500.00", "pending"),
    ]
    assert standing_total(fee) == Decimal("25000.00")
    assert [r["change"] for r in revisions(sqlite_ats, fee_id)] == ["cancelled", "reinstated"]
    assert_rerun_changes_nothing(cli)


def test_reinstated_placement_clears_the_credit_review_flag(sqlite_ats, cli):
    realize(cli)
    fee_id = seed_fee(cli)["fee_id"]
    mark_invoiced(sqlite_ats, fee_id, 1)
    update_row(sqlite_ats, tables.placement, SEED, status="cancelled")
    realize(cli)

    update_row(sqlite_ats, tables.placement, SEED, status="active")
    realize(cli)

    fee = seed_fee(cli)
    assert fee["status"] == "active"
    assert [i["status"] for i in fee["installments"]] == ["invoiced", "cancelled", "pending"]
    assert standing_total(fee) == Decimal("25000.00")
    assert (
        query(
            sqlite_ats,
            "SELECT credit_review_reason FROM fee_installment WHERE fee_id = :f",
            f=fee_id,
        )
        == [(None,)] * 3
    )
    assert query(
        sqlite_ats, "SELECT credit_review_reason FROM realized_fee WHERE id = :f", f=fee_id
    ) == [(None,)]
    assert_rerun_changes_nothing(cli)


def test_currency_change_after_invoicing_is_blocked_and_the_fee_kept(sqlite_ats, cli):
    realize(cli)
    mark_invoiced(sqlite_ats, seed_fee(cli)["fee_id"], 1)
    before = seed_fee(cli)

    update_row(sqlite_ats, tables.placement, SEED, currency="EUR")
    summary = realize(cli)

    assert (summary["blocked"], summary["changed"]) == (1, 0)
    (entry,) = blocked_of(cli, "placement", SEED)
    assert "USD to EUR" in entry["reason"]
    assert seed_fee(cli) == before
    assert_rerun_changes_nothing(cli)


def test_billto_moved_under_another_parent_reprices_under_its_new_nearest_assignment(
    sqlite_ats, sqlite_runner, shared, catalogs
):
    sales = insert_billto(sqlite_ats, id=120, parent_id=100, name="Acme Sales")
    discount = assignment(110, "STD_DH", pay_plan="FULL_DAY1", price={"rate": "20"})
    import_catalog(sqlite_runner, catalogs, catalog_with(shared, discount))
    placement = insert_placement(sqlite_ats, billto_id=sales)
    realize(sqlite_runner)
    assert fee_of(sqlite_runner, "placement", placement)["amount"] == "25000.00"

    update_row(sqlite_ats, tables.billto, sales, parent_id=110)
    summary = realize(sqlite_runner)

    assert summary["changed"] == 1
    assert installments(fee_of(sqlite_runner, "placement", placement)) == [
        (1, "2023-07-10", "20000.00", "pending"),  # 110's price and its FULL_DAY1 plan
        (2, "2023-10-08", "12500.00", "cancelled"),
    ]
    assert_rerun_changes_nothing(sqlite_runner)


def test_every_change_writes_a_revision_with_old_and_new_basis(sqlite_ats, cli):
    realize(cli)
    fee_id = seed_fee(cli)["fee_id"]
    assert revisions(sqlite_ats, fee_id) == []  # creation is the fee row itself

    first = update_row(sqlite_ats, tables.placement, SEED, base_salary=Decimal("110000.00"))
    realize(cli)
    second = update_row(sqlite_ats, tables.placement, SEED, pay_plan_code="FULL_DAY1")
    realize(cli)

    found = revisions(sqlite_ats, fee_id)
    assert [(r["change"], r["source_updated_at"]) for r in found] == [
        ("changed", first), ("changed", second),
    ]  # fmt: skip
    assert (found[0]["old"]["base_salary"], found[0]["new"]["base_salary"]) == (
        "100000.00", "110000.00",
    )  # fmt: skip
    assert found[1]["old"] == found[0]["new"]
    assert (found[1]["old"]["pay_plan"], found[1]["new"]["pay_plan"]) == (
        "SPLIT_50_50_D1_D90", "FULL_DAY1",
    )  # fmt: skip
    assert "base_salary 100000.00 → 110000.00" in found[0]["reason"]
    assert_rerun_changes_nothing(cli)


# 8. Idempotency across the whole book


def test_a_mixed_book_realized_twice_changes_nothing_the_second_time(sqlite_ats, cli):
    insert_placement(sqlite_ats, pay_plan_code="THIRDS_D0_D30_D60")
    contract = insert_contract_placement(sqlite_ats)
    insert_timecard(sqlite_ats, contract)
    insert_timecard(sqlite_ats, contract, week_ending=dt.date(2023, 7, 23), status="draft")
    insert_service_fee(sqlite_ats)
    insert_service_fee(sqlite_ats, schedule="monthly", created_date=dt.date(2023, 10, 31))
    insert_placement(sqlite_ats, base_salary=None)

    first = realize(cli)

    assert (first["new"], first["blocked"]) == (7, 1)  # 2 placements, 1 card, 1 + 3 service
    assert_rerun_changes_nothing(cli)


# 9. The fee list


def test_fees_list_filters_by_billto_and_status(sqlite_ats, cli):
    sales = insert_billto(sqlite_ats, id=120, parent_id=100, name="Acme Sales")
    other = insert_placement(sqlite_ats, billto_id=sales)
    gone = insert_placement(sqlite_ats)
    realize(cli)
    update_row(sqlite_ats, tables.placement, gone, status="cancelled")
    realize(cli)

    assert [f["source_id"] for f in list_fees(cli, "--billto", "120")] == [other]
    assert [f["source_id"] for f in list_fees(cli, "--status", "cancelled")] == [gone]
    assert {f["source_id"] for f in list_fees(cli, "--status", "active")} == {SEED, other}
    assert_rerun_changes_nothing(cli)
