"""Reductions larger than the latest invoice, and credits by hand, through the CLI.

A time card billed at 40 h (4000.00), raised to 45 h (+500.00 on a second
invoice), then cut to 1 h must be credited 4400.00 in all, on credit memos
each within what is left of the invoice it credits; a credit by hand that
already gave the customer a reduction counts toward it.
"""

import datetime as dt
from decimal import Decimal

from sqlalchemy import text

from ats import tables
from tests.billing.realization_helpers import (
    LATER,
    assert_rerun_changes_nothing,
    credits_of,
    insert_billto,
    insert_contract_placement,
    insert_placement,
    insert_timecard,
    run_json,
    update_row,
)


def billed_timecard(realized, runner):
    """A 40-hour time card at 100.00 an hour, invoiced; (card id, its invoice number)."""
    placement = insert_contract_placement(realized, bill_rate=Decimal("100.00"))
    card = insert_timecard(realized, placement)
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    return card, approve_all(runner)[0]


def approve_all(runner, *, warnings=None):
    """Build and approve everything due; the numbers of the time card's documents."""
    built = run_json(runner, "invoice", "run", "--through", LATER)
    if warnings is not None:
        warnings.extend(built["warnings"])
    if built["batch_id"] is not None:
        run_json(runner, "invoice", "approve", str(built["batch_id"]))
    return [
        i["invoice_number"] for i in timecard_fee(runner)["installments"] if i["invoice_number"]
    ]


def change_hours(realized, runner, card, hours):
    update_row(realized, tables.timecard, card, regular_hours=Decimal(hours))
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0


def timecard_fee(runner):
    (fee,) = [f for f in run_json(runner, "fees", "list") if f["source_type"] == "timecard"]
    return fee


def test_reduction_is_spread_over_the_fees_invoices_newest_first(realized, runner):
    card, first = billed_timecard(realized, runner)
    change_hours(realized, runner, card, "45")
    _, second = approve_all(runner)
    change_hours(realized, runner, card, "1")

    built = run_json(runner, "invoice", "run", "--through", LATER)
    assert sorted((d["credits"], d["total"]) for d in built["invoices"]) == sorted(
        [(second, "500.00"), (first, "3900.00")]
    )
    approved = run_json(runner, "invoice", "approve", str(built["batch_id"]))

    assert sum(Decimal(d["total"]) for d in approved) == Decimal("4400.00")
    shown = {n: run_json(runner, "invoice", "show", n) for n in (first, second)}
    assert (shown[first]["balance"], shown[second]["balance"]) == ("100.00", "0.00")
    fee = timecard_fee(runner)
    assert [(i["amount"], i["status"]) for i in fee["installments"]] == [
        ("4000.00", "invoiced"), ("500.00", "invoiced"),
        ("-500.00", "invoiced"), ("-3900.00", "invoiced"),
    ]  # fmt: skip
    assert sum(Decimal(i["amount"]) for i in fee["installments"]) == Decimal(fee["amount"])
    assert run_json(runner, "invoice", "run", "--through", LATER)["invoices"] == []
    assert_rerun_changes_nothing(runner)


def test_dry_run_shows_the_spread_and_writes_nothing(realized, runner):
    card, first = billed_timecard(realized, runner)
    change_hours(realized, runner, card, "45")
    _, second = approve_all(runner)
    change_hours(realized, runner, card, "1")

    dry = run_json(runner, "invoice", "run", "--through", LATER, "--dry-run")

    assert sorted((d["credits"], d["total"]) for d in dry["invoices"]) == sorted(
        [(second, "500.00"), (first, "3900.00")]
    )
    assert [i["amount"] for i in timecard_fee(runner)["installments"]][-1] == "-4400.00"


def test_credit_by_hand_counts_toward_a_later_reduction(realized, runner):
    card, invoice = billed_timecard(realized, runner)
    run_json(runner, "invoice", "credit", invoice, "--amount", "1000",
             "--reason", "customer disputes 10 hours")  # fmt: skip
    change_hours(realized, runner, card, "30")

    warnings: list[str] = []
    approve_all(runner, warnings=warnings)

    assert credits_of(runner, invoice) == [("CM-000001", "1000.00")]
    assert any("already credited by a credit memo issued by hand" in w for w in warnings)
    change_hours(realized, runner, card, "20")
    approve_all(runner)
    assert credits_of(runner, invoice) == [("CM-000001", "1000.00"), ("CM-000002", "1000.00")]
    assert run_json(runner, "invoice", "show", invoice)["balance"] == "2000.00"


def test_voiding_the_credit_by_hand_has_the_reduction_credited(realized, runner):
    card, invoice = billed_timecard(realized, runner)
    run_json(runner, "invoice", "credit", invoice, "--amount", "1000", "--reason", "dispute")
    change_hours(realized, runner, card, "30")
    approve_all(runner)

    assert runner("invoice", "void", "CM-000001", "--reason", "issued in error").exit_code == 0
    approve_all(runner)

    assert credits_of(runner, invoice) == [("CM-000002", "1000.00")]
    assert run_json(runner, "invoice", "show", invoice)["balance"] == "3000.00"


def test_reduction_never_credits_past_what_credits_by_hand_left(realized, runner):
    card, first = billed_timecard(realized, runner)
    change_hours(realized, runner, card, "45")
    _, second = approve_all(runner)
    run_json(runner, "invoice", "credit", first, "--amount", "4000", "--reason", "write-off")
    change_hours(realized, runner, card, "1")

    approve_all(runner)

    assert credits_of(runner, first) == [("CM-000001", "4000.00")]
    assert credits_of(runner, second) == [("CM-000002", "400.00")]
    assert run_json(runner, "invoice", "show", second)["balance"] == "100.00"


