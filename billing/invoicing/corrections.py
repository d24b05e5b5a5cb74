"""Correcting approved documents: a credit memo issued by hand, or a void.

A credit memo by hand credits part or all of an invoice with a reason; it is
numbered and applied at once, like an approved one. Voiding is allowed only
while a document has not reached the accounting system (status ``approved``);
after posting, a credit memo is the only correction. A void gives the
document's installments back: billed ones are pending again and their fees
queued for ``realize`` to lay out afresh (``FeeRecheck``), credited ones go
back to what they were before the credit.

A credit by hand that a fell-off fee's credit memo counted on (credited
only what the credit by hand left of the invoice) is not voided alone: that
would leave the customer owing what neither memo credits any more. The
automatic memo is voided (or its draft batch discarded) first; the fee is
then credited afresh, in full once the credit by hand is voided too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, delete, insert, select, update
from sqlalchemy.orm import Session, aliased

from backoffice.errors import NeedsUserAction
from billing.fees import FeeInstallment, FeeRecheck, InstallmentStatus
from billing.invoicing.batches import batch_headers, credits_against, finalize, write_documents
from billing.invoicing.credit_spread import read_fee_rooms
from billing.invoicing.drafts import DraftDocument, DraftLine
from billing.invoicing.models import (
    BatchStatus,
    ClaimRole,
    DocumentKind,
    InstallmentClaim,
    Invoice,
    InvoiceBatch,
    InvoiceLine,
    InvoiceStatus,
)
from billing.money import quantize

CREDITABLE = frozenset({
    InvoiceStatus.APPROVED, InvoiceStatus.POSTED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID
})  # fmt: skip


def issue_credit(
    session: Session, number: str, amount: Decimal, reason: str, *, now: dt.datetime,
    fee_id: int | None = None,
) -> str:  # fmt: skip
    """Credit ``amount`` of invoice ``number`` for ``reason``; returns the credit memo number.

    ``fee_id`` names the fee the credit is for, on an invoice of several fees
    (``_credit_line``).

    What is left of the invoice is read and taken under the invoice's write
    lock (``_lock_document``), so two credits issued at once can never
    together credit more than is left: the second waits for the first and
    then sees its memo.
    """
    _lock_document(session, number)
    invoice = _document(session, number)
    if invoice.kind != DocumentKind.INVOICE or invoice.status not in CREDITABLE:
        raise NeedsUserAction(
            "not_creditable",
            f"{number} is a {invoice.status} {invoice.kind.replace('_', ' ')}; only an approved "
            "invoice can be credited.",
            "Credit the invoice itself (the list of invoices shows the numbers).",
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
    memo = DraftDocument(
        DocumentKind.CREDIT_MEMO.value, invoice.billto_id, invoice.currency,
        max(now.date(), invoice.invoice_date), invoice.terms_code, invoice.po_number,
        [_credit_line(session, invoice, amount, reason, fee_id)],
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


def _credit_line(
    session: Session, invoice: Invoice, amount: Decimal, reason: str, fee_id: int | None
) -> DraftLine:
    """The one line of a credit by hand, naming the fee it is for when that is known.

    Named, the credit counts toward the fee's later reductions
    (``billing.invoicing.credit_spread``), so a reduction it already covers is not
    credited again, and it may not credit more of the fee than the invoice
    billed of it and its credit memos left.
    """
    text = f"Credit: {reason}"
    named = _named_fee(session, invoice, fee_id)
    if named is None:
        product = session.scalars(
            select(InvoiceLine.product_code).where(InvoiceLine.invoice_id == invoice.id)
            .order_by(InvoiceLine.id).limit(1)
        ).one()  # fmt: skip
        return DraftLine(None, None, None, None, None, None, product, text, Decimal(1), amount,
                         amount)  # fmt: skip
    _refuse_more_than_the_fee(session, invoice, named.fee_id, amount)
    return DraftLine(None, None, named.fee_id, None, named.source_type, named.source_id,
                     named.product_code, text, Decimal(1), amount, amount)  # fmt: skip


def _named_fee(session: Session, invoice: Invoice, fee_id: int | None) -> Any:
    """The fee asked for, else the invoice's only fee; None on an invoice of several, unasked."""
    fees = {
        row.fee_id: row
        for row in session.execute(
            select(InvoiceLine.fee_id, InvoiceLine.source_type, InvoiceLine.source_id,
                   InvoiceLine.product_code)
            .where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.fee_id.is_not(None))
            .order_by(InvoiceLine.id)
        )
    }  # fmt: skip
    if fee_id is None:
        return next(iter(fees.values())) if len(fees) == 1 else None
    if fee_id not in fees:
        raise NeedsUserAction(
            "fee_not_on_invoice",
            f"Fee {fee_id} is not billed on invoice {invoice.number}.",
            f"Name one of its fees ({', '.join(map(str, fees)) or 'none'}) or leave out --fee.",
        )
    return fees[fee_id]


def _refuse_more_than_the_fee(
    session: Session, invoice: Invoice, fee_id: int, amount: Decimal
) -> None:
    left = dict(read_fee_rooms(session, {fee_id}).on_invoice[fee_id])[invoice.id]
    if amount > left:
        raise NeedsUserAction(
            "credit_too_large",
            f"Invoice {invoice.number} has {quantize(left, invoice.currency)} of fee {fee_id} "
            "left to credit (what it billed of the fee less the fee's credit memos).",
            f"Credit at most {quantize(left, invoice.currency)} for fee {fee_id}, or leave "
            "out --fee to credit the invoice as a whole.",
        )


