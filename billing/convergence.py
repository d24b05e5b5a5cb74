"""Converging a realized fee on what its event is worth now, keeping history.

Pure: the fee's current state and the event's evaluation in, the writes out.
Pending installments are replaced by the recomputed ones; invoiced ones never
change, and whatever the change does to them becomes one adjustment
installment (positive: invoiced next; negative: a credit memo) dated on the
change. An active fee's installments, cancelled ones aside, always add up to
its amount: ``converge`` checks it on every change it plans.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from backoffice.errors import FatalError
from billing.fees import FeeStatus, InstallmentKind, InstallmentStatus
from billing.pay_plans import ScheduledAmount
from billing.realization.evaluation import DesiredFee, EventKey, NotBillable, Removal


class Outcome(StrEnum):
    """What a run did to one event (the keys of the realize summary)."""

    NEW = "new"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    BLOCKED = "blocked"
    UNCHANGED = "unchanged"
    NOT_BILLABLE = "not_billable"


@dataclass(frozen=True)
class InstallmentState:
    """An installment as stored."""

    id: int
    seq: int
    kind: InstallmentKind
    plan_line: int | None
    effective_date: dt.date
    amount: Decimal
    status: InstallmentStatus
    credit_review_reason: str | None


@dataclass(frozen=True)
class FeeState:
    """A realized fee as stored, with its installments."""

    id: int
    status: FeeStatus
    currency: str
    amount: Decimal
    basis: str
    installments: tuple[InstallmentState, ...]


@dataclass
class FeeChange:
    """The writes one evaluation needs; an empty change writes nothing."""

    key: EventKey
    outcome: Outcome
    fee_id: int | None = None
    fee_values: dict[str, Any] | None = None
    new_installments: list[dict[str, Any]] = field(default_factory=list)
    installment_updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    revision: dict[str, Any] | None = None
    blocked_reason: str | None = None


def basis_json(basis: dict[str, str]) -> str:
    """The stored form of a fee's basis: stable, so equal inputs compare equal."""
    return json.dumps(basis, sort_keys=True, ensure_ascii=False)


def converge(
    existing: FeeState | None,
    evaluation: DesiredFee | NotBillable,
    now: dt.datetime,
    *,
    recheck: bool = False,
) -> FeeChange:
    """The writes that bring ``existing`` in line with ``evaluation``.

    An unchanged basis normally means nothing to do. ``recheck`` (a fee whose
    invoice was voided) lays the installments out again anyway: the void gave
    them back at the amounts they were billed at.
    """
    if isinstance(evaluation, NotBillable):
        if existing is None:
            return FeeChange(evaluation.key, Outcome.NOT_BILLABLE)
        return _unless_idle(existing, _remove(existing, evaluation, now, recheck), recheck)
    if existing is None:
        return _create(evaluation, now)
    return _unless_idle(existing, _revise(existing, evaluation, now, recheck), recheck)


def _unless_idle(existing: FeeState, change: FeeChange, recheck: bool) -> FeeChange:
    """A recheck that finds the installments already right writes nothing."""
    if not recheck or change.new_installments:
        return change
    current = {i.id: _as_update(i) for i in existing.installments}
    if any(values != current[i] for i, values in change.installment_updates.items()):
        return change
    return FeeChange(change.key, Outcome.UNCHANGED, change.fee_id)


def _fee_values(desired: DesiredFee, now: dt.datetime, basis: str | None = None) -> dict[str, Any]:
    return {
        "billto_id": desired.billto_id,
        "invoice_billto_id": desired.invoice_billto_id,
        "product_code": desired.product_code,
        "pay_plan_code": desired.pay_plan_code,
        "terms_code": desired.terms_code,
        "po_number": desired.po_number,
        "currency": desired.currency,
        "event_date": desired.event_date,
        "amount": desired.amount,
        "status": FeeStatus.ACTIVE.value,
        "basis": basis or basis_json(desired.basis),
        "credit_review_reason": None,
        "source_updated_at": desired.source_updated_at,
        "revised_at": now,
    }


