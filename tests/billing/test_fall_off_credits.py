"""A fell-off fee's credit after credits by hand on its invoices, through the services.

The worked example bills placement 5001 (25000.00) in two installments of
12500.00. When the placement falls off, each invoiced installment is credited
against the invoice that billed it for what is left of the fee there: a credit
by hand naming the fee counts, so the customer is never credited twice, and no
credit goes past what is left of the invoice.
"""

import datetime as dt
from decimal import Decimal

import pytest

from ats import tables
from backoffice.errors import NeedsUserAction
from services import batches, corrections
from tests.billing.invoicing_steps import (
    LATER,
    approve,
    approve_through,
    balance,
    build,
    credit,
    credits_of,
    list_fees,
    realize,
    show,
    told,
)
from tests.billing.realization_helpers import insert_placement, update_row

JULY = dt.date(2023, 7, 31)


def fall_off(realized, runtime):
    update_row(
        realized, tables.placement, 5001, status="fell_off", fell_off_date=dt.date(2023, 12, 20),
        updated_at=dt.datetime(2023, 12, 21, 8, 0),
    )  # fmt: skip
    realize(runtime)


def placement_fee(runtime):
    (fee,) = [f for f in list_fees(runtime) if f.source_id == 5001]
    return fee


def test_fall_off_after_a_named_credit_by_hand_credits_only_what_is_left(realized, runtime):
    approve_through(runtime, JULY)
    credit(runtime, "INV-000001", "125", "goodwill")
    fall_off(realized, runtime)

    built = build(runtime, LATER)
    approved = approve(runtime, built.batch_id)

    assert [(d.credits, str(d.total)) for d in approved] == [("INV-000001", "12375.00")]
    assert any(
        "125.00 USD of it is already credited on INV-000001 by a credit memo issued by hand" in w
        for w in built.warnings
    ), built.warnings
    assert balance(runtime, "INV-000001") == "0.00"
    assert [(str(i.amount), i.status) for i in placement_fee(runtime).installments] == [
        ("12500.00", "cancelled"), ("12500.00", "cancelled"),
    ]  # fmt: skip
    assert build(runtime, LATER).documents == []


def test_each_invoice_of_the_fee_is_credited_what_is_left_of_it(realized, runtime):
    approve_through(runtime, LATER)
    credit(runtime, "INV-000002", "500", "late start")
    fall_off(realized, runtime)

    approve_through(runtime, LATER)

    assert credits_of(runtime, "INV-000001") == [("CM-000002", "12500.00")]
    assert credits_of(runtime, "INV-000002") == [("CM-000001", "500.00"), ("CM-000003", "12000.00")]


def test_credit_by_hand_counted_on_is_voided_only_after_the_fall_off_credit(realized, runtime):
    approve_through(runtime, JULY)
    credit(runtime, "INV-000001", "125", "goodwill")
    fall_off(realized, runtime)
    approve_through(runtime, LATER)

    with pytest.raises(NeedsUserAction) as refused:
        corrections.void_document(runtime, "CM-000001", "issued in error")

    assert "CM-000001 was counted on by CM-000002" in told(refused.value)
    assert "Void CM-000002 first" in told(refused.value)
    for memo in ("CM-000002", "CM-000001"):
        corrections.void_document(runtime, memo, "issued in error")
    realize(runtime)
    approve_through(runtime, LATER)
    assert credits_of(runtime, "INV-000001") == [("CM-000003", "12500.00")]
    assert balance(runtime, "INV-000001") == "0.00"


def test_credit_by_hand_naming_no_fee_caps_the_fall_off_at_what_is_left(realized, runtime):
    insert_placement(realized)  # billed on INV-000001 beside placement 5001
    realize(runtime)
    approve_through(runtime, JULY)
    invoice = show(runtime, "INV-000001")
    assert len({line.fee_id for line in invoice.lines}) == 2
    left = "100.00"
    credited = str(invoice.total - Decimal(left))
    credit(runtime, "INV-000001", credited, "deal")
    fall_off(realized, runtime)

    built = build(runtime, LATER)
    approve(runtime, built.batch_id)

    assert credits_of(runtime, "INV-000001") == [("CM-000001", credited), ("CM-000002", left)]
    assert any(
        "12400.00 USD of its credit finds nothing left on INV-000001" in w for w in built.warnings
    ), built.warnings
    assert balance(runtime, "INV-000001") == "0.00"
    with pytest.raises(NeedsUserAction) as refused:
        corrections.void_document(runtime, "CM-000001", "issued in error")
    assert "counted on by CM-000002" in told(refused.value)


def test_fall_off_credited_in_full_by_hand_builds_no_credit_memo(realized, runtime):
    approve_through(runtime, JULY)
    credit(runtime, "INV-000001", "12500", "refund")
    fall_off(realized, runtime)

    built = build(runtime, LATER)

    assert built.documents == []
    assert any("12500.00 USD of it is already credited on INV-000001" in w
               for w in built.warnings), built.warnings  # fmt: skip
    assert credits_of(runtime, "INV-000001") == [("CM-000001", "12500.00")]


def test_a_fall_off_credit_is_held_when_the_placement_is_reinstated_before_approval(
    realized, runtime
):
    approve_through(runtime, JULY)
    fall_off(realized, runtime)
    batch = build(runtime, LATER).batch_id
    assert batch is not None
    update_row(
        realized, tables.placement, 5001, status="active", fell_off_date=None,
        updated_at=dt.datetime(2023, 12, 22, 8, 0),
    )  # fmt: skip
    realize(runtime)

    with pytest.raises(NeedsUserAction) as refused:
        batches.approve_batch(runtime, batch)

    assert "changed after the batch was built" in told(refused.value)
    assert balance(runtime, "INV-000001") == "12500.00"
    installments = placement_fee(runtime).installments
    assert installments[0].status == "invoiced"  # never credited
    assert [str(i.amount) for i in installments if i.status == "pending"] == ["12500.00"]
