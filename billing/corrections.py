"""Correcting approved documents: a credit memo issued by hand, or a void.

A credit memo by hand credits part or all of an invoice with a reason; it is
numbered and applied at once, like an approved one. Voiding is allowed only
while a document has not reached the accounting system (status ``approved``);
after posting, a credit memo is the only correction. A void gives the
document's installments back: billed ones are pending again and their fees
queued for ``realize`` to lay out afresh (``FeeRecheck``), credited ones go
back to what they were before the credit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import case, delete, insert, select, update
from sqlalchemy.orm import Session

from backoffice.errors import NeedsUserAction
from billing.fees import FeeInstallment, FeeRecheck, InstallmentStatus
from billing.invoice_drafts import DraftDocument, DraftLine
from billing.invoices import (
    BatchStatus,
    ClaimRole,
    DocumentKind,
    InstallmentClaim,
    Invoice,
    InvoiceBatch,
    InvoiceLine,
    InvoiceStatus,
)
from billing.invoicing import batch_headers, credits_against, finalize, write_documents
from billing.money import quantize

CREDITABLE = frozenset({
    InvoiceStatus.APPROVED, InvoiceStatus.POSTED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID
})  # fmt: skip


def issue_credit(
    session: Session, number: str, amount: Decimal, reason: str, *, now: dt.datetime
) -> str:
    """Credit ``amount`` of invoice ``number`` for ``reason``; returns the credit memo number."""
    invoice = _document(session, number)
    if invoice.kind != DocumentKind.INVOICE or invoice.status not in CREDITABLE:
        raise NeedsUserAction(
            "not_creditable",
            f"{number} is a {invoice.status} {invoice.kind.replace('_', ' ')}; only an approved "
            "invoice can be credited.",
            "Credit the invoice itself (`backoffice invoice list` shows the numbers).",
        )
    reason = _required_reason(reason, "credit")
    if amount <= 0 or quantize(amount, invoice.currency) != amount:
        raise NeedsUserAction(
            "bad_amount",
            f"The credit amount {amount} is not a positive amount in {invoice.currency}.",
            f"Give a positive amount with at most the decimals {invoice.currency} has.",
        )
    already = sum((total for _n, _s, total in credits_against(session, invoice.id)), Decimal(0))
    left = invoice.total - already
    if amount > left:
        raise NeedsUserAction(
            "credit_too_large",
            f"Invoice {number} is for {quantize(invoice.total, invoice.currency)} and its credit "
            f"memos already credit {quantize(already, invoice.currency)}.",
            f"Credit at most {quantize(left, invoice.currency)}.",
        )
    product = session.scalars(
        select(InvoiceLine.product_code).where(InvoiceLine.invoice_id == invoice.id)
        .order_by(InvoiceLine.id).limit(1)
    ).one()  # fmt: skip
    memo = DraftDocument(
        DocumentKind.CREDIT_MEMO.value, invoice.billto_id, invoice.currency,
        max(now.date(), invoice.invoice_date), invoice.terms_code, invoice.po_number,
        [DraftLine(None, None, None, None, None, None, product, f"Credit: {reason}",
                   Decimal(1), amount, amount)],
        credits_invoice_id=invoice.id, memo=reason,
    )  # fmt: skip
    batch_id = session.scalars(
        insert(InvoiceBatch).returning(InvoiceBatch.id),
        [{"through_date": memo.invoice_date, "status": BatchStatus.APPROVED.value,
          "created_at": now, "approved_at": now}],
    ).one()  # fmt: skip
    write_documents(session, batch_id, [memo])
    (number,) = finalize(session, batch_id, batch_headers(session, batch_id)).values()
    return number


def void_document(session: Session, number: str, reason: str, *, now: dt.datetime) -> int:
    """Void an approved, unposted document; returns how many installments it gave back."""
    document = _document(session, number)
    reason = _required_reason(reason, "void")
    if document.status == InvoiceStatus.VOIDED:
        raise NeedsUserAction("already_voided", f"{number} is already voided.", "Nothing to do.")
    if document.status != InvoiceStatus.APPROVED:
        raise NeedsUserAction(
            "posted",
            f"{number} is {document.status}: it has reached the accounting system.",
            f"Correct it with a credit memo (`backoffice invoice credit {number} --amount A "
            "--reason R`).",
        )
    live = [n or "a draft credit memo" for n, _s, _t in credits_against(session, document.id)]
    if live:
        raise NeedsUserAction(
            "has_credits",
            f"Invoice {number} has credit memos: {', '.join(live)}.",
            "Void those credit memos (or discard their draft batch) first.",
        )
    returned = _give_back_installments(session, document, now)
    if document.credits_invoice_id is not None:
        credited = session.get_one(Invoice, document.credits_invoice_id)
        credited.balance += document.total - document.balance
    document.status = InvoiceStatus.VOIDED.value
    document.void_reason = reason
    document.voided_at = now
    document.balance = Decimal(0)
    session.flush()
    return returned


def _give_back_installments(session: Session, document: Invoice, now: dt.datetime) -> int:
    claims = select(InstallmentClaim.installment_id, InstallmentClaim.role).where(
        InstallmentClaim.invoice_id == document.id
    )
    claimed = {installment: role for installment, role in session.execute(claims)}
    if not claimed:
        return 0
    ids = list(claimed)
    billed = [i for i, role in claimed.items() if role == ClaimRole.BILL]
    credited = [i for i, role in claimed.items() if role == ClaimRole.CREDIT]
    installment = FeeInstallment
    if billed:
        session.execute(
            update(installment).where(installment.id.in_(billed))
            .values(status=InstallmentStatus.PENDING.value)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    if credited:  # a negative adjustment is pending again; a fell-off one invoiced again
        session.execute(
            update(installment).where(installment.id.in_(credited))
            .values(status=case(
                (installment.status == InstallmentStatus.INVOICED.value,
                 InstallmentStatus.PENDING.value),
                else_=InstallmentStatus.INVOICED.value,
            ))
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    session.execute(delete(InstallmentClaim).where(InstallmentClaim.invoice_id == document.id))
    fee_ids = set(session.scalars(select(installment.fee_id).where(installment.id.in_(ids))))
    _queue_rechecks(session, fee_ids, f"{document.number} was voided", now)
    return len(ids)


def _queue_rechecks(session: Session, fee_ids: set[int], reason: str, now: dt.datetime) -> None:
    """Queue the fees for ``realize``, replacing any recheck already queued for them.

    A realize running now may have read the old recheck and be about to clear
    it as done; it clears only a recheck with the reason it read, so the
    replaced one (this void's) stays for the next run.
    """
    session.execute(delete(FeeRecheck).where(FeeRecheck.fee_id.in_(fee_ids)))
    session.add_all(
        FeeRecheck(fee_id=fee_id, reason=reason, queued_at=now) for fee_id in sorted(fee_ids)
    )


def _document(session: Session, number: str) -> Invoice:
    document = session.scalars(select(Invoice).where(Invoice.number == number)).one_or_none()
    if document is None:
        raise NeedsUserAction(
            "invoice_not_found",
            f"There is no invoice or credit memo {number}.",
            "Run `backoffice invoice list` to see the numbers.",
        )
    return document


def _required_reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise NeedsUserAction(
            "reason_required",
            f"A {what} needs a reason.",
            f'Say why with --reason, e.g. --reason "wrong rate"; it is kept with the {what}.',
        )
    return reason