def test_discarded_spread_is_built_again_without_cutting_more(realized, runner):
    card, first = billed_timecard(realized, runner)
    change_hours(realized, runner, card, "45")
    _, second = approve_all(runner)
    change_hours(realized, runner, card, "1")
    built = run_json(runner, "invoice", "run", "--through", LATER)
    assert runner("invoice", "discard", str(built["batch_id"])).exit_code == 0

    rebuilt = run_json(runner, "invoice", "run", "--through", LATER)

    assert sorted((d["credits"], d["total"]) for d in rebuilt["invoices"]) == sorted(
        [(second, "500.00"), (first, "3900.00")]
    )
    assert [i["amount"] for i in timecard_fee(runner)["installments"]] == [
        "4000.00", "500.00", "-500.00", "-3900.00",
    ]  # fmt: skip


def test_credit_by_hand_on_an_invoice_of_several_fees_names_none(realized, runner):
    placement = insert_contract_placement(realized, bill_rate=Decimal("100.00"))
    insert_timecard(realized, placement, week_ending=dt.date(2023, 7, 10))
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    (invoice,) = {number for number in approve_all(runner)}
    assert len(run_json(runner, "invoice", "show", invoice)["lines"]) == 2

    memo = run_json(runner, "invoice", "credit", invoice, "--amount", "100", "--reason", "x")

    assert (memo["lines"][0]["fee_id"], memo["lines"][0]["source_type"]) == (None, None)


def test_credit_memo_past_what_is_left_is_held_and_the_other_billtos_approved(realized, runner):
    # The run credits a fall-off only what the credit by hand left (500.00); the
    # draft memo is then raised to the full installment, as an older run built it.
    first = run_json(runner, "invoice", "run", "--through", "2023-07-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(first))
    run_json(runner, "invoice", "credit", "INV-000001", "--amount", "12000", "--reason", "dispute")
    update_row(
        realized, tables.placement, 5001, status="fell_off", fell_off_date=dt.date(2023, 8, 20),
        updated_at=dt.datetime(2023, 8, 21, 8, 0),
    )  # fmt: skip
    robotics = insert_billto(realized, email="ap@robotics.example")
    insert_placement(realized, billto_id=robotics)
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    built = run_json(runner, "invoice", "run", "--through", LATER)
    batch = built["batch_id"]
    (memo,) = [d for d in built["invoices"] if d["kind"] == "credit_memo"]
    assert memo["total"] == "500.00"
    memos = "SELECT id FROM invoice WHERE batch_id = :batch AND kind = 'credit_memo'"
    with realized.begin() as connection:
        connection.execute(text("UPDATE invoice_line SET amount = 12500, rate = 12500 "
                                f"WHERE invoice_id IN ({memos})"), {"batch": batch})  # fmt: skip
        connection.execute(text("UPDATE invoice SET total = 12500, balance = 12500 "
                                "WHERE batch_id = :batch AND kind = 'credit_memo'"),
                           {"batch": batch})  # fmt: skip

    result = runner("invoice", "approve", str(batch))

    assert result.exit_code == 1
    assert "credit memos for invoice INV-000001" in result.stderr
    assert "credit 24500.00 of an invoice of 12500.00" in result.stderr
    approved = run_json(runner, "invoice", "list", "--batch", str(batch))
    assert {(d["billto_id"], d["kind"], d["status"]) for d in approved} == {
        (robotics, "invoice", "approved")
    }
    (held,) = run_json(runner, "invoice", "list", "--batch", str(batch + 1))
    assert (held["kind"], held["credits"], held["status"]) == ("credit_memo", "INV-000001", "draft")


def test_credit_by_hand_for_a_named_fee_of_several_counts_toward_its_reduction(realized, runner):
    placement = insert_contract_placement(realized, bill_rate=Decimal("100.00"))
    card = insert_timecard(realized, placement, week_ending=dt.date(2023, 7, 10))
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    (invoice,) = set(approve_all(runner))
    fee = timecard_fee(runner)["fee_id"]
    unknown = runner("invoice", "credit", invoice, "--amount", "1", "--reason", "x", "--fee", "99")
    too_much = runner("invoice", "credit", invoice, "--amount", "4000.01", "--reason", "x",
                      "--fee", str(fee))  # fmt: skip
    assert unknown.exit_code == 1 and "Fee 99 is not billed on invoice" in unknown.stderr
    assert too_much.exit_code == 1 and f"at most 4000.00 for fee {fee}" in too_much.stderr

    memo = run_json(runner, "invoice", "credit", invoice, "--amount", "1000",
                    "--reason", "10 hours disputed", "--fee", str(fee))  # fmt: skip
    change_hours(realized, runner, card, "30")
    approve_all(runner)

    assert (memo["lines"][0]["fee_id"], memo["lines"][0]["source_type"]) == (fee, "timecard")
    assert credits_of(runner, invoice) == [("CM-000001", "1000.00")]


def test_held_reduction_is_told_in_the_currencys_digits(realized, runner):
    card, invoice = billed_timecard(realized, runner)
    run_json(runner, "invoice", "credit", invoice, "--amount", "1000", "--reason", "dispute")
    change_hours(realized, runner, card, "30")

    warnings = run_json(runner, "invoice", "run", "--through", LATER)["warnings"]

    fee = timecard_fee(runner)["fee_id"]
    told = f"fee {fee}: 1000.00 USD of its reduction is already credited"
    assert any(w.startswith(told) for w in warnings), warnings
