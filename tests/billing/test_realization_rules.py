"""Fee realization rules, through the realization and fee services (issue #4).

``book`` is a copy of the worked example's ATS (its seed placement 5001 among
the rows) with the example catalog imported; ``bare_book`` the same without a
catalog, for tests that import their own; ``realized_book`` the ``book``
after its first run through 2023-12-31. Each scenario ends with an
immediate second run, which must change nothing. The two rules whose figures
pass through the database's own decimals run on SQLite, PostgreSQL and
MariaDB; the command line's output of all this is tested in
``tests/cli/test_realize_command.py``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ats import tables
from services.catalog import import_catalog_file
from services.fees import BlockedView, list_blocked, list_fees
from tests.billing.realization_helpers import (
    assignment,
    insert_billto,
    insert_contract_placement,
    insert_placement,
    insert_service_fee,
    insert_timecard,
    mark_invoiced,
    query,
    revisions,
    update_row,
)
from tests.billing.realized_fees import (
    amounts,
    assert_rerun_changes_nothing,
    blocked_of,
    by_occurrence,
    catalog_with,
    catalog_without_std_dh,
    example_catalog,
    fee_of,
    import_catalog,
    installments,
    occurrences_of,
    realize_counts,
    standing_total,
    statuses,
)
from tests.support.product_files import EXAMPLE_CATALOG

SEED = 5001  # the seed example's placement: Billto 110, 100000.00, STD_DH, 50/50 Day 1/Day 90


# 1. The seed example (its `fees list --json` document: tests/cli/test_realize_command.py)


def test_seed_example_realizes_one_fee_in_two_halves(bare_book):
    import_catalog(bare_book, example_catalog())

    counts = realize_counts(bare_book)

    assert {k: counts[k] for k in ("new", "changed", "cancelled", "blocked", "unchanged")} == {
        "new": 1, "changed": 0, "cancelled": 0, "blocked": 0, "unchanged": 0,
    }  # fmt: skip
    (fee,) = list_fees(bare_book)
    assert (fee.source_type, fee.source_id, fee.occurrence, fee.billto_id) == (
        "placement", SEED, None, 110,
    )  # fmt: skip
    assert (fee.product_code, fee.pay_plan_code, fee.currency) == (
        "STD_DH", "SPLIT_50_50_D1_D90", "USD",
    )  # fmt: skip
    assert (fee.event_date, str(fee.amount), fee.status) == (
        dt.date(2023, 7, 10), "25000.00", "active",
    )  # fmt: skip
    assert installments(fee) == [
        (1, "2023-07-10", "12500.00", "pending"),
        (2, "2023-10-08", "12500.00", "pending"),
    ]
    assert [i.invoice_number for i in fee.installments] == [None, None]
    assert list_blocked(bare_book) == []
    assert_rerun_changes_nothing(bare_book)


# 2. Pay plans


def test_thirds_plan_on_the_placement_splits_with_the_last_absorbing_the_remainder(book):
    placement = insert_placement(book.engine, pay_plan_code="THIRDS_D0_D30_D60")

    realize_counts(book)

    fee = fee_of(book, "placement", placement)
    assert (str(fee.amount), fee.pay_plan_code) == ("25000.00", "THIRDS_D0_D30_D60")
    assert installments(fee) == [
        (1, "2023-07-10", "8333.33", "pending"),
        (2, "2023-08-09", "8333.33", "pending"),
        (3, "2023-09-08", "8333.34", "pending"),
    ]
    assert_rerun_changes_nothing(book)


def test_placement_without_a_product_takes_the_covering_assignments_product(book):
    placement = insert_placement(book.engine, product_code=None)

    realize_counts(book)

    fee = fee_of(book, "placement", placement)
    assert (fee.product_code, str(fee.amount)) == ("STD_DH", "25000.00")
    assert_rerun_changes_nothing(book)


def test_placement_pay_plan_wins_over_the_assignment_default(book):
    named = insert_placement(book.engine, pay_plan_code="FULL_DAY1")
    unnamed = insert_placement(book.engine, pay_plan_code=None)

    realize_counts(book)

    assert installments(fee_of(book, "placement", named)) == [
        (1, "2023-07-10", "25000.00", "pending")
    ]
    assert fee_of(book, "placement", unnamed).pay_plan_code == "SPLIT_50_50_D1_D90"
    assert len(fee_of(book, "placement", unnamed).installments) == 2
    assert_rerun_changes_nothing(book)


def test_unknown_pay_plan_on_the_placement_is_blocked_naming_the_plan(book):
    placement = insert_placement(book.engine, pay_plan_code="QUARTERS_D0")

    counts = realize_counts(book)

    assert counts["blocked"] == 1
    (entry,) = blocked_of(book, "placement", placement)
    assert "pay plan QUARTERS_D0" in entry.reason
    assert f"placement {placement}" in entry.reason
    assert [f.source_id for f in list_fees(book)] == [SEED]
    assert_rerun_changes_nothing(book)


# 3. Customer assignments and the blocked list


def test_uncovered_placement_is_blocked_then_realizes_once_an_assignment_is_added(bare_book):
    import_catalog(bare_book, catalog_without_std_dh())

    assert realize_counts(bare_book)["blocked"] == 1
    assert list_fees(bare_book) == []
    assert list_blocked(bare_book) == [
        BlockedView(
            source_type="placement", source_id=SEED, occurrence=None, billto_id=110,
            product_code="STD_DH", event_date=dt.date(2023, 7, 10),
            reason="no customer assignment covers Billto 110 'Acme Engineering' for product "
            "STD_DH on 2023-07-10: add one for this Billto (or a Billto above it) to the catalog",
        )
    ]  # fmt: skip
    assert_rerun_changes_nothing(bare_book)

    import_catalog(bare_book, example_catalog())
    counts = realize_counts(bare_book)

    assert (counts["new"], counts["blocked"]) == (1, 0)
    assert str(fee_of(bare_book, "placement", SEED).amount) == "25000.00"
    assert list_blocked(bare_book) == []
    assert_rerun_changes_nothing(bare_book)


def test_blocked_placement_realizes_once_an_assignment_is_added(bare_book):
    # The seed is not the newest placement change here (see the test above for that case).
    insert_contract_placement(bare_book.engine)
    import_catalog(bare_book, catalog_without_std_dh())
    assert realize_counts(bare_book)["blocked"] == 1

    import_catalog(bare_book, example_catalog())
    counts = realize_counts(bare_book)

    assert (counts["new"], counts["blocked"]) == (1, 0)
    assert str(fee_of(bare_book, "placement", SEED).amount) == "25000.00"
    assert list_blocked(bare_book) == []
    assert_rerun_changes_nothing(bare_book)


def test_catalog_change_reevaluates_every_event_alike(book):
    newest = insert_placement(book.engine)
    realize_counts(book)
    repriced = example_catalog()
    next(p for p in repriced["products"] if p["code"] == "STD_DH")["rate"] = "20"

    import_catalog(book, repriced)
    counts = realize_counts(book)

    fees = {f.source_id: f.amount for f in list_fees(book)}
    assert fees[SEED] == fees[newest]  # whichever the policy, both or neither repriced
    assert counts["changed"] in (0, 2)


def test_nearest_billto_assignment_wins_with_its_price_override(bare_book):
    nearer = assignment(110, "STD_DH", pay_plan="FULL_DAY1", price={"rate": "20"})
    import_catalog(bare_book, catalog_with(nearer))
    elsewhere = insert_billto(bare_book.engine, id=120, parent_id=100, name="Acme Sales")
    sales = insert_placement(bare_book.engine, billto_id=elsewhere)

    realize_counts(bare_book)

    seed = fee_of(bare_book, "placement", SEED)  # names its own plan: 50/50
    assert (str(seed.amount), seed.pay_plan_code) == ("20000.00", "SPLIT_50_50_D1_D90")
    assert str(fee_of(bare_book, "placement", sales).amount) == "25000.00"  # only 100 covers
    assert_rerun_changes_nothing(bare_book)


def test_nearer_billto_wins_even_with_a_wider_scope(bare_book):
    class_at_110 = assignment(110, "class:PLACEMENT", pay_plan="FULL_DAY1")
    import_catalog(bare_book, catalog_with(class_at_110))
    placement = insert_placement(bare_book.engine, pay_plan_code=None)

    realize_counts(bare_book)

    assert fee_of(bare_book, "placement", placement).pay_plan_code == "FULL_DAY1"
    assert_rerun_changes_nothing(bare_book)


def test_product_scope_beats_family_beats_class_at_the_same_billto(bare_book):
    at_110 = [
        assignment(110, "STD_DH", pay_plan="SPLIT_50_50_D1_D90"),
        assignment(110, "family:DIRECT_HIRE", pay_plan="THIRDS_D0_D30_D60"),
        assignment(110, "class:PLACEMENT", pay_plan="FULL_DAY1"),
    ]
    import_catalog(bare_book, catalog_with(*at_110, replace=True))
    by_product = insert_placement(bare_book.engine, pay_plan_code=None)
    by_family = insert_placement(bare_book.engine, pay_plan_code=None, product_code="FLAT_DH")

    realize_counts(bare_book)

    assert fee_of(bare_book, "placement", by_product).pay_plan_code == "SPLIT_50_50_D1_D90"
    flat = fee_of(bare_book, "placement", by_family)
    assert flat.pay_plan_code == "THIRDS_D0_D30_D60"
    assert amounts(flat) == ["1666.67", "1666.67", "1666.66"]
    assert_rerun_changes_nothing(bare_book)


def test_class_scope_covers_when_nothing_narrower_does(bare_book):
    only_class = assignment(100, "class:PLACEMENT", pay_plan="FULL_DAY1")
    import_catalog(bare_book, catalog_with(only_class, replace=True))

    realize_counts(bare_book)

    seed = fee_of(bare_book, "placement", SEED)
    assert (str(seed.amount), len(seed.installments)) == ("25000.00", 2)  # the seed names 50/50
    assert_rerun_changes_nothing(bare_book)


def test_effective_from_and_effective_to_are_inclusive(bare_book):
    window = assignment(
        100, "STD_DH", pay_plan="FULL_DAY1",
        effective_from=dt.date(2023, 7, 10), effective_to=dt.date(2023, 8, 31),
    )  # fmt: skip
    import_catalog(bare_book, catalog_with(window, replace=True))
    starts = {"day_before": "2023-07-09", "last_day": "2023-08-31", "day_after": "2023-09-01"}
    ids = {
        name: insert_placement(bare_book.engine, start_date=dt.date.fromisoformat(day))
        for name, day in starts.items()
    }

    realize_counts(bare_book)

    realized = {f.source_id for f in list_fees(bare_book)}
    assert realized == {SEED, ids["last_day"]}  # the seed starts on effective_from
    blocked = {b.source_id: b.reason for b in list_blocked(bare_book)}
    assert set(blocked) == {ids["day_before"], ids["day_after"]}
    assert "on 2023-09-01" in blocked[ids["day_after"]]
    assert_rerun_changes_nothing(bare_book)


# 4. Pricing


def test_percentage_of_ote_for_a_product_based_on_ote(bare_book):
    exec_search = assignment(100, "EXEC_DH", pay_plan="FULL_DAY1")
    import_catalog(bare_book, catalog_with(exec_search))
    placement = insert_placement(
        bare_book.engine, product_code="EXEC_DH", base_salary=Decimal("150000.00"),
        ote=Decimal("212345.67"),
    )  # fmt: skip

    realize_counts(bare_book)

    # 30% of 212345.67 = 63703.701 -> 63703.70 (of the OTE, not the base salary)
    assert str(fee_of(bare_book, "placement", placement).amount) == "63703.70"
    assert_rerun_changes_nothing(bare_book)


def test_percentage_rounds_half_up_to_the_cent(book):
    placement = insert_placement(book.engine, base_salary=Decimal("123456.78"))

    realize_counts(book)

    fee = fee_of(book, "placement", placement)
    assert str(fee.amount) == "30864.20"  # 25% = 30864.195
    assert amounts(fee) == ["15432.10", "15432.10"]
    assert_rerun_changes_nothing(book)


def test_flat_product_bills_its_amount(bare_book):
    flat = assignment(100, "FLAT_DH", pay_plan="FULL_DAY1")
    import_catalog(bare_book, catalog_with(flat))
    placement = insert_placement(bare_book.engine, product_code="FLAT_DH", base_salary=None)

    realize_counts(bare_book)

    assert installments(fee_of(bare_book, "placement", placement)) == [
        (1, "2023-07-10", "5000.00", "pending")
    ]
    assert_rerun_changes_nothing(bare_book)


def test_assignment_price_overrides_the_catalog_price(bare_book):
    overrides = [
        assignment(110, "STD_DH", pay_plan="FULL_DAY1", price={"rate": "22"}),
        assignment(110, "FLAT_DH", pay_plan="FULL_DAY1", price={"amount": "4000.00"}),
    ]
    import_catalog(bare_book, catalog_with(*overrides))
    flat = insert_placement(bare_book.engine, product_code="FLAT_DH")

    realize_counts(bare_book)

    assert str(fee_of(bare_book, "placement", SEED).amount) == "22000.00"
    assert str(fee_of(bare_book, "placement", flat).amount) == "4000.00"
    assert_rerun_changes_nothing(bare_book)


def test_missing_base_salary_is_blocked_with_a_reason(book):
    placement = insert_placement(book.engine, base_salary=None)

    counts = realize_counts(book)

    assert counts["blocked"] == 1
    (entry,) = blocked_of(book, "placement", placement)
    assert f"placement {placement} has no base_salary" in entry.reason
    assert "enter it in the ATS" in entry.reason
    assert_rerun_changes_nothing(book)


def test_yen_amounts_have_no_minor_unit(book):
    placement = insert_placement(book.engine, currency="JPY", base_salary=Decimal("3333335"))

    realize_counts(book)

    fee = fee_of(book, "placement", placement)
    assert (fee.currency, str(fee.amount)) == ("JPY", "833334")  # 25% = 833333.75
    assert amounts(fee) == ["416667", "416667"]
    assert_rerun_changes_nothing(book)


# 5. Time cards


def test_approved_time_card_bills_hours_by_type_at_their_rates(book):
    placement = insert_contract_placement(book.engine)
    card = insert_timecard(
        book.engine, placement, regular_hours=Decimal("37.50"),
        overtime_hours=Decimal("4.25"), doubletime_hours=Decimal("1.50"),
    )  # fmt: skip

    realize_counts(book)

    fee = fee_of(book, "timecard", card)
    # 37.50 x 85.50 + 4.25 x 128.25 + 1.50 x 171.00 = 3206.25 + 545.0625 + 256.50 = 4007.8125
    assert (str(fee.amount), fee.event_date, fee.product_code) == (
        "4007.81", dt.date(2023, 7, 16), "CONTRACT_HOURS",
    )  # fmt: skip
    assert installments(fee) == [(1, "2023-07-16", "4007.81", "pending")]
    assert str(fee_of(book, "placement", SEED).amount) == "25000.00"
    assert [f.source_type for f in list_fees(book)].count("placement") == 1  # contract: no fee
    assert_rerun_changes_nothing(book)


def test_overtime_without_an_overtime_rate_is_blocked_not_zero(book):
    placement = insert_contract_placement(book.engine, overtime_bill_rate=None)
    card = insert_timecard(book.engine, placement, overtime_hours=Decimal("2"))

    counts = realize_counts(book)

    assert counts["blocked"] == 1
    (entry,) = blocked_of(book, "timecard", card)
    assert "overtime" in entry.reason
    assert "overtime_bill_rate" in entry.reason
    assert entry.event_date == dt.date(2023, 7, 16)
    assert [f for f in list_fees(book) if f.source_type == "timecard"] == []
    assert_rerun_changes_nothing(book)


@pytest.mark.parametrize("status", ["draft", "submitted", "rejected"])
def test_time_cards_not_approved_realize_nothing(book, status):
    placement = insert_contract_placement(book.engine)
    insert_timecard(book.engine, placement, status=status, approved_at=None)

    counts = realize_counts(book)

    assert (counts["new"], counts["blocked"]) == (1, 0)  # the seed placement only
    assert [f.source_type for f in list_fees(book)] == ["placement"]
    assert list_blocked(book) == []
    assert_rerun_changes_nothing(book)


def test_unapproved_time_card_cancels_its_fee_at_zero(book):
    placement = insert_contract_placement(book.engine)
    card = insert_timecard(book.engine, placement)
    realize_counts(book)
    assert str(fee_of(book, "timecard", card).amount) == "3420.00"

    update_row(book.engine, tables.timecard, card, status="submitted", approved_at=None)
    counts = realize_counts(book)

    assert (counts["cancelled"], counts["changed"], counts["new"]) == (1, 0, 0)
    fee = fee_of(book, "timecard", card)
    assert (fee.status, str(fee.amount)) == ("cancelled", "0.00")
    assert installments(fee) == [(1, "2023-07-16", "3420.00", "cancelled")]
    assert_rerun_changes_nothing(book)


def test_unapproved_invoiced_time_card_gets_a_negative_adjustment(book):
    placement = insert_contract_placement(book.engine)
    card = insert_timecard(book.engine, placement)
    realize_counts(book)
    fee_id = fee_of(book, "timecard", card).fee_id
    mark_invoiced(book.engine, fee_id, 1)

    changed_at = update_row(
        book.engine, tables.timecard, card, status="rejected",
        updated_at=dt.datetime(2023, 8, 2, 14, 0),
    )  # fmt: skip
    counts = realize_counts(book)

    assert counts["cancelled"] == 1
    fee = fee_of(book, "timecard", card)
    assert (fee.status, str(fee.amount)) == ("cancelled", "0.00")
    assert installments(fee) == [
        (1, "2023-07-16", "3420.00", "invoiced"),
        (2, changed_at.date().isoformat(), "-3420.00", "pending"),
    ]
    assert standing_total(fee) == Decimal("0.00")
    assert_rerun_changes_nothing(book)


def test_time_card_hours_corrected_after_approval_replace_the_pending_installment(book):
    placement = insert_contract_placement(book.engine)
    card = insert_timecard(book.engine, placement)
    realize_counts(book)

    update_row(book.engine, tables.timecard, card, regular_hours=Decimal("32"))
    counts = realize_counts(book)

    assert counts["changed"] == 1
    assert installments(fee_of(book, "timecard", card)) == [(1, "2023-07-16", "2736.00", "pending")]
    assert_rerun_changes_nothing(book)


def test_blocked_time_card_of_a_new_placement_counts_once_in_the_summary(realized_book):
    # The catalog's full pass is behind realized_book: what follows is incremental.
    placement = insert_contract_placement(realized_book.engine, overtime_bill_rate=None)
    card = insert_timecard(realized_book.engine, placement, overtime_hours=Decimal("2"))

    counts = realize_counts(realized_book)

    assert len(blocked_of(realized_book, "timecard", card)) == 1
    assert counts["blocked"] == 1


def test_time_card_on_a_placement_with_a_non_hourly_product_is_blocked(book):
    placement = insert_contract_placement(book.engine, product_code="STD_DH")
    card = insert_timecard(book.engine, placement)

    counts = realize_counts(book)

    assert counts["blocked"] == 1
    (entry,) = blocked_of(book, "timecard", card)
    assert "STD_DH" in entry.reason
    assert [f for f in list_fees(book) if f.source_type == "timecard"] == []


# 6. Service fees


def test_one_time_service_fee_realizes_once_on_its_created_date(book):
    fee_id = insert_service_fee(book.engine, quantity=Decimal("3"))

    realize_counts(book)

    fee = fee_of(book, "service_fee", fee_id)
    assert (fee.occurrence, fee.event_date, str(fee.amount), fee.product_code) == (
        None, dt.date(2023, 8, 15), "7500.00", "PMO_FEE",
    )  # fmt: skip
    assert installments(fee) == [(1, "2023-08-15", "7500.00", "pending")]
    assert_rerun_changes_nothing(book)


def test_monthly_service_fee_realizes_each_occurrence_up_to_the_as_of_date(book):
    fee_id = insert_service_fee(
        book.engine, schedule="monthly", created_date=dt.date(2024, 1, 31), quantity=Decimal("2")
    )

    counts = realize_counts(book, dt.date(2024, 4, 30))

    assert counts["new"] == 5  # four occurrences and the seed placement
    assert occurrences_of(book, fee_id) == [
        ("2024-01-31", "5000.00", "active"),
        ("2024-02-29", "5000.00", "active"),
        ("2024-03-31", "5000.00", "active"),
        ("2024-04-30", "5000.00", "active"),
    ]
    assert_rerun_changes_nothing(book, dt.date(2024, 4, 30))


def test_later_as_of_adds_only_the_new_occurrences(book):
    fee_id = insert_service_fee(book.engine, schedule="monthly", created_date=dt.date(2024, 1, 31))
    realize_counts(book, dt.date(2024, 4, 30))
    before = by_occurrence(book, fee_id)

    counts = realize_counts(book, dt.date(2024, 6, 30))

    assert (counts["new"], counts["changed"], counts["cancelled"]) == (2, 0, 0)
    after = by_occurrence(book, fee_id)
    assert sorted(set(after) - set(before)) == ["2024-05-31", "2024-06-30"]
    assert all(after[day] == fee for day, fee in before.items())
    assert_rerun_changes_nothing(book, dt.date(2024, 6, 30))


def test_cancelled_service_fee_cancels_pending_occurrences_from_cancelled_on(book):
    fee_id = insert_service_fee(book.engine, schedule="monthly", created_date=dt.date(2024, 1, 31))
    realize_counts(book, dt.date(2024, 4, 30))
    before = by_occurrence(book, fee_id)

    update_row(book.engine, tables.service_fee, fee_id, cancelled_on=dt.date(2024, 3, 31))
    counts = realize_counts(book, dt.date(2024, 4, 30))

    assert (counts["cancelled"], counts["changed"], counts["new"]) == (2, 0, 0)
    after = by_occurrence(book, fee_id)
    for day in ("2024-01-31", "2024-02-29"):
        assert after[day] == before[day]
    for day in ("2024-03-31", "2024-04-30"):
        assert after[day].status == "cancelled"
        assert statuses(after[day]) == ["cancelled"]
    assert_rerun_changes_nothing(book, dt.date(2024, 4, 30))


def test_own_unit_price_on_the_service_fee_wins(book):
    fee_id = insert_service_fee(book.engine, unit_price=Decimal("1800.00"), quantity=Decimal("1.5"))

    realize_counts(book)

    assert str(fee_of(book, "service_fee", fee_id).amount) == "2700.00"
    assert_rerun_changes_nothing(book)


def test_one_time_service_fee_dated_after_the_as_of_realizes_once_the_as_of_reaches_it(book):
    fee_id = insert_service_fee(book.engine, created_date=dt.date(2024, 2, 15))
    realize_counts(book, dt.date(2024, 1, 31))
    assert occurrences_of(book, fee_id) == []  # not due yet

    counts = realize_counts(book, dt.date(2024, 2, 29))

    assert counts["new"] == 1
    assert occurrences_of(book, fee_id) == [(None, "2500.00", "active")]


def test_earlier_as_of_never_cancels_occurrences_already_realized(book):
    fee_id = insert_service_fee(book.engine, schedule="monthly", created_date=dt.date(2024, 1, 31))
    realize_counts(book, dt.date(2024, 4, 30))
    before = list_fees(book)

    counts = realize_counts(book, dt.date(2024, 2, 29))

    assert (counts["cancelled"], counts["changed"]) == (0, 0)
    assert list_fees(book) == before
    assert all(status == "active" for _, _, status in occurrences_of(book, fee_id))


@pytest.mark.databases
def test_a_change_read_by_an_earlier_as_of_reaches_every_occurrence_already_realized(bare_book):
    import_catalog_file(bare_book, EXAMPLE_CATALOG)
    fee_id = insert_service_fee(
        bare_book.engine, schedule="monthly", created_date=dt.date(2024, 1, 31)
    )
    realize_counts(bare_book, dt.date(2024, 4, 30))

    update_row(bare_book.engine, tables.service_fee, fee_id, quantity=Decimal("2"))
    # This run reads the change, with an earlier date than before; the next has the change
    # read already, so nothing tells it apart.
    realize_counts(bare_book, dt.date(2024, 2, 29))
    realize_counts(bare_book, dt.date(2024, 4, 30))

    assert occurrences_of(bare_book, fee_id) == [
        ("2024-01-31", "5000.00", "active"),
        ("2024-02-29", "5000.00", "active"),
        ("2024-03-31", "5000.00", "active"),
        ("2024-04-30", "5000.00", "active"),
    ]
    assert_rerun_changes_nothing(bare_book, dt.date(2024, 4, 30))


# 7. Changes after realization


def seed_fee(runtime):
    return fee_of(runtime, "placement", SEED)


def test_salary_change_with_nothing_invoiced_replaces_pending_installments(realized_book):
    update_row(realized_book.engine, tables.placement, SEED, base_salary=Decimal("120000.00"))
    counts = realize_counts(realized_book)

    assert (counts["changed"], counts["new"], counts["cancelled"]) == (1, 0, 0)
    fee = seed_fee(realized_book)
    assert str(fee.amount) == "30000.00"
    assert installments(fee) == [
        (1, "2023-07-10", "15000.00", "pending"),
        (2, "2023-10-08", "15000.00", "pending"),
    ]
    assert query(
        realized_book.engine, "SELECT count(*) FROM fee_installment WHERE kind = 'adjustment'"
    ) == [(0,)]
    assert_rerun_changes_nothing(realized_book)


@pytest.mark.databases
def test_salary_change_after_invoicing_keeps_the_invoiced_installment_and_adjusts(bare_book):
    import_catalog_file(bare_book, EXAMPLE_CATALOG)
    realize_counts(bare_book)
    fee_id = seed_fee(bare_book).fee_id
    mark_invoiced(bare_book.engine, fee_id, 1)

    changed_at = dt.datetime(2023, 8, 15, 9, 0)
    update_row(
        bare_book.engine, tables.placement, SEED, base_salary=Decimal("120000.00"),
        updated_at=changed_at,
    )  # fmt: skip
    counts = realize_counts(bare_book)

    assert (counts["changed"], counts["new"], counts["cancelled"]) == (1, 0, 0)
    fee = seed_fee(bare_book)
    assert (str(fee.amount), fee.status) == ("30000.00", "active")
    assert installments(fee) == [
        (1, "2023-07-10", "12500.00", "invoiced"),
        (2, "2023-10-08", "15000.00", "pending"),
        (3, "2023-08-15", "2500.00", "pending"),
    ]
    assert standing_total(fee) == fee.amount
    (revision,) = revisions(bare_book.engine, fee_id)
    assert revision["change"] == "changed"
    assert (revision["old"]["base_salary"], revision["new"]["base_salary"]) == (
        "100000.00", "120000.00",
    )  # fmt: skip
    assert revision["source_updated_at"] == changed_at
    assert_rerun_changes_nothing(bare_book)


def test_salary_decrease_after_invoicing_gives_a_negative_adjustment(realized_book):
    fee_id = seed_fee(realized_book).fee_id
    mark_invoiced(realized_book.engine, fee_id, 1)

    changed_at = update_row(
        realized_book.engine, tables.placement, SEED, base_salary=Decimal("80000.00")
    )
    realize_counts(realized_book)

    fee = seed_fee(realized_book)
    assert installments(fee) == [
        (1, "2023-07-10", "12500.00", "invoiced"),
        (2, "2023-10-08", "10000.00", "pending"),
        (3, changed_at.date().isoformat(), "-2500.00", "pending"),
    ]
    assert standing_total(fee) == Decimal("20000.00") == fee.amount
    assert_rerun_changes_nothing(realized_book)


def test_second_change_after_invoicing_reuses_the_one_pending_adjustment(realized_book):
    mark_invoiced(realized_book.engine, seed_fee(realized_book).fee_id, 1)
    update_row(realized_book.engine, tables.placement, SEED, base_salary=Decimal("120000.00"))
    realize_counts(realized_book)

    changed_at = update_row(
        realized_book.engine, tables.placement, SEED, base_salary=Decimal("90000.00")
    )
    counts = realize_counts(realized_book)

    assert counts["changed"] == 1
    fee = seed_fee(realized_book)
    assert str(fee.amount) == "22500.00"
    assert installments(fee) == [
        (1, "2023-07-10", "12500.00", "invoiced"),
        (2, "2023-10-08", "11250.00", "pending"),
        (3, changed_at.date().isoformat(), "-1250.00", "pending"),
    ]
    assert standing_total(fee) == fee.amount
    assert_rerun_changes_nothing(realized_book)


def test_start_date_change_moves_pending_installments(realized_book):
    update_row(realized_book.engine, tables.placement, SEED, start_date=dt.date(2023, 8, 1))
    realize_counts(realized_book)

    fee = seed_fee(realized_book)
    assert fee.event_date == dt.date(2023, 8, 1)
    assert installments(fee) == [
        (1, "2023-08-01", "12500.00", "pending"),
        (2, "2023-10-30", "12500.00", "pending"),
    ]
    assert_rerun_changes_nothing(realized_book)


def test_pay_plan_change_after_invoicing_keeps_the_sum_exact(realized_book):
    mark_invoiced(realized_book.engine, seed_fee(realized_book).fee_id, 1)

    changed_at = update_row(
        realized_book.engine, tables.placement, SEED, pay_plan_code="THIRDS_D0_D30_D60"
    )
    realize_counts(realized_book)

    fee = seed_fee(realized_book)
    assert fee.pay_plan_code == "THIRDS_D0_D30_D60"
    assert installments(fee) == [
        (1, "2023-07-10", "12500.00", "invoiced"),  # plan line 1, kept as invoiced
        (2, "2023-08-09", "8333.33", "pending"),  # thirds line 2
        (3, "2023-09-08", "8333.34", "pending"),  # thirds line 3
        (4, changed_at.date().isoformat(), "-4166.67", "pending"),  # line 1 was 8333.33
    ]
    assert standing_total(fee) == Decimal("25000.00")
    assert_rerun_changes_nothing(realized_book)


def test_cancelled_placement_cancels_pending_and_flags_invoiced_for_credit_review(realized_book):
    fee_id = seed_fee(realized_book).fee_id
    mark_invoiced(realized_book.engine, fee_id, 1)

    update_row(realized_book.engine, tables.placement, SEED, status="cancelled")
    counts = realize_counts(realized_book)

    assert (counts["cancelled"], counts["changed"]) == (1, 0)
    fee = seed_fee(realized_book)
    assert fee.status == "cancelled"
    assert [(s, status) for s, _, _, status in installments(fee)] == [
        (1, "invoiced"), (2, "cancelled"),
    ]  # fmt: skip
    flags = query(
        realized_book.engine,
        "SELECT seq, credit_review_reason FROM fee_installment WHERE fee_id = :f ORDER BY seq",
        f=fee_id,
    )
    assert flags[0].credit_review_reason == f"placement {SEED} was cancelled"
    assert flags[1].credit_review_reason is None
    (revision,) = revisions(realized_book.engine, fee_id)
    assert revision["change"] == "cancelled"
    assert revision["old"]["base_salary"] == "100000.00"
    assert_rerun_changes_nothing(realized_book)


def test_fell_off_placement_is_flagged_with_the_fell_off_date(realized_book):
    fee_id = seed_fee(realized_book).fee_id
    mark_invoiced(realized_book.engine, fee_id, 1)

    update_row(
        realized_book.engine,
        tables.placement,
        SEED,
        status="fell_off",
        fell_off_date=dt.date(2023, 8, 20),
    )
    counts = realize_counts(realized_book)

    assert counts["cancelled"] == 1
    fee = seed_fee(realized_book)
    assert fee.status == "cancelled"
    assert statuses(fee) == ["invoiced", "cancelled"]
    ((reason,),) = query(
        realized_book.engine,
        "SELECT credit_review_reason FROM fee_installment WHERE fee_id = :f AND seq = 1",
        f=fee_id,
    )
    assert "fell off" in reason
    assert "2023-08-20" in reason
    assert_rerun_changes_nothing(realized_book)


def test_cancelled_placement_with_nothing_invoiced_cancels_every_installment(realized_book):
    update_row(realized_book.engine, tables.placement, SEED, status="cancelled")
    realize_counts(realized_book)

    fee = seed_fee(realized_book)
    assert fee.status == "cancelled"
    assert statuses(fee) == ["cancelled", "cancelled"]
    assert_rerun_changes_nothing(realized_book)


def test_reinstated_placement_is_active_again_with_fresh_pending_installments(realized_book):
    fee_id = seed_fee(realized_book).fee_id
    update_row(realized_book.engine, tables.placement, SEED, status="cancelled")
    realize_counts(realized_book)

    update_row(realized_book.engine, tables.placement, SEED, status="active")
    counts = realize_counts(realized_book)

    assert counts["changed"] == 1
    fee = seed_fee(realized_book)
    assert (fee.status, str(fee.amount)) == ("active", "25000.00")
    assert installments(fee) == [
        (1, "2023-07-10", "12500.00", "cancelled"),
        (2, "2023-10-08", "12500.00", "cancelled"),
        (3, "2023-07-10", "12500.00", "pending"),
        (4, "2023-10-08", "12500.00", "pending"),
    ]
    assert standing_total(fee) == Decimal("25000.00")
    assert [r["change"] for r in revisions(realized_book.engine, fee_id)] == [
        "cancelled",
        "reinstated",
    ]
    assert_rerun_changes_nothing(realized_book)


def test_reinstated_placement_clears_the_credit_review_flag(realized_book):
    fee_id = seed_fee(realized_book).fee_id
    mark_invoiced(realized_book.engine, fee_id, 1)
    update_row(realized_book.engine, tables.placement, SEED, status="cancelled")
    realize_counts(realized_book)

    update_row(realized_book.engine, tables.placement, SEED, status="active")
    realize_counts(realized_book)

    fee = seed_fee(realized_book)
    assert fee.status == "active"
    assert statuses(fee) == ["invoiced", "cancelled", "pending"]
    assert standing_total(fee) == Decimal("25000.00")
    assert (
        query(
            realized_book.engine,
            "SELECT credit_review_reason FROM fee_installment WHERE fee_id = :f",
            f=fee_id,
        )
        == [(None,)] * 3
    )
    assert query(
        realized_book.engine,
        "SELECT credit_review_reason FROM realized_fee WHERE id = :f",
        f=fee_id,
    ) == [(None,)]
    assert_rerun_changes_nothing(realized_book)


def test_currency_change_after_invoicing_is_blocked_and_the_fee_kept(realized_book):
    mark_invoiced(realized_book.engine, seed_fee(realized_book).fee_id, 1)
    before = seed_fee(realized_book)

    update_row(realized_book.engine, tables.placement, SEED, currency="EUR")
    counts = realize_counts(realized_book)

    assert (counts["blocked"], counts["changed"]) == (1, 0)
    (entry,) = blocked_of(realized_book, "placement", SEED)
    assert "USD to EUR" in entry.reason
    assert seed_fee(realized_book) == before
    assert_rerun_changes_nothing(realized_book)


def test_billto_moved_under_another_parent_reprices_under_its_new_nearest_assignment(bare_book):
    sales = insert_billto(bare_book.engine, id=120, parent_id=100, name="Acme Sales")
    discount = assignment(110, "STD_DH", pay_plan="FULL_DAY1", price={"rate": "20"})
    import_catalog(bare_book, catalog_with(discount))
    placement = insert_placement(bare_book.engine, billto_id=sales)
    realize_counts(bare_book)
    assert str(fee_of(bare_book, "placement", placement).amount) == "25000.00"

    update_row(bare_book.engine, tables.billto, sales, parent_id=110)
    counts = realize_counts(bare_book)

    assert counts["changed"] == 1
    assert installments(fee_of(bare_book, "placement", placement)) == [
        (1, "2023-07-10", "20000.00", "pending"),  # 110's price and its FULL_DAY1 plan
        (2, "2023-10-08", "12500.00", "cancelled"),
    ]
    assert_rerun_changes_nothing(bare_book)


def test_every_change_writes_a_revision_with_old_and_new_basis(realized_book):
    fee_id = seed_fee(realized_book).fee_id
    assert revisions(realized_book.engine, fee_id) == []  # creation is the fee row itself

    first = update_row(
        realized_book.engine, tables.placement, SEED, base_salary=Decimal("110000.00")
    )
    realize_counts(realized_book)
    second = update_row(realized_book.engine, tables.placement, SEED, pay_plan_code="FULL_DAY1")
    realize_counts(realized_book)

    found = revisions(realized_book.engine, fee_id)
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
    assert_rerun_changes_nothing(realized_book)


# 8. Idempotency across the whole book


def test_a_mixed_book_realized_twice_changes_nothing_the_second_time(book):
    insert_placement(book.engine, pay_plan_code="THIRDS_D0_D30_D60")
    contract = insert_contract_placement(book.engine)
    insert_timecard(book.engine, contract)
    insert_timecard(book.engine, contract, week_ending=dt.date(2023, 7, 23), status="draft")
    insert_service_fee(book.engine)
    insert_service_fee(book.engine, schedule="monthly", created_date=dt.date(2023, 10, 31))
    insert_placement(book.engine, base_salary=None)

    first = realize_counts(book)

    assert (first["new"], first["blocked"]) == (7, 1)  # 2 placements, 1 card, 1 + 3 service
    assert_rerun_changes_nothing(book)


# 9. The fee list


def test_fees_list_filters_by_billto_and_status(book):
    sales = insert_billto(book.engine, id=120, parent_id=100, name="Acme Sales")
    other = insert_placement(book.engine, billto_id=sales)
    gone = insert_placement(book.engine)
    realize_counts(book)
    update_row(book.engine, tables.placement, gone, status="cancelled")
    realize_counts(book)

    assert [f.source_id for f in list_fees(book, billto_id=120)] == [other]
    assert [f.source_id for f in list_fees(book, status="cancelled")] == [gone]
    assert {f.source_id for f in list_fees(book, status="active")} == {SEED, other}
    assert_rerun_changes_nothing(book)
