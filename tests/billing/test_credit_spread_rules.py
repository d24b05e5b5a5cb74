"""Reductions larger than the latest invoice, and credits by hand, through the services.

A time card billed at 40 h (4000.00), raised to 45 h (+500.00 on a second
invoice), then cut to 1 h must be credited 4400.00 in all, on credit memos
each within what is left of the invoice it credits; a credit by hand that
already gave the customer a reduction counts toward it.
"""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from ats import tables
from backoffice.errors import NeedsUserAction
from services import batches, corrections
from tests.billing.invoicing_steps import (
    LATER,
    approve,
    assert_rerun_changes_nothing,
    balance,
    batch,
    build,
    credit,
    credits_of,
    list_fees,
    realize,
    show,
    told,
)
from tests.billing.realization_helpers import (
    insert_billto,
    insert_contract_placement,
    insert_placement,
    insert_timecard,
    update_row,
)


def billed_timecard(realized, runtime):
    """A 40-hour time card at 100.00 an hour, invoiced; (card id, its invoice number)."""
    placement = insert_contract_placement(realized, bill_rate=Decimal("100.00"))
    card = insert_timecard(realized, placement)
    realize(runtime)
    return card, approve_all(runtime)[0]


def approve_all(runtime, *, warnings=None):
    """Build and approve everything due; the numbers of the time card's documents."""
    built = build(runtime, LATER)
    if warnings is not None:
        warnings.extend(built.warnings)
    if built.batch_id is not None:
        approve(runtime, built.batch_id)
    return [i.invoice_number for i in timecard_fee(runtime).installments if i.invoice_number]


def change_hours(realized, runtime, card, hours):
    update_row(realized, tables.timecard, card, regular_hours=Decimal(hours))
    realize(runtime)


def timecard_fee(runtime):
    (fee,) = [f for f in list_fees(runtime) if f.source_type == "timecard"]
    return fee


def spread(built):
    """(invoice credited, total) of each document built, sorted."""
    return sorted((d.credits, str(d.total)) for d in built.documents)


def test_reduction_is_spread_over_the_fees_invoices_newest_first(realized, runtime):
    card, first = billed_timecard(realized, runtime)
    change_hours(realized, runtime, card, "45")
    _, second = approve_all(runtime)
    change_hours(realized, runtime, card, "1")

    built = build(runtime, LATER)
    assert spread(built) == sorted([(second, "500.00"), (first, "3900.00")])
    approved = approve(runtime, built.batch_id)

    assert sum(d.total for d in approved) == Decimal("4400.00")
    assert (balance(runtime, first), balance(runtime, second)) == ("100.00", "0.00")
    fee = timecard_fee(runtime)
    assert [(str(i.amount), i.status) for i in fee.installments] == [
        ("4000.00", "invoiced"), ("500.00", "invoiced"),
        ("-500.00", "invoiced"), ("-3900.00", "invoiced"),
    ]  # fmt: skip
    assert sum(i.amount for i in fee.installments) == fee.amount
    assert build(runtime, LATER).documents == []
    assert_rerun_changes_nothing(runtime)


def test_dry_run_shows_the_spread_and_writes_nothing(realized, runtime):
    card, first = billed_timecard(realized, runtime)
    change_hours(realized, runtime, card, "45")
    _, second = approve_all(runtime)
    change_hours(realized, runtime, card, "1")

    dry = build(runtime, LATER, dry_run=True)

    assert spread(dry) == sorted([(second, "500.00"), (first, "3900.00")])
    assert [str(i.amount) for i in timecard_fee(runtime).installments][-1] == "-4400.00"


def test_credit_by_hand_counts_toward_a_later_reduction(realized, runtime):
    card, invoice = billed_timecard(realized, runtime)
    credit(runtime, invoice, "1000", "customer disputes 10 hours")
    change_hours(realized, runtime, card, "30")

    warnings: list[str] = []
    approve_all(runtime, warnings=warnings)

    assert credits_of(runtime, invoice) == [("CM-000001", "1000.00")]
    assert any("already credited by a credit memo issued by hand" in w for w in warnings)
    change_hours(realized, runtime, card, "20")
    approve_all(runtime)
    assert credits_of(runtime, invoice) == [("CM-000001", "1000.00"), ("CM-000002", "1000.00")]
    assert balance(runtime, invoice) == "2000.00"


def test_voiding_the_credit_by_hand_has_the_reduction_credited(realized, runtime):
    card, invoice = billed_timecard(realized, runtime)
    credit(runtime, invoice, "1000", "dispute")
    change_hours(realized, runtime, card, "30")
    approve_all(runtime)

    corrections.void_document(runtime, "CM-000001", "issued in error")
    approve_all(runtime)

    assert credits_of(runtime, invoice) == [("CM-000002", "1000.00")]
    assert balance(runtime, invoice) == "3000.00"


def test_reduction_never_credits_past_what_credits_by_hand_left(realized, runtime):
    card, first = billed_timecard(realized, runtime)
    change_hours(realized, runtime, card, "45")
    _, second = approve_all(runtime)
    credit(runtime, first, "4000", "write-off")
    change_hours(realized, runtime, card, "1")

    approve_all(runtime)

    assert credits_of(runtime, first) == [("CM-000001", "4000.00")]
    assert credits_of(runtime, second) == [("CM-000002", "400.00")]
    assert balance(runtime, second) == "100.00"


