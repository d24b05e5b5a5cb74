"""Invoicing: gather pending installments into a draft batch, check it, approve it.

An invoice holds installments of one Billto, currency, effective date (the
invoice date), terms code and PO number (CONTRACT.md section 4). Approval
numbers every invoice of the batch in one transaction from a sequence, so a
failed approval uses no number and two approvals of one batch cannot both
succeed. Callers pass the Billtos (read from the ATS) for the health check;
this module reads no clock and no ATS.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from ats.records import AtsBillto
from backoffice.errors import NeedsUserAction
from billing.catalog import Terms
from billing.fees import (
    BlockedEvent,
    FeeInstallment,
    InstallmentKind,
    InstallmentStatus,
    RealizedFee,
)
from billing.invoices import (
    MAX_NUMBER_LENGTH,
    BatchStatus,
    Invoice,
    InvoiceBatch,
    InvoiceLine,
    InvoiceStatus,
    NumberSequence,
)

INVOICE_SEQUENCE = "invoice"
DEFAULT_PREFIX = "INV-"
DEFAULT_WIDTH = 6

GroupKey = tuple[int, str, dt.date, str, str | None]


@dataclass(frozen=True)
class HealthIssue:
    """Something that stops a batch from being approved: the invoice, the field, the fix."""

    invoice: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.invoice}, {self.field}: {self.message}"


@dataclass
class DraftBatch:
    """A batch as built (persisted or, for a dry run, not)."""

    batch: InvoiceBatch | None
    invoices: list[Invoice] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def pending_installments(
    session: Session, through: dt.date
) -> list[tuple[FeeInstallment, RealizedFee]]:
    """Positive pending installments dated on or before ``through`` and on no other invoice."""
    on_invoice = select(InvoiceLine.installment_id)
    query = (
        select(FeeInstallment, RealizedFee)
        .join(RealizedFee, FeeInstallment.fee_id == RealizedFee.id)
        .where(
            FeeInstallment.status == InstallmentStatus.PENDING.value,
            FeeInstallment.effective_date <= through,
            FeeInstallment.id.not_in(on_invoice),
        )
        .order_by(RealizedFee.billto_id, FeeInstallment.effective_date, FeeInstallment.id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def build_batch(
    session: Session, through: dt.date, *, now: dt.datetime, dry_run: bool
) -> DraftBatch:
    """Group what is due into draft invoices; a dry run builds them without writing."""
    held = _blocked_fee_keys(session)
    draft = DraftBatch(None)
    groups: dict[GroupKey, list[tuple[FeeInstallment, RealizedFee]]] = defaultdict(list)
    for installment, fee in pending_installments(session, through):
        if installment.amount <= 0:
            draft.warnings.append(
                f"installment {installment.seq} of fee {fee.id} ({installment.amount} "
                f"{fee.currency}) is a credit: it waits for credit memos"
            )
            continue
        if (fee.source_type, fee.source_id, fee.occurrence_key) in held:
            draft.warnings.append(
                f"fee {fee.id} ({fee.source_type} {fee.source_id}) is held: its ATS event is "
                "blocked (see `backoffice fees blocked`)"
            )
            continue
        key = (
            fee.invoice_billto_id,
            fee.currency,
            installment.effective_date,
            fee.terms_code,
            fee.po_number,
        )
        groups[key].append((installment, fee))
    draft.invoices = [
        _draft_invoice(key, items) for key, items in sorted(groups.items(), key=_order)
    ]
    if dry_run or not draft.invoices:
        return draft
    draft.batch = InvoiceBatch(through_date=through, status=BatchStatus.DRAFT.value, created_at=now)
    draft.batch.invoices = draft.invoices
    session.add(draft.batch)
    session.flush()
    return draft


def _order(item: tuple[GroupKey, object]) -> tuple[int, str, dt.date, str, str]:
    billto, currency, day, terms, po = item[0]
    return (billto, currency, day, terms, po or "")


def _blocked_fee_keys(session: Session) -> set[tuple[str, int, str]]:
    rows = session.execute(
        select(BlockedEvent.source_type, BlockedEvent.source_id, BlockedEvent.occurrence_key)
    )
    return {(t, i, o) for t, i, o in rows}


def _draft_invoice(key: GroupKey, items: list[tuple[FeeInstallment, RealizedFee]]) -> Invoice:
    billto, currency, day, terms, po = key
    lines = [_line(installment, fee) for installment, fee in items]
    total = sum((line.amount for line in lines), Decimal(0))
    return Invoice(
        billto_id=billto,
        currency=currency,
        invoice_date=day,
        terms_code=terms,
        po_number=po,
        status=InvoiceStatus.DRAFT.value,
        total=total,
        balance=total,
        lines=lines,
    )


def _line(installment: FeeInstallment, fee: RealizedFee) -> InvoiceLine:
    return InvoiceLine(
        installment_id=installment.id,
        fee_id=fee.id,
        seq=installment.seq,
        source_type=fee.source_type,
        source_id=fee.source_id,
        product_code=fee.product_code,
        description=describe_line(installment, fee),
        quantity=Decimal(1),
        rate=installment.amount,
        amount=installment.amount,
    )


def describe_line(installment: FeeInstallment, fee: RealizedFee) -> str:
    """A line a customer understands, from the fee's basis."""
    basis = json.loads(fee.basis)
    if installment.kind == InstallmentKind.ADJUSTMENT:
        return f"Adjustment to {_what(fee, basis)}"
    plan_parts = [
        i
        for i in fee.installments
        if i.kind == InstallmentKind.PLAN.value and i.status != InstallmentStatus.CANCELLED.value
    ]
    part = ""
    if len(plan_parts) > 1:
        position = [i.id for i in plan_parts].index(installment.id) + 1
        part = f" – installment {position} of {len(plan_parts)}"
    return f"{_what(fee, basis)}{part}"