def _create(desired: DesiredFee, now: dt.datetime) -> FeeChange:
    """A new fee with its plan installments.

    Creation writes no revision: the fee row itself says when it was realized
    (``realized_at``) from which ATS change (``source_updated_at``) and on
    what basis, and the first revision keeps that basis as its old value.
    """
    installments = [
        _plan_installment(seq, line) for seq, line in enumerate(desired.schedule, start=1)
    ]
    return FeeChange(
        key=desired.key,
        outcome=Outcome.NEW,
        fee_values={**_fee_values(desired, now), "realized_at": now},
        new_installments=installments,
    )


def _plan_installment(seq: int, line: ScheduledAmount) -> dict[str, Any]:
    return {
        "seq": seq,
        "kind": InstallmentKind.PLAN.value,
        "plan_line": line.plan_line,
        "effective_date": line.effective_date,
        "amount": line.amount,
        "status": InstallmentStatus.PENDING.value,
        "credit_review_reason": None,
    }


def _revision(
    event: DesiredFee | NotBillable,
    now: dt.datetime,
    change: str,
    reason: str,
    old_basis: str | None,
    new_basis: str | None,
) -> dict[str, Any]:
    return {
        "revised_at": now,
        "source_updated_at": event.source_updated_at,
        "change": change,
        "reason": reason,
        "old_basis": old_basis,
        "new_basis": new_basis,
    }


def _revise(existing: FeeState, desired: DesiredFee, now: dt.datetime, recheck: bool) -> FeeChange:
    new_basis = basis_json(desired.basis)
    if existing.status is FeeStatus.ACTIVE and existing.basis == new_basis and not recheck:
        return FeeChange(desired.key, Outcome.UNCHANGED, existing.id)
    invoiced = [i for i in existing.installments if i.status is InstallmentStatus.INVOICED]
    if invoiced and existing.currency != desired.currency:
        return FeeChange(desired.key, Outcome.BLOCKED, existing.id, blocked_reason=(
            f"the currency changed from {existing.currency} to {desired.currency} after "
            "invoicing: credit the invoices by hand, then correct the ATS record"
        ))  # fmt: skip
    change = FeeChange(
        desired.key, Outcome.CHANGED, existing.id, _fee_values(desired, now, new_basis)
    )
    _replace_pending(existing, desired, change)
    for installment in invoiced:
        if installment.credit_review_reason is not None:
            change.installment_updates[installment.id] = _as_update(installment, review=None)
    was = "reinstated" if existing.status is FeeStatus.CANCELLED else "changed"
    reason = describe_change(existing.basis, new_basis)
    if existing.basis == new_basis and existing.status is FeeStatus.ACTIVE:
        reason = "installments laid out again after an invoice was voided"
    change.revision = _revision(desired, now, was, reason, existing.basis, new_basis)
    _check_installments_add_up(existing, change, desired.amount)
    return change


def _replace_pending(existing: FeeState, desired: DesiredFee, change: FeeChange) -> None:
    """Recompute every pending installment; one adjustment carries what invoicing fixed."""
    invoiced = [i for i in existing.installments if i.status is InstallmentStatus.INVOICED]
    invoiced_lines = {i.plan_line for i in invoiced if i.kind is InstallmentKind.PLAN}
    pending = [i for i in existing.installments if i.status is InstallmentStatus.PENDING]
    pending_by_line = {i.plan_line: i for i in pending if i.kind is InstallmentKind.PLAN}
    adjustments = [i for i in pending if i.kind is InstallmentKind.ADJUSTMENT]
    next_seq = max((i.seq for i in existing.installments), default=0) + 1
    to_schedule = [s for s in desired.schedule if s.plan_line not in invoiced_lines]
    for line in to_schedule:
        current = pending_by_line.pop(line.plan_line, None)
        if current is None:
            change.new_installments.append(_plan_installment(next_seq, line))
            next_seq += 1
        elif (current.amount, current.effective_date) != (line.amount, line.effective_date):
            change.installment_updates[current.id] = _as_update(
                current, amount=line.amount, effective_date=line.effective_date
            )
    for leftover in pending_by_line.values():
        change.installment_updates[leftover.id] = _as_update(
            leftover, status=InstallmentStatus.CANCELLED
        )
    adjustment = (
        desired.amount
        - sum((i.amount for i in invoiced), Decimal(0))
        - sum((s.amount for s in to_schedule), Decimal(0))
    )
    _set_adjustment(adjustments, adjustment, desired.source_updated_at.date(), next_seq, change)


