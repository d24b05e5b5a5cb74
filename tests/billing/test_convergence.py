"""Convergence as a pure function: installments always add up, invoiced ones never move."""

import datetime as dt
from decimal import Decimal

from billing.convergence import FeeState, InstallmentState, Outcome, basis_json, converge
from billing.fees import FeeStatus, InstallmentKind, InstallmentStatus, SourceType
from billing.pay_plans import ScheduledAmount
from billing.realization.evaluation import DesiredFee, EventKey, NotBillable, Removal

NOW = dt.datetime(2024, 1, 5, 12, 0)
KEY = EventKey(SourceType.PLACEMENT, 5001)
EVENT = dt.date(2023, 7, 10)


def desired(amount, *, changed_at=dt.datetime(2024, 1, 2, 9, 0)):
    half = (Decimal(amount) / 2).quantize(Decimal("0.01"))
    schedule = (
        ScheduledAmount(1, EVENT, half),
        ScheduledAmount(2, EVENT + dt.timedelta(days=90), Decimal(amount) - half),
    )
    return DesiredFee(
        key=KEY, billto_id=110, invoice_billto_id=110, product_code="STD_DH",
        pay_plan_code="SPLIT", terms_code="NET30",
        po_number=None, currency="USD", event_date=EVENT, amount=Decimal(amount),
        schedule=schedule, basis={"amount": amount}, source_updated_at=changed_at,
    )  # fmt: skip


def state(amount, statuses, *, status=FeeStatus.ACTIVE, basis=None):
    half = (Decimal(amount) / 2).quantize(Decimal("0.01"))
    parts = [half, Decimal(amount) - half]
    installments = tuple(
        InstallmentState(
            id=10 + seq, seq=seq, kind=InstallmentKind.PLAN, plan_line=seq,
            effective_date=EVENT + dt.timedelta(days=90 * (seq - 1)), amount=parts[seq - 1],
            status=s, credit_review_reason=None,
        )
        for seq, s in enumerate(statuses, start=1)
    )  # fmt: skip
    return FeeState(1, status, "USD", Decimal(amount), basis or basis_json({"amount": amount}),
                    installments)  # fmt: skip


def standing(existing, change):
    total = Decimal(0)
    for i in existing.installments:
        values = change.installment_updates.get(i.id, {"amount": i.amount, "status": i.status})
        if values["status"] != InstallmentStatus.CANCELLED:
            total += values["amount"]
    return total + sum((i["amount"] for i in change.new_installments), Decimal(0))


def test_same_basis_is_unchanged_and_writes_nothing():
    existing = state("25000.00", [InstallmentStatus.PENDING] * 2)

    change = converge(existing, desired("25000.00"), NOW)

    assert change.outcome is Outcome.UNCHANGED
    assert change.fee_values is None and not change.installment_updates


def test_increase_after_first_installment_invoiced_adds_one_adjustment():
    existing = state("25000.00", [InstallmentStatus.INVOICED, InstallmentStatus.PENDING])

    change = converge(existing, desired("30000.00"), NOW)

    assert change.outcome is Outcome.CHANGED
    assert 11 not in change.installment_updates  # the invoiced one never moves
    assert change.installment_updates[12]["amount"] == Decimal("15000.00")
    (adjustment,) = change.new_installments
    assert adjustment["kind"] == "adjustment"
    assert adjustment["amount"] == Decimal("2500.00")
    assert adjustment["effective_date"] == dt.date(2024, 1, 2)
    assert standing(existing, change) == Decimal("30000.00")
    assert "amount 25000.00 → 30000.00" in change.revision["reason"]


def test_time_card_losing_approval_reverses_what_was_invoiced():
    existing = state("1200.00", [InstallmentStatus.INVOICED])
    gone = NotBillable(KEY, Removal.ZERO, "time card 7 is rejected, not approved", NOW)

    change = converge(existing, gone, NOW)

    assert change.outcome is Outcome.CANCELLED
    assert change.fee_values["amount"] == 0
    assert [i["amount"] for i in change.new_installments] == [Decimal("-600.00")]


def test_cancelled_placement_flags_invoiced_installments_for_credit_review():
    existing = state("25000.00", [InstallmentStatus.INVOICED, InstallmentStatus.PENDING])
    gone = NotBillable(KEY, Removal.CANCEL, "placement 5001 fell off on 2023-09-01", NOW)

    change = converge(existing, gone, NOW)

    assert change.installment_updates[11]["credit_review_reason"] == gone.reason
    assert change.installment_updates[12]["status"] == "cancelled"
    assert change.fee_values["credit_review_reason"] == gone.reason
    assert not change.new_installments


def test_repeated_removal_is_unchanged():
    gone = NotBillable(KEY, Removal.CANCEL, "placement 5001 was cancelled", NOW)
    removed = basis_json({"removed": "cancel", "reason": gone.reason})
    existing = state("25000.00", [InstallmentStatus.CANCELLED] * 2, status=FeeStatus.CANCELLED,
                     basis=removed)  # fmt: skip

    assert converge(existing, gone, NOW).outcome is Outcome.UNCHANGED


def test_currency_change_after_invoicing_is_blocked_not_mixed():
    existing = state("25000.00", [InstallmentStatus.INVOICED, InstallmentStatus.PENDING])
    wanted = desired("25000.00")
    wanted = DesiredFee(**{**wanted.__dict__, "currency": "CAD", "basis": {"c": "CAD"}})

    change = converge(existing, wanted, NOW)

    assert change.outcome is Outcome.BLOCKED
    assert "credit the invoices" in change.blocked_reason