def _what(fee: RealizedFee, basis: dict[str, str]) -> str:
    if fee.source_type == "placement":
        return f"Placement fee – {basis.get('candidate', '')}, {basis.get('job_title', '')}"
    if fee.source_type == "timecard":
        hours = ", ".join(
            f"{basis[f'{kind}_hours']} {kind} h × {basis[f'{kind}_rate']}"
            for kind in ("regular", "overtime", "doubletime")
            if f"{kind}_hours" in basis
        )
        return f"{basis.get('candidate', '')} – week ending {fee.event_date}: {hours}"
    occurrence = f" – {fee.occurrence}" if fee.occurrence else ""
    return f"{basis.get('description') or fee.product_code}{occurrence}"


def health_check(
    session: Session, invoices: list[Invoice], billtos: dict[int, AtsBillto]
) -> list[HealthIssue]:
    """Everything that must be fixed before these invoices can be approved."""
    terms = {t.code for t in session.scalars(select(Terms))}
    issues: list[HealthIssue] = []
    for invoice in invoices:
        label = f"invoice for Billto {invoice.billto_id} dated {invoice.invoice_date}"
        billto = billtos.get(invoice.billto_id)
        if billto is None:
            issues.append(HealthIssue(label, "billto", "the Billto is not in the ATS"))
            continue
        if not billto.active:
            issues.append(
                HealthIssue(
                    label, "billto", f"Billto '{billto.name}' is inactive: reactivate it in the ATS"
                )
            )
        if not billto.email:
            issues.append(
                HealthIssue(
                    label,
                    "billto.email",
                    f"Billto '{billto.name}' has no email to send the invoice to: "
                    "add one in the ATS",
                )
            )
        if billto.currency != invoice.currency:
            issues.append(
                HealthIssue(
                    label,
                    "currency",
                    f"the invoice is in {invoice.currency} but Billto '{billto.name}' is "
                    f"billed in {billto.currency}",
                )
            )
        if invoice.terms_code not in terms:
            issues.append(
                HealthIssue(
                    label,
                    "terms",
                    f"terms {invoice.terms_code} are not in the catalog: "
                    "add them in Catalog → Terms",
                )
            )
    return issues