def _lock_document(session: Session, number: str) -> None:
    """Take the document for writing before anything is read of it or its credits.

    Credits and voids of one document then run one after the other, each
    deciding on what the one before committed. A write of the balance onto
    itself is the one lock the three databases share: PostgreSQL and MariaDB
    lock the row until commit; on SQLite, being the transaction's first
    statement, it takes the database's write lock before the transaction
    reads anything (a read first would let two transactions decide on the
    same snapshot, and so would MariaDB's repeatable read, whose snapshot is
    its first read). The row is found by id, looked up outside the
    transaction: numbers never change once given, and locking through the
    number's index deadlocks MariaDB against the number given to a credit
    memo. The triggers let an approved document's balance move, so the no-op
    write is allowed on every kind.
    """
    with session.get_bind().engine.connect() as lookup:
        invoice_id = lookup.scalar(select(Invoice.id).where(Invoice.number == number))
    session.execute(
        update(Invoice).where(Invoice.id == invoice_id)
        .values(balance=Invoice.balance)
        .execution_options(synchronize_session=False)
    )  # fmt: skip


@dataclass(frozen=True)
class VoidOutcome:
    """What voiding did: the installments it gave back, or nothing (it was voided already).

    ``void_reason`` is the reason kept on the document: this void's, or the
    earlier void's when it was voided already.
    """

    installments_returned: int
    void_reason: str
    was_already_voided: bool = False


def void_document(session: Session, number: str, reason: str, *, now: dt.datetime) -> VoidOutcome:
    """Void an approved, unposted document; idempotent: a voided one is left as it is.

    Under the document's write lock (``_lock_document``): of two voids at
    once the second finds it voided, and a credit by hand issued at the same
    time on an invoice being voided is either seen (and the void refused) or
    refused itself.
    """
    _lock_document(session, number)
    document = _document(session, number)
    reason = _required_reason(reason, "void")
    if document.status == InvoiceStatus.VOIDED:
        return VoidOutcome(0, document.void_reason or "", was_already_voided=True)
    if document.status != InvoiceStatus.APPROVED:
        raise NeedsUserAction(
            "posted",
            f"{number} is {document.status}: it has reached the accounting system.",
            "Correct it with a credit memo.",
        )
    live = [n or "a draft credit memo" for n, _s, _t in credits_against(session, document.id)]
    if live:
        raise NeedsUserAction(
            "has_credits",
            f"Invoice {number} has credit memos: {', '.join(live)}.",
            "Void those credit memos (or discard their draft batch) first.",
        )
    _refuse_if_counted_on(session, document)
    returned = _give_back_installments(session, document, now)
    if document.credits_invoice_id is not None:
        _owe_again(session, document.credits_invoice_id, document.total - document.balance)
    document.status = InvoiceStatus.VOIDED.value
    document.void_reason = reason
    document.voided_at = now
    document.balance = Decimal(0)
    session.flush()
    return VoidOutcome(returned, reason)


def _refuse_if_counted_on(session: Session, memo: Invoice) -> None:
    """Refuse voiding a credit by hand while a fall-off credit against its invoice counts on it.

    A fell-off fee's credit lines against an invoice fall short of the
    installments they claim by what the fee's reductions credited there, and
    by what credits by hand took; any shortfall beyond the reductions counted
    on credits by hand.
    """
    if memo.kind != DocumentKind.CREDIT_MEMO or memo.credits_invoice_id is None:
        return
    line, other, installment = InvoiceLine, aliased(Invoice), FeeInstallment
    if session.scalar(
        select(line.id).where(line.invoice_id == memo.id, line.installment_id.is_not(None))
        .limit(1)
    ) is not None:  # fmt: skip
        return  # an automatic credit memo
    query = (
        select(other.number, line.fee_id, line.amount, installment.amount.label("claimed"))
        .join(other, other.id == line.invoice_id)
        .join(installment, installment.id == line.installment_id)
        .where(other.credits_invoice_id == memo.credits_invoice_id,
               other.status != InvoiceStatus.VOIDED.value)
    )  # fmt: skip
    short: dict[int, Decimal] = defaultdict(Decimal)
    memos: dict[int, set[str]] = defaultdict(set)
    for row in session.execute(query):
        if row.claimed > 0:
            short[row.fee_id] += row.claimed - row.amount
            if row.amount < row.claimed:
                memos[row.fee_id].add(row.number or "a draft credit memo")
        else:
            short[row.fee_id] -= row.amount
    counting = sorted({number for fee_id, left in short.items() if left > 0
                       for number in memos[fee_id]})  # fmt: skip
    if counting:
        raise NeedsUserAction(
            "credit_counted_on",
            f"{memo.number} was counted on by {', '.join(counting)}: a fell-off fee was "
            "credited only what the credits by hand left of the invoice.",
            f"Void {', '.join(counting)} first (or discard its draft batch), then {memo.number}; "
            "the next realize and invoice run then credit the fee in full.",
        )


def _owe_again(session: Session, invoice_id: int, amount: Decimal) -> None:
    """The credited invoice owes again what the voided credit memo had paid down of it.

    One relative update, computed by the database under the row's lock: a
    credit by hand committed meanwhile on the same invoice is added to, where
    reading the balance and writing it back would overwrite it.
    """
    session.execute(
        update(Invoice).where(Invoice.id == invoice_id)
        .values(balance=Invoice.balance + amount)
        .execution_options(synchronize_session=False)
    )  # fmt: skip


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
            "Check the number against the list of invoices.",
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
