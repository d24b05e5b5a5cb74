"""Corrections through the services: credit memos (automatic and by hand) and voids."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ats import tables
from backoffice.errors import NeedsUserAction
from services import batches, corrections, numbering
from tests.billing.invoicing_steps import (
    LATER,
    approve,
    approve_through,
    assert_rerun_changes_nothing,
    balance,
    build,
    credit,
    every_document,
    installments,
    list_fees,
    realize,
    show,
    told,
)
from tests.billing.realization_helpers import update_row

SEED = 5001
JULY = dt.date(2023, 7, 31)
YEAR_END = dt.date(2023, 12, 31)


def the_fee(runtime):
    (fee,) = list_fees(runtime)
    return fee


def test_salary_cut_after_invoicing_becomes_a_credit_memo_on_the_invoice(realized, runtime):
    approve_through(runtime, JULY)
    update_row(realized, tables.placement, SEED, base_salary=Decimal("80000.00"),
               updated_at=dt.datetime(2023, 8, 20, 9, 0))  # fmt: skip
    realize(runtime)

    built = build(runtime, LATER)
    assert [(d.kind, d.credits, d.invoice_date.isoformat(), str(d.total))
            for d in built.documents] == [
        ("credit_memo", "INV-000001", "2023-08-20", "2500.00"),
        ("invoice", None, "2023-10-08", "10000.00"),
    ]  # fmt: skip
    assert (
        built.documents[0]
        .lines[0]
        .description.startswith("Credit: adjustment to Placement fee – Jordan Rivera")
    )
    approved = approve(runtime, built.batch_id)

    assert sorted(d.number or "" for d in approved) == ["CM-000001", "INV-000002"]
    assert balance(runtime, "INV-000001") == "10000.00"
    assert balance(runtime, "CM-000001") == "0.00"
    assert [(i.seq, i.status, i.invoice_number) for i in the_fee(runtime).installments] == [
        (1, "invoiced", "INV-000001"), (2, "invoiced", "INV-000002"), (3, "invoiced", "CM-000001"),
    ]  # fmt: skip
    again = build(runtime, LATER)
    assert again.batch_id is None and again.documents == []
    assert_rerun_changes_nothing(runtime)


def test_fell_off_placement_credits_what_was_invoiced(realized, runtime):
    approve_through(runtime, JULY)
    update_row(
        realized, tables.placement, SEED, status="fell_off", fell_off_date=dt.date(2023, 8, 20),
        updated_at=dt.datetime(2023, 8, 21, 8, 0),
    )  # fmt: skip
    realize(runtime)

    built = build(runtime, LATER)
    (memo,) = built.documents
    assert (memo.kind, memo.credits, memo.invoice_date.isoformat(), str(memo.total)) == (
        "credit_memo", "INV-000001", "2023-08-21", "12500.00",
    )  # fmt: skip
    assert "fell off" in memo.lines[0].description
    (approved,) = approve(runtime, built.batch_id)

    assert approved.number == "CM-000001"
    assert balance(runtime, "INV-000001") == "0.00"
    assert [i.status for i in the_fee(runtime).installments] == ["cancelled", "cancelled"]
    assert build(runtime, LATER).documents == []
    assert_rerun_changes_nothing(runtime)


def test_credit_by_hand_for_part_of_an_invoice(realized, runtime):
    approve_through(runtime, JULY)

    memo = credit(runtime, "INV-000001", "500.00", "rate dispute")

    assert (memo.number, memo.kind, memo.credits, str(memo.total), memo.memo) == (
        "CM-000001", "credit_memo", "INV-000001", "500.00", "rate dispute",
    )  # fmt: skip
    assert memo.lines[0].description == "Credit: rate dispute"
    line = memo.lines[0]
    assert (line.fee_id, line.source_type, line.source_id, line.seq) == (
        1, "placement", 5001, None,
    )  # fmt: skip
    assert balance(runtime, "INV-000001") == "12000.00"
    with pytest.raises(NeedsUserAction) as too_much:
        credit(runtime, "INV-000001", "12000.01", "x")
    assert "at most 12000.00" in told(too_much.value)
    rest = credit(runtime, "INV-000001", "12000", "write-off")
    assert rest.number == "CM-000002"
    assert balance(runtime, "INV-000001") == "0.00"


@pytest.mark.parametrize(
    ("number", "amount", "reason", "says"),
    [
        ("INV-000009", "1.00", "x", "no invoice or credit memo INV-000009"),
        ("INV-000001", "1.005", "x", "not a positive amount in USD"),
        ("INV-000001", "-5", "x", "not a positive amount"),
        ("INV-000001", "5", "  ", "needs a reason"),
    ],
)
def test_credit_by_hand_refuses_bad_input(realized, runtime, number, amount, reason, says):
    approve_through(runtime, JULY)

    with pytest.raises(NeedsUserAction) as refused:
        credit(runtime, number, amount, reason)

    assert says in told(refused.value)
    assert [d.number for d in every_document(runtime)] == ["INV-000001"]


def test_a_credit_memo_cannot_be_credited(realized, runtime):
    approve_through(runtime, JULY)
    credit(runtime, "INV-000001", "1", "goodwill")

    with pytest.raises(NeedsUserAction) as refused:
        credit(runtime, "CM-000001", "1", "x")

    assert "only an approved invoice" in told(refused.value)


def test_void_returns_installments_and_they_are_invoiced_again(realized, runtime):
    approve_through(runtime, YEAR_END)

    corrections.void_document(runtime, "INV-000002", "sent to the wrong contact")

    shown = show(runtime, "INV-000002")
    assert (shown.status, str(shown.balance), shown.void_reason) == (
        "voided", "0.00", "sent to the wrong contact",
    )  # fmt: skip
    assert [i.status for i in the_fee(runtime).installments] == ["invoiced", "pending"]
    held = build(runtime, LATER, dry_run=True)
    assert held.documents == [] and "voided" in held.warnings[0]
    realize(runtime)
    (again,) = approve_through(runtime, LATER)
    assert (again.number, again.invoice_date.isoformat(), str(again.total)) == (
        "INV-000003", "2023-10-08", "12500.00",
    )  # fmt: skip


def test_void_after_a_salary_cut_lays_the_fee_out_again(realized, runtime):
    approve_through(runtime, JULY)
    update_row(realized, tables.placement, SEED, base_salary=Decimal("80000.00"),
               updated_at=dt.datetime(2023, 8, 20, 9, 0))  # fmt: skip
    realize(runtime)

    corrections.void_document(runtime, "INV-000001", "re-issue")
    realize(runtime)

    assert installments(the_fee(runtime)) == [
        (1, "2023-07-10", "10000.00", "pending"),
        (2, "2023-10-08", "10000.00", "pending"),
        (3, "2023-08-20", "-2500.00", "cancelled"),
    ]
    assert [str(d.total) for d in approve_through(runtime, LATER)] == ["10000.00", "10000.00"]
    assert_rerun_changes_nothing(runtime)


def test_an_invoice_with_a_credit_memo_or_posted_cannot_be_voided(realized, runtime):
    approve_through(runtime, YEAR_END)
    credit(runtime, "INV-000001", "1", "goodwill")
    with realized.begin() as connection:
        connection.execute(text("UPDATE invoice SET status = 'posted' WHERE number = 'INV-000002'"))

    with pytest.raises(NeedsUserAction) as credited:
        corrections.void_document(runtime, "INV-000001", "x")
    with pytest.raises(NeedsUserAction) as posted:
        corrections.void_document(runtime, "INV-000002", "x")

    assert "CM-000001" in told(credited.value)
    assert "credit memo" in told(posted.value)
    corrections.void_document(runtime, "CM-000001", "typo")
    assert balance(runtime, "INV-000001") == "12500.00"
    assert corrections.void_document(runtime, "INV-000001", "x").was_already_voided is False


def test_batch_whose_installments_changed_since_it_was_built_is_not_approved(realized, runtime):
    batch = build(runtime, YEAR_END).batch_id
    assert batch is not None
    update_row(realized, tables.placement, SEED, base_salary=Decimal("90000.00"))
    realize(runtime)

    with pytest.raises(NeedsUserAction) as refused:
        batches.approve_batch(runtime, batch)

    assert "changed after the batch was built" in told(refused.value)
    batches.discard_batch(runtime, batch)
    assert [str(d.total) for d in approve_through(runtime, YEAR_END)] == ["11250.00"] * 2


@pytest.mark.databases
def test_credit_memos_number_from_their_own_sequence(realized, runtime):
    approve_through(runtime, JULY)
    numbering.set_numbering(runtime, credit_memos=True, prefix="CR-", next_value=40)

    memo = credit(runtime, "INV-000001", "1", "x")

    assert memo.number == "CR-000040"
    assert numbering.set_numbering(runtime).next_number == "INV-000002"


@pytest.mark.databases
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE invoice SET total = 1 WHERE number = 'INV-000001'",
        "UPDATE invoice SET number = 'INV-999' WHERE number = 'INV-000001'",
        "UPDATE invoice SET status = 'draft' WHERE number = 'INV-000001'",
        "UPDATE invoice_line SET amount = 1",
        "DELETE FROM invoice_line",
        "DELETE FROM invoice WHERE number = 'INV-000001'",
        "INSERT INTO invoice_line (invoice_id, product_code, description, quantity, rate, amount)"
        " SELECT id, 'X', 'sneaked in', 1, 1, 1 FROM invoice WHERE number = 'INV-000001'",
    ],
)
def test_the_database_refuses_to_change_an_approved_invoice(realized, runtime, statement):
    approve_through(runtime, JULY)

    with pytest.raises(DBAPIError, match="cannot"), realized.begin() as connection:
        connection.execute(text(statement))

    shown = show(runtime, "INV-000001")
    assert (str(shown.total), shown.status, len(shown.lines)) == ("12500.00", "approved", 1)


@pytest.mark.databases
def test_the_database_lets_status_and_balance_move(realized, runtime):
    approve_through(runtime, JULY)

    with realized.begin() as connection:
        connection.execute(text(
            "UPDATE invoice SET status = 'partially_paid', balance = 100 "
            "WHERE number = 'INV-000001'"
        ))  # fmt: skip

    shown = show(runtime, "INV-000001")
    assert (shown.status, str(shown.balance)) == ("partially_paid", "100.00")