def approve_batch(
    session: Session, batch_id: int, billtos: dict[int, AtsBillto], *, now: dt.datetime
) -> list[Invoice]:
    """Number, date and lock every invoice of a draft batch, in the caller's transaction."""
    batch = session.get(InvoiceBatch, batch_id)
    if batch is None:
        raise NeedsUserAction(
            "batch_not_found",
            f"There is no batch {batch_id}.",
            "Run `backoffice invoice list` to see the batches.",
        )
    claimed: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(InvoiceBatch)
        .where(InvoiceBatch.id == batch_id, InvoiceBatch.status == BatchStatus.DRAFT.value)
        .values(status=BatchStatus.APPROVED.value, approved_at=now)
    )
    if claimed.rowcount != 1:
        raise NeedsUserAction(
            "batch_not_draft",
            f"Batch {batch_id} is not a draft (already approved).",
            "Nothing to do; `backoffice invoice list --batch` shows its invoices.",
        )
    issues = health_check(session, batch.invoices, billtos)
    if issues:
        raise BatchUnhealthy(batch_id, issues)
    due_days = {t.code: t.due_days for t in session.scalars(select(Terms))}
    numbers = _take_numbers(session, len(batch.invoices))
    for invoice, number in zip(batch.invoices, numbers, strict=True):
        invoice.number = number
        invoice.due_date = invoice.invoice_date + dt.timedelta(days=due_days[invoice.terms_code])
        invoice.status = InvoiceStatus.APPROVED.value
    # A subquery, not a list of ids: PostgreSQL takes at most 65,535 bound parameters.
    installment_ids = (
        select(InvoiceLine.installment_id)
        .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
        .where(Invoice.batch_id == batch_id)
    )
    session.execute(
        update(FeeInstallment)
        .where(FeeInstallment.id.in_(installment_ids))
        .values(status=InstallmentStatus.INVOICED.value)
    )
    session.flush()
    return list(batch.invoices)


class BatchUnhealthy(NeedsUserAction):
    """Raised when a batch fails its health check; nothing was approved or numbered."""

    def __init__(self, batch_id: int, issues: list[HealthIssue]) -> None:
        super().__init__(
            "batch_unhealthy",
            f"Batch {batch_id} has {len(issues)} problem(s) and was not approved.",
            "Fix each one listed, then approve the batch again.",
        )
        self.issues = issues


def _take_numbers(session: Session, count: int) -> list[str]:
    """``count`` consecutive numbers, reserved by one update of the sequence row."""
    sequence = _sequence(session)
    session.execute(
        update(NumberSequence)
        .where(NumberSequence.name == INVOICE_SEQUENCE)
        .values(next_value=NumberSequence.next_value + count)
    )
    session.refresh(sequence)
    first = sequence.next_value - count
    numbers = [
        f"{sequence.prefix}{value:0{sequence.width}d}" for value in range(first, first + count)
    ]
    too_long = [n for n in numbers if len(n) > MAX_NUMBER_LENGTH]
    if too_long:
        raise NeedsUserAction(
            "number_too_long",
            f"Invoice number {too_long[0]} is longer than "
            f"{MAX_NUMBER_LENGTH} characters, which QuickBooks refuses.",
            "Shorten the prefix of the invoice number sequence.",
        )
    return numbers


def discard_batch(session: Session, batch_id: int) -> int:
    """Throw a draft batch away; its installments are pending again. Returns invoices dropped."""
    batch = session.get(InvoiceBatch, batch_id)
    if batch is None or batch.status != BatchStatus.DRAFT.value:
        raise NeedsUserAction(
            "batch_not_draft",
            f"Batch {batch_id} is not a draft batch.",
            "Only a draft batch can be discarded; "
            "an approved invoice is corrected by a credit memo.",
        )
    count = len(batch.invoices)
    for invoice in batch.invoices:
        for line in invoice.lines:
            session.delete(line)
        session.delete(invoice)
    batch.status = BatchStatus.DISCARDED.value
    session.flush()
    return count


def configure_numbering(
    session: Session, *, prefix: str | None = None, next_value: int | None = None
) -> NumberSequence:
    """Set the invoice number prefix and/or the next number (never back to a used one)."""
    sequence = _sequence(session)
    if next_value is not None:
        if next_value < sequence.next_value:
            raise NeedsUserAction(
                "number_reused",
                f"The next invoice number is already {sequence.next_value}; "
                "numbers are never reused.",
                f"Choose a next number of {sequence.next_value} or more.",
            )
        sequence.next_value = next_value
    if prefix is not None:
        sequence.prefix = prefix
    if len(f"{sequence.prefix}{sequence.next_value:0{sequence.width}d}") > MAX_NUMBER_LENGTH:
        raise NeedsUserAction(
            "number_too_long",
            f"Numbers would be longer than {MAX_NUMBER_LENGTH} characters, "
            "which QuickBooks refuses.",
            "Use a shorter prefix.",
        )
    session.flush()
    return sequence


def _sequence(session: Session) -> NumberSequence:
    sequence = session.get(NumberSequence, INVOICE_SEQUENCE)
    if sequence is None:
        sequence = NumberSequence(
            name=INVOICE_SEQUENCE, prefix=DEFAULT_PREFIX, width=DEFAULT_WIDTH, next_value=1
        )
        session.add(sequence)
        session.flush()
    return sequence