def _set_adjustment(
    pending_adjustments: list[InstallmentState],
    amount: Decimal,
    day: dt.date,
    next_seq: int,
    change: FeeChange,
) -> None:
    """Keep one pending adjustment of ``amount`` (reusing one if there is), cancel the rest."""
    keep = pending_adjustments[0] if pending_adjustments and amount != 0 else None
    for other in pending_adjustments:
        if other is not keep:
            change.installment_updates[other.id] = _as_update(
                other, status=InstallmentStatus.CANCELLED
            )
    if keep is not None and (keep.amount, keep.effective_date) != (amount, day):
        change.installment_updates[keep.id] = _as_update(keep, amount=amount, effective_date=day)
    elif keep is None and amount != 0:
        change.new_installments.append({
            "seq": next_seq, "kind": InstallmentKind.ADJUSTMENT.value, "plan_line": None,
            "effective_date": day, "amount": amount,
            "status": InstallmentStatus.PENDING.value, "credit_review_reason": None,
        })  # fmt: skip


def _as_update(installment: InstallmentState, **changes: Any) -> dict[str, Any]:
    """Every writable field of an installment, with ``changes`` applied."""
    values: dict[str, Any] = {
        "effective_date": installment.effective_date,
        "amount": installment.amount,
        "status": installment.status,
        "credit_review_reason": installment.credit_review_reason,
    }
    if "review" in changes:
        values["credit_review_reason"] = changes.pop("review")
    values.update(changes)
    values["status"] = InstallmentStatus(values["status"]).value
    return values


def _remove(existing: FeeState, gone: NotBillable, now: dt.datetime, recheck: bool) -> FeeChange:
    removal_basis = basis_json({"removed": gone.removal.value, "reason": gone.reason})
    if existing.status is FeeStatus.CANCELLED and existing.basis == removal_basis and not recheck:
        return FeeChange(gone.key, Outcome.UNCHANGED, existing.id)
    change = FeeChange(gone.key, Outcome.CANCELLED, existing.id)
    invoiced_total = Decimal(0)
    needs_review = False
    for installment in existing.installments:
        if installment.status is InstallmentStatus.PENDING:
            change.installment_updates[installment.id] = _as_update(
                installment, status=InstallmentStatus.CANCELLED
            )
        elif installment.status is InstallmentStatus.INVOICED:
            invoiced_total += installment.amount
            if gone.removal is Removal.CANCEL:
                needs_review = True
                change.installment_updates[installment.id] = _as_update(
                    installment, review=gone.reason
                )
    next_seq = max((i.seq for i in existing.installments), default=0) + 1
    if gone.removal is Removal.ZERO:
        _set_adjustment([], -invoiced_total, gone.source_updated_at.date(), next_seq, change)
    change.fee_values = {
        "status": FeeStatus.CANCELLED.value,
        "amount": Decimal(0) if gone.removal is Removal.ZERO else existing.amount,
        "basis": removal_basis,
        "credit_review_reason": gone.reason if needs_review else None,
        "source_updated_at": gone.source_updated_at,
        "revised_at": now,
    }
    change.revision = _revision(gone, now, "cancelled", gone.reason, existing.basis, removal_basis)
    if gone.removal is Removal.ZERO:
        _check_installments_add_up(existing, change, Decimal(0))
    return change


def _check_installments_add_up(existing: FeeState, change: FeeChange, amount: Decimal) -> None:
    """Fail loudly if the planned installments would not add up to the fee."""
    total = Decimal(0)
    for installment in existing.installments:
        values = change.installment_updates.get(installment.id) or _as_update(installment)
        if values["status"] != InstallmentStatus.CANCELLED:
            total += values["amount"]
    total += sum((i["amount"] for i in change.new_installments), Decimal(0))
    if total != amount:
        raise FatalError(f"fee {existing.id}: installments would add up to {total}, not {amount}")


def describe_change(old_basis: str, new_basis: str) -> str:
    """What changed between two bases, for the revision a person reads."""
    old, new = json.loads(old_basis), json.loads(new_basis)
    changed = [
        f"{name} {old.get(name, '(none)')} → {new.get(name, '(none)')}"
        for name in sorted(set(old) | set(new))
        if name != "schedule" and old.get(name) != new.get(name)
    ]
    return "; ".join(changed) or "installment schedule changed"
