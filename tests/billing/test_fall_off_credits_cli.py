"""A fell-off fee's credit after credits by hand on its invoices, through the CLI.

The worked example bills placement 5001 (25000.00) in two installments of
12500.00. When the placement falls off, each invoiced installment is credited
against the invoice that billed it for what is left of the fee there: a credit
by hand naming the fee counts, so the customer is never credited twice, and no
credit goes past what is left of the invoice.
"""

import datetime as dt
from decimal import Decimal

from ats import tables
from tests.billing.realization_helpers import (
    LATER,
    credits_of,
    insert_placement,
    run_json,
    update_row,
)


def bill_through(runner, day):
    """Build and approve everything due through ``day``."""
    batch = run_json(runner, "invoice", "run", "--through", day)["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))


def fall_off(realized, runner):
    update_row(
        realized, tables.placement, 5001, status="fell_off", fell_off_date=dt.date(2023, 12, 20),
        updated_at=dt.datetime(2023, 12, 21, 8, 0),
    )  # fmt: skip
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0


def placement_fee(runner):
    (fee,) = [f for f in run_json(runner, "fees", "list") if f["source_id"] == 5001]
    return fee


def test_fall_off_after_a_named_credit_by_hand_credits_only_what_is_left(realized, runner):
    bill_through(runner, "2023-07-31")
    run_json(runner, "invoice", "credit", "INV-000001", "--amount", "125", "--reason", "goodwill")
    fall_off(realized, runner)

    built = run_json(runner, "invoice", "run", "--through", LATER)
    approved = run_json(runner, "invoice", "approve", str(built["batch_id"]))

    assert [(d["credits"], d["total"]) for d in approved] == [("INV-000001", "12375.00")]
    assert any(
        "125.00 USD of it is already credited on INV-000001 by a credit memo issued by hand" in w
        for w in built["warnings"]
    ), built["warnings"]
    assert run_json(runner, "invoice", "show", "INV-000001")["balance"] == "0.00"
    assert [(i["amount"], i["status"]) for i in placement_fee(runner)["installments"]] == [
        ("12500.00", "cancelled"), ("12500.00", "cancelled"),
    ]  # fmt: skip
    assert run_json(runner, "invoice", "run", "--through", LATER)["invoices"] == []


def test_each_invoice_of_the_fee_is_credited_what_is_left_of_it(realized, runner):
    bill_through(runner, LATER)
    run_json(runner, "invoice", "credit", "INV-000002", "--amount", "500", "--reason", "late start")
    fall_off(realized, runner)

    built = run_json(runner, "invoice", "run", "--through", LATER)
    run_json(runner, "invoice", "approve", str(built["batch_id"]))

    assert credits_of(runner, "INV-000001") == [("CM-000002", "12500.00")]
    assert credits_of(runner, "INV-000002") == [("CM-000001", "500.00"), ("CM-000003", "12000.00")]


def test_credit_by_hand_counted_on_is_voided_only_after_the_fall_off_credit(realized, runner):
    bill_through(runner, "2023-07-31")
    run_json(runner, "invoice", "credit", "INV-000001", "--amount", "125", "--reason", "goodwill")
    fall_off(realized, runner)
    run_json(runner, "invoice", "approve",
             str(run_json(runner, "invoice", "run", "--through", LATER)["batch_id"]))  # fmt: skip

    refused = runner("invoice", "void", "CM-000001", "--reason", "issued in error")

    assert refused.exit_code == 1
    assert "CM-000001 was counted on by CM-000002" in refused.stderr
    assert "Void CM-000002 first" in refused.stderr
    for memo in ("CM-000002", "CM-000001"):
        assert runner("invoice", "void", memo, "--reason", "issued in error").exit_code == 0
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    run_json(runner, "invoice", "approve",
             str(run_json(runner, "invoice", "run", "--through", LATER)["batch_id"]))  # fmt: skip
    assert credits_of(runner, "INV-000001") == [("CM-000003", "12500.00")]
    assert run_json(runner, "invoice", "show", "INV-000001")["balance"] == "0.00"


def test_credit_by_hand_naming_no_fee_caps_the_fall_off_at_what_is_left(realized, runner):
    insert_placement(realized)  # billed on INV-000001 beside placement 5001
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    bill_through(runner, "2023-07-31")
    invoice = run_json(runner, "invoice", "show", "INV-000001")
    assert len({line["fee_id"] for line in invoice["lines"]}) == 2
    left = "100.00"
    credited = str(Decimal(invoice["total"]) - Decimal(left))
    run_json(runner, "invoice", "credit", "INV-000001", "--amount", credited, "--reason", "deal")
    fall_off(realized, runner)

    built = run_json(runner, "invoice", "run", "--through", LATER)
    run_json(runner, "invoice", "approve", str(built["batch_id"]))

    assert credits_of(runner, "INV-000001") == [("CM-000001", credited), ("CM-000002", left)]
    assert any(
        "12400.00 USD of its credit finds nothing left on INV-000001" in w
        for w in built["warnings"]
    ), built["warnings"]
    assert run_json(runner, "invoice", "show", "INV-000001")["balance"] == "0.00"
    refused = runner("invoice", "void", "CM-000001", "--reason", "issued in error")
    assert refused.exit_code == 1 and "counted on by CM-000002" in refused.stderr


def test_fall_off_credited_in_full_by_hand_builds_no_credit_memo(realized, runner):
    bill_through(runner, "2023-07-31")
    run_json(runner, "invoice", "credit", "INV-000001", "--amount", "12500", "--reason", "refund")
    fall_off(realized, runner)

    built = run_json(runner, "invoice", "run", "--through", LATER)

    assert built["invoices"] == []
    assert any("12500.00 USD of it is already credited on INV-000001" in w
               for w in built["warnings"]), built["warnings"]  # fmt: skip
    assert credits_of(runner, "INV-000001") == [("CM-000001", "12500.00")]


def test_a_fall_off_credit_is_held_when_the_placement_is_reinstated_before_approval(
    realized, runner
):
    bill_through(runner, "2023-07-31")
    fall_off(realized, runner)
    batch = run_json(runner, "invoice", "run", "--through", LATER)["batch_id"]
    update_row(
        realized, tables.placement, 5001, status="active", fell_off_date=None,
        updated_at=dt.datetime(2023, 12, 22, 8, 0),
    )  # fmt: skip
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0

    refused = runner("invoice", "approve", str(batch))

    assert refused.exit_code == 1
    assert "changed after the batch was built" in refused.stderr
    assert run_json(runner, "invoice", "show", "INV-000001")["balance"] == "12500.00"
    installments = placement_fee(runner)["installments"]
    assert installments[0]["status"] == "invoiced"  # never credited
    assert [i["amount"] for i in installments if i["status"] == "pending"] == ["12500.00"]
