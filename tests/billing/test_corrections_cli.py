"""Corrections through the CLI: credit memos (automatic and by hand) and voids."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ats import tables
from tests.billing.realization_helpers import (
    approve_through,
    assert_rerun_changes_nothing,
    installments,
    run_json,
    update_row,
)

SEED = 5001
LATER = "2030-12-31"


def document(runner, number):
    return run_json(runner, "invoice", "show", number)


def the_fee(runner):
    (fee,) = run_json(runner, "fees", "list")
    return fee


def test_salary_cut_after_invoicing_becomes_a_credit_memo_on_the_invoice(realized, runner):
    approve_through(runner, "2023-07-31")
    update_row(realized, tables.placement, SEED, base_salary=Decimal("80000.00"),
               updated_at=dt.datetime(2023, 8, 20, 9, 0))  # fmt: skip
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0

    built = run_json(runner, "invoice", "run", "--through", LATER)
    assert [
        (d["kind"], d["credits"], d["invoice_date"], d["total"]) for d in built["invoices"]
    ] == [
        ("credit_memo", "INV-000001", "2023-08-20", "2500.00"),
        ("invoice", None, "2023-10-08", "10000.00"),
    ]
    assert built["invoices"][0]["lines"][0]["description"].startswith(
        "Credit: adjustment to Placement fee – Jordan Rivera"
    )
    approved = run_json(runner, "invoice", "approve", str(built["batch_id"]))

    assert sorted(d["number"] for d in approved) == ["CM-000001", "INV-000002"]
    assert document(runner, "INV-000001")["balance"] == "10000.00"
    assert document(runner, "CM-000001")["balance"] == "0.00"
    fee = the_fee(runner)
    assert [(i["seq"], i["status"], i["invoice_number"]) for i in fee["installments"]] == [
        (1, "invoiced", "INV-000001"), (2, "invoiced", "INV-000002"), (3, "invoiced", "CM-000001"),
    ]  # fmt: skip
    again = run_json(runner, "invoice", "run", "--through", LATER)
    assert again["batch_id"] is None and again["invoices"] == []
    assert_rerun_changes_nothing(runner)


def test_fell_off_placement_credits_what_was_invoiced(realized, runner):
    approve_through(runner, "2023-07-31")
    update_row(
        realized, tables.placement, SEED, status="fell_off", fell_off_date=dt.date(2023, 8, 20),
        updated_at=dt.datetime(2023, 8, 21, 8, 0),
    )  # fmt: skip
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0

    built = run_json(runner, "invoice", "run", "--through", LATER)
    (memo,) = built["invoices"]
    assert (memo["kind"], memo["credits"], memo["invoice_date"], memo["total"]) == (
        "credit_memo", "INV-000001", "2023-08-21", "12500.00",
    )  # fmt: skip
    assert "fell off" in memo["lines"][0]["description"]
    (approved,) = run_json(runner, "invoice", "approve", str(built["batch_id"]))

    assert approved["number"] == "CM-000001"
    assert document(runner, "INV-000001")["balance"] == "0.00"
    assert [i["status"] for i in the_fee(runner)["installments"]] == ["cancelled", "cancelled"]
    assert run_json(runner, "invoice", "run", "--through", LATER)["invoices"] == []
    assert_rerun_changes_nothing(runner)


def test_credit_by_hand_for_part_of_an_invoice(realized, runner):
    approve_through(runner, "2023-07-31")

    memo = run_json(runner, "invoice", "credit", "INV-000001", "--amount", "500.00",
                    "--reason", "rate dispute")  # fmt: skip

    assert (memo["number"], memo["kind"], memo["credits"], memo["total"], memo["memo"]) == (
        "CM-000001", "credit_memo", "INV-000001", "500.00", "rate dispute",
    )  # fmt: skip
    assert memo["lines"][0]["description"] == "Credit: rate dispute"
    line = memo["lines"][0]
    assert (line["fee_id"], line["source_type"], line["source_id"], line["seq"]) == (
        1, "placement", 5001, None,
    )  # fmt: skip
    assert document(runner, "INV-000001")["balance"] == "12000.00"
    too_much = runner("invoice", "credit", "INV-000001", "--amount", "12000.01", "--reason", "x")
    assert too_much.exit_code == 1 and "at most 12000.00" in too_much.stderr
    rest = run_json(runner, "invoice", "credit", "INV-000001", "--amount", "12000",
                    "--reason", "write-off")  # fmt: skip
    assert rest["number"] == "CM-000002"
    assert document(runner, "INV-000001")["balance"] == "0.00"


@pytest.mark.parametrize(
    ("number", "amount", "reason", "says"),
    [
        ("INV-000009", "1.00", "x", "no invoice or credit memo INV-000009"),
        ("INV-000001", "1.005", "x", "not a positive amount in USD"),
        ("INV-000001", "-5", "x", "not a positive amount"),
        ("INV-000001", "5", "  ", "needs a reason"),
    ],
)
def test_credit_by_hand_refuses_bad_input(realized, runner, number, amount, reason, says):
    approve_through(runner, "2023-07-31")

    result = runner("invoice", "credit", number, "--amount", amount, "--reason", reason)

    assert result.exit_code == 1
    assert says in result.stderr
    assert [d["number"] for d in run_json(runner, "invoice", "list")] == ["INV-000001"]


def test_a_credit_memo_cannot_be_credited(realized, runner):
    approve_through(runner, "2023-07-31")
    runner("invoice", "credit", "INV-000001", "--amount", "1", "--reason", "goodwill")

    result = runner("invoice", "credit", "CM-000001", "--amount", "1", "--reason", "x")

    assert result.exit_code == 1 and "only an approved invoice" in result.stderr


def test_void_returns_installments_and_they_are_invoiced_again(realized, runner):
    approve_through(runner, "2023-12-31")

    voided = runner("invoice", "void", "INV-000002", "--reason", "sent to the wrong contact")

    assert voided.exit_code == 0, voided.output
    shown = document(runner, "INV-000002")
    assert (shown["status"], shown["balance"], shown["void_reason"]) == (
        "voided", "0.00", "sent to the wrong contact",
    )  # fmt: skip
    assert [i["status"] for i in the_fee(runner)["installments"]] == ["invoiced", "pending"]
    held = run_json(runner, "invoice", "run", "--through", LATER, "--dry-run")
    assert held["invoices"] == [] and "voided" in held["warnings"][0]
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    (again,) = approve_through(runner, LATER)
    assert (again["number"], again["invoice_date"], again["total"]) == (
        "INV-000003", "2023-10-08", "12500.00",
    )  # fmt: skip


def test_voiding_a_voided_document_says_so_and_changes_nothing(realized, runner):
    approve_through(runner, "2023-12-31")
    assert runner("invoice", "void", "INV-000002", "--reason", "sent twice").exit_code == 0

    again = runner("invoice", "void", "INV-000002", "--reason", "another reason")

    assert again.exit_code == 0, again.output
    assert "INV-000002 was already voided (sent twice); nothing changed." in again.stdout
    assert document(runner, "INV-000002")["void_reason"] == "sent twice"


def test_void_after_a_salary_cut_lays_the_fee_out_again(realized, runner):
    approve_through(runner, "2023-07-31")
    update_row(realized, tables.placement, SEED, base_salary=Decimal("80000.00"),
               updated_at=dt.datetime(2023, 8, 20, 9, 0))  # fmt: skip
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0

    assert runner("invoice", "void", "INV-000001", "--reason", "re-issue").exit_code == 0
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0

    fee = the_fee(runner)
    assert installments(fee) == [
        (1, "2023-07-10", "10000.00", "pending"),
        (2, "2023-10-08", "10000.00", "pending"),
        (3, "2023-08-20", "-2500.00", "cancelled"),
    ]
    assert [d["total"] for d in approve_through(runner, LATER)] == ["10000.00", "10000.00"]
    assert_rerun_changes_nothing(runner)


def test_an_invoice_with_a_credit_memo_or_posted_cannot_be_voided(realized, runner):
    approve_through(runner, "2023-12-31")
    runner("invoice", "credit", "INV-000001", "--amount", "1", "--reason", "goodwill")
    with realized.begin() as connection:
        connection.execute(text("UPDATE invoice SET status = 'posted' WHERE number = 'INV-000002'"))

    credited = runner("invoice", "void", "INV-000001", "--reason", "x")
    posted = runner("invoice", "void", "INV-000002", "--reason", "x")

    assert credited.exit_code == 1 and "CM-000001" in credited.stderr
    assert posted.exit_code == 1 and "credit memo" in posted.stderr
    assert runner("invoice", "void", "CM-000001", "--reason", "typo").exit_code == 0
    assert document(runner, "INV-000001")["balance"] == "12500.00"
    assert runner("invoice", "void", "INV-000001", "--reason", "x").exit_code == 0


def test_batch_whose_installments_changed_since_it_was_built_is_not_approved(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    update_row(realized, tables.placement, SEED, base_salary=Decimal("90000.00"))
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0

    refused = runner("invoice", "approve", str(batch))

    assert refused.exit_code == 1
    assert "changed after the batch was built" in refused.stderr
    assert runner("invoice", "discard", str(batch)).exit_code == 0
    assert [d["total"] for d in approve_through(runner, "2023-12-31")] == ["11250.00"] * 2


@pytest.mark.databases
def test_credit_memos_number_from_their_own_sequence(realized, runner):
    approve_through(runner, "2023-07-31")
    assert runner("invoice", "numbering", "--credit-memos", "--prefix", "CR-",
                  "--next", "40").exit_code == 0  # fmt: skip

    memo = run_json(runner, "invoice", "credit", "INV-000001", "--amount", "1", "--reason", "x")

    assert memo["number"] == "CR-000040"
    assert "INV-000002" in runner("invoice", "numbering").stdout


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
def test_the_database_refuses_to_change_an_approved_invoice(realized, runner, statement):
    approve_through(runner, "2023-07-31")

    with pytest.raises(DBAPIError, match="cannot"), realized.begin() as connection:
        connection.execute(text(statement))

    shown = document(runner, "INV-000001")
    assert (shown["total"], shown["status"], len(shown["lines"])) == ("12500.00", "approved", 1)


@pytest.mark.databases
def test_the_database_lets_status_and_balance_move(realized, runner):
    approve_through(runner, "2023-07-31")

    with realized.begin() as connection:
        connection.execute(text(
            "UPDATE invoice SET status = 'partially_paid', balance = 100 "
            "WHERE number = 'INV-000001'"
        ))  # fmt: skip

    shown = document(runner, "INV-000001")
    assert (shown["status"], shown["balance"]) == ("partially_paid", "100.00")