def test_discarded_spread_is_built_again_without_cutting_more(realized, runtime):
    card, first = billed_timecard(realized, runtime)
    change_hours(realized, runtime, card, "45")
    _, second = approve_all(runtime)
    change_hours(realized, runtime, card, "1")
    built = build(runtime, LATER)
    assert built.batch_id is not None
    batches.discard_batch(runtime, built.batch_id)

    rebuilt = build(runtime, LATER)

    assert spread(rebuilt) == sorted([(second, "500.00"), (first, "3900.00")])
    assert [str(i.amount) for i in timecard_fee(runtime).installments] == [
        "4000.00", "500.00", "-500.00", "-3900.00",
    ]  # fmt: skip


def test_credit_by_hand_on_an_invoice_of_several_fees_names_none(realized, runtime):
    placement = insert_contract_placement(realized, bill_rate=Decimal("100.00"))
    insert_timecard(realized, placement, week_ending=dt.date(2023, 7, 10))
    realize(runtime)
    (invoice,) = set(approve_all(runtime))
    assert len(show(runtime, invoice).lines) == 2

    memo = credit(runtime, invoice, "100", "x")

    assert (memo.lines[0].fee_id, memo.lines[0].source_type) == (None, None)


def test_credit_memo_past_what_is_left_is_held_and_the_other_billtos_approved(realized, runtime):
    # The run credits a fall-off only what the credit by hand left (500.00); the
    # draft memo is then raised to the full installment, as an older run built it.
    approve(runtime, build(runtime, dt.date(2023, 7, 31)).batch_id)
    credit(runtime, "INV-000001", "12000", "dispute")
    update_row(
        realized, tables.placement, 5001, status="fell_off", fell_off_date=dt.date(2023, 8, 20),
        updated_at=dt.datetime(2023, 8, 21, 8, 0),
    )  # fmt: skip
    robotics = insert_billto(realized, email="ap@robotics.example")
    insert_placement(realized, billto_id=robotics)
    realize(runtime)
    built = build(runtime, LATER)
    assert built.batch_id is not None
    (memo,) = [d for d in built.documents if d.kind == "credit_memo"]
    assert str(memo.total) == "500.00"
    memos = "SELECT id FROM invoice WHERE batch_id = :batch AND kind = 'credit_memo'"
    drafts = {"batch": built.batch_id}
    with realized.begin() as connection:
        connection.execute(text("UPDATE invoice_line SET amount = 12500, rate = 12500 "
                                f"WHERE invoice_id IN ({memos})"), drafts)  # fmt: skip
        connection.execute(text("UPDATE invoice SET total = 12500, balance = 12500 "
                                "WHERE batch_id = :batch AND kind = 'credit_memo'"),
                           drafts)  # fmt: skip

    approved = batches.approve_batch(runtime, built.batch_id)

    assert approved.held_batch_id == built.batch_id + 1
    issues = "\n".join(approved.issues)
    assert "credit memos for invoice INV-000001" in issues
    assert "credit 24500.00 of an invoice of 12500.00" in issues
    assert {(d.billto_id, d.kind, d.status) for d in batch(runtime, built.batch_id)} == {
        (robotics, "invoice", "approved")
    }
    (held,) = batch(runtime, approved.held_batch_id)
    assert (held.kind, held.credits, held.status) == ("credit_memo", "INV-000001", "draft")


def test_credit_by_hand_for_a_named_fee_of_several_counts_toward_its_reduction(realized, runtime):
    placement = insert_contract_placement(realized, bill_rate=Decimal("100.00"))
    card = insert_timecard(realized, placement, week_ending=dt.date(2023, 7, 10))
    realize(runtime)
    (invoice,) = set(approve_all(runtime))
    fee = timecard_fee(runtime).fee_id
    with pytest.raises(NeedsUserAction) as unknown:
        credit(runtime, invoice, "1", "x", fee_id=99)
    with pytest.raises(NeedsUserAction) as too_much:
        credit(runtime, invoice, "4000.01", "x", fee_id=fee)
    assert "Fee 99 is not billed on invoice" in told(unknown.value)
    assert f"at most 4000.00 for fee {fee}" in told(too_much.value)

    memo = credit(runtime, invoice, "1000", "10 hours disputed", fee_id=fee)
    change_hours(realized, runtime, card, "30")
    approve_all(runtime)

    assert (memo.lines[0].fee_id, memo.lines[0].source_type) == (fee, "timecard")
    assert credits_of(runtime, invoice) == [("CM-000001", "1000.00")]


def test_held_reduction_is_told_in_the_currencys_digits(realized, runtime):
    card, invoice = billed_timecard(realized, runtime)
    credit(runtime, invoice, "1000", "dispute")
    change_hours(realized, runtime, card, "30")

    warnings = build(runtime, LATER).warnings

    fee = timecard_fee(runtime).fee_id
    told_first = f"fee {fee}: 1000.00 USD of its reduction is already credited"
    assert any(w.startswith(told_first) for w in warnings), warnings
