"""Invoice batches: write a plan as a draft batch, approve it, or discard it.

Approval numbers every document of the batch in one transaction from its
kind's sequence (``billing.invoicing.numbering``), so a failed approval uses no number
and two approvals of one batch cannot both succeed: the batch is claimed by a
conditional update first. Approved credit memos are applied to the invoices
they credit (the invoice's balance drops by what the memo covers).

Everything is written with bulk statements a page at a time, so a batch of
100,000 lines never becomes 100,000 ORM objects. Callers pass a Billto lookup
(the ATS) for the health check; this module reads no clock and no ATS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import CursorResult, and_, case, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from backoffice.errors import NeedsUserAction
from backoffice.paging import pages
from backoffice.storage import is_deadlock, refresh_planner_statistics
from billing.catalog.models import Terms
from billing.fees import FeeInstallment, InstallmentStatus
from billing.invoicing.drafts import DraftDocument
from billing.invoicing.health import (
    BilltoLookup,
    DocumentCheck,
    HealthCheck,
    HealthIssue,
    over_credited,
    stale_lines,
)
from billing.invoicing.models import (
    BatchStatus,
    DocumentKind,
    InstallmentClaim,
    Invoice,
    InvoiceBatch,
    InvoiceLine,
    InvoiceStatus,
)
from billing.invoicing.numbering import take_numbers

WRITE_PAGE = 1000  # documents per bulk insert
DOCUMENT_TABLES = ("invoice", "invoice_line", "installment_claim")
CHECK_PAGE = 500  # documents per health-check page (one Billto query each)


class BatchWriter:
    """Writes draft documents as one draft batch, created with the first of them."""

    def __init__(self, session: Session, through: dt.date, *, now: dt.datetime) -> None:
        self.session = session
        self.through = through
        self.now = now
        self.batch_id: int | None = None

    def write(self, documents: Iterable[DraftDocument]) -> Iterator[DraftDocument]:
        """Write each document, then pass it on with its id and batch id set."""
        for page in pages(documents, WRITE_PAGE):
            if self.batch_id is None:
                self.batch_id = self.session.scalars(
                    insert(InvoiceBatch).returning(InvoiceBatch.id),
                    [{"through_date": self.through, "status": BatchStatus.DRAFT.value,
                      "created_at": self.now}],
                ).one()  # fmt: skip
            try:
                write_documents(self.session, self.batch_id, page)
            except IntegrityError as taken:
                raise BatchJustBuilt() from taken
            yield from page


class BatchJustBuilt(NeedsUserAction):
    """Raised when another run claimed installments of this batch while it was being built.

    The ``invoice run`` lock keeps two runs apart; this covers a run that
    took over the lock of one that seemed stalled but was still writing.
    """

    def __init__(self) -> None:
        super().__init__(
            "batch_just_built",
            "Another invoice run has just built a batch with some of the same "
            "installments; nothing of this run was kept.",
            "Review that batch, then run again for what it left out.",
        )


def write_documents(session: Session, batch_id: int, documents: Sequence[DraftDocument]) -> None:
    """Insert draft documents, their lines and their claims on installments.

    The headers go in by one executemany, then their ids are read back in id
    order: each database hands out ids in the order the rows were inserted,
    and the batch is this session's alone. (INSERT ... RETURNING in
    parameter order made SQLAlchemy split a page into statements of a few
    rows on PostgreSQL: 17 s of a 49,000-invoice run.)
    """
    after = session.scalar(select(func.max(Invoice.id)).where(Invoice.batch_id == batch_id))
    session.execute(insert(Invoice), [_header_row(batch_id, document) for document in documents])
    ids = session.scalars(
        select(Invoice.id)
        .where(Invoice.batch_id == batch_id, Invoice.id > (after or 0))
        .order_by(Invoice.id)
    ).all()
    lines, claims = [], []
    for document, invoice_id in zip(documents, ids, strict=True):
        document.id, document.batch_id = invoice_id, batch_id
        for line in document.lines:
            lines.append({
                "invoice_id": invoice_id, "installment_id": line.installment_id,
                "fee_id": line.fee_id, "seq": line.seq, "source_type": line.source_type,
                "source_id": line.source_id, "product_code": line.product_code,
                "description": line.description, "quantity": line.quantity,
                "rate": line.rate, "amount": line.amount,
            })  # fmt: skip
            if line.role is not None:
                claims.append({"installment_id": line.installment_id,
                               "role": line.role.value, "invoice_id": invoice_id})  # fmt: skip
    session.execute(insert(InvoiceLine), lines)
    if claims:
        session.execute(insert(InstallmentClaim), claims)


def _header_row(batch_id: int, document: DraftDocument) -> dict[str, Any]:
    return {
        "batch_id": batch_id, "kind": document.kind,
        "credits_invoice_id": document.credits_invoice_id, "billto_id": document.billto_id,
        "currency": document.currency, "invoice_date": document.invoice_date,
        "terms_code": document.terms_code, "po_number": document.po_number,
        "status": InvoiceStatus.DRAFT.value, "total": document.total,
        "balance": document.total, "memo": document.memo,
    }  # fmt: skip


@dataclass
class StoredHeader:
    """A stored document's header, as the health check and numbering read it."""

    id: int
    kind: str
    billto_id: int
    currency: str
    invoice_date: dt.date
    terms_code: str
    total: Decimal
    credits_invoice_id: int | None
    po_number: str | None


@dataclass(frozen=True)
class Approval:
    """What approving a batch did: documents approved, and those held back with why.

    Held documents stay drafts, moved to a draft batch of their own
    (``held_batch_id``) so the approved batch is complete as approved and the
    held one can be approved again once fixed, or discarded.
    """

    approved: int
    held: int = 0
    held_batch_id: int | None = None
    issues: tuple[HealthIssue, ...] = ()


def approve_batch(
    session: Session,
    batch_id: int,
    billtos: BilltoLookup,
    *,
    now: dt.datetime,
    extra_checks: Sequence[DocumentCheck] = (),
) -> Approval:
    """Check, number, date and lock the healthy documents of a draft batch.

    A document's problem holds back that document only: the healthy ones of
    every other Billto are approved. When none is healthy nothing changes and
    ``BatchUnhealthy`` says why. A realize writing the batch's installments at
    the same moment may make the server break a deadlock by rolling this
    approval back: it is then refused like any other, with nothing approved or
    numbered.
    """
    try:
        return _approve(session, batch_id, billtos, now, extra_checks)
    except DBAPIError as error:
        if not is_deadlock(error):
            raise
        raise NeedsUserAction(
            "approval_interrupted",
            f"Batch {batch_id} was not approved: a realize run was changing its "
            "installments at the same moment.",
            "Approve the batch again; nothing was approved or numbered.",
        ) from error


def _approve(
    session: Session,
    batch_id: int,
    billtos: BilltoLookup,
    now: dt.datetime,
    extra_checks: Sequence[DocumentCheck],
) -> Approval:
    _claim_draft(session, batch_id, now)
    refresh_planner_statistics(session.connection(), DOCUMENT_TABLES, in_transaction=True)
    headers = batch_headers(session, batch_id)
    health = HealthCheck(session, billtos, extra_checks)
    for page in pages(headers, CHECK_PAGE):
        health.check(page)
    issues = health.issues + stale_lines(session, batch_id) + over_credited(session, batch_id)
    held = health.held | {issue.document_id for issue in issues if issue.document_id}
    healthy = [header for header in headers if header.id not in held]
    if issues and not healthy:
        raise BatchUnhealthy(batch_id, issues)
    held_batch_id = _hold_back(session, batch_id, sorted(held), now) if held else None
    finalize(session, batch_id, healthy)
    return Approval(len(healthy), len(held), held_batch_id, tuple(issues))


def _hold_back(session: Session, batch_id: int, document_ids: list[int], now: dt.datetime) -> int:
    """Move documents, still drafts, to a new draft batch of the same date; its id."""
    through = session.scalars(
        select(InvoiceBatch.through_date).where(InvoiceBatch.id == batch_id)
    ).one()
    held_batch_id = session.scalars(
        insert(InvoiceBatch).returning(InvoiceBatch.id),
        [{"through_date": through, "status": BatchStatus.DRAFT.value, "created_at": now}],
    ).one()
    for chunk in pages(document_ids, WRITE_PAGE):
        session.execute(
            update(Invoice).where(Invoice.id.in_(chunk)).values(batch_id=held_batch_id)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    return held_batch_id


def _claim_draft(session: Session, batch_id: int, now: dt.datetime) -> None:
    """Move the batch from draft to approved, or fail if someone else did first."""
    if session.get(InvoiceBatch, batch_id) is None:
        raise NeedsUserAction(
            "batch_not_found",
            f"There is no batch {batch_id}.",
            "Check the batch id against the list of invoices.",
        )
    claimed: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(InvoiceBatch)
        .where(InvoiceBatch.id == batch_id, InvoiceBatch.status == BatchStatus.DRAFT.value)
        .values(status=BatchStatus.APPROVED.value, approved_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise NeedsUserAction(
            "batch_not_draft",
            f"Batch {batch_id} is not a draft (already approved or discarded).",
            "Nothing to do; the batch's invoices are listed with their numbers.",
        )


def batch_headers(session: Session, batch_id: int) -> list[StoredHeader]:
    """The headers of a batch's documents, in id order."""
    query = (
        select(Invoice.id, Invoice.kind, Invoice.billto_id, Invoice.currency,
               Invoice.invoice_date, Invoice.terms_code, Invoice.total,
               Invoice.credits_invoice_id, Invoice.po_number)
        .where(Invoice.batch_id == batch_id)
        .order_by(Invoice.id)
    )  # fmt: skip
    return [StoredHeader(*row) for row in session.execute(query)]


def finalize(session: Session, batch_id: int, headers: Sequence[StoredHeader]) -> dict[int, str]:
    """Number and date the documents, settle their installments, apply credit memos.

    Returns the number given to each document id.
    """
    due_days = {code: days for code, days in session.execute(select(Terms.code, Terms.due_days))}
    rows: list[dict[str, Any]] = []
    for kind in DocumentKind:
        of_kind = [h for h in headers if h.kind == kind]
        for header, number in zip(of_kind, take_numbers(session, kind, len(of_kind)), strict=True):
            due = None
            if kind == DocumentKind.INVOICE:
                due = header.invoice_date + dt.timedelta(days=due_days[header.terms_code])
            rows.append({"id": header.id, "number": number, "due_date": due,
                         "status": InvoiceStatus.APPROVED.value})  # fmt: skip
    for page in pages(rows, WRITE_PAGE):
        session.execute(update(Invoice), page)
    _settle_installments(session, batch_id)
    _apply_credits(session, [h for h in headers if h.kind == DocumentKind.CREDIT_MEMO])
    return {row["id"]: row["number"] for row in rows}


def _settle_installments(session: Session, batch_id: int) -> None:
    """Settle what a batch's documents claim, in one statement for the whole batch.

    Billed installments become invoiced; credited ones become invoiced (a
    negative adjustment, now on a credit memo) or cancelled (a fell-off fee's,
    credited back, in full or for what credits by hand left of it). One
    statement, not one per page: PostgreSQL scanned the million-row
    installment table once per page of ids.
    """
    claims = (
        select(InstallmentClaim.installment_id)
        .join(Invoice, Invoice.id == InstallmentClaim.invoice_id)
        .where(Invoice.batch_id == batch_id)
    )
    session.execute(
        update(FeeInstallment)
        .where(FeeInstallment.id.in_(claims))
        .values(status=case(
            (FeeInstallment.status == InstallmentStatus.PENDING.value,
             InstallmentStatus.INVOICED.value),
            else_=InstallmentStatus.CANCELLED.value,
        ))
        .execution_options(synchronize_session=False)
    )  # fmt: skip


def _apply_credits(session: Session, memos: Sequence[StoredHeader]) -> None:
    """Each credit memo pays down the invoice it credits, as far as its balance goes."""
    if not memos:
        return
    balances: dict[int, Decimal] = {}
    for chunk in pages(sorted({m.credits_invoice_id for m in memos if m.credits_invoice_id}),
                       WRITE_PAGE):  # fmt: skip
        query = select(Invoice.id, Invoice.balance).where(Invoice.id.in_(chunk))
        balances.update({invoice_id: balance for invoice_id, balance in session.execute(query)})
    memo_rows = []
    for memo in memos:
        applied = min(memo.total, balances.get(memo.credits_invoice_id or 0, Decimal(0)))
        if memo.credits_invoice_id is not None:
            balances[memo.credits_invoice_id] -= applied
        memo_rows.append({"id": memo.id, "balance": memo.total - applied})
    invoice_rows = [{"id": i, "balance": balance} for i, balance in balances.items()]
    for page in pages(memo_rows + invoice_rows, WRITE_PAGE):
        session.execute(update(Invoice), page)


class BatchUnhealthy(NeedsUserAction):
    """Raised when no document of a batch passes its health check; nothing was approved."""

    def __init__(self, batch_id: int, issues: list[HealthIssue]) -> None:
        super().__init__(
            "batch_unhealthy",
            f"Batch {batch_id} has {len(issues)} problem(s) and none of its documents could "
            "be approved.",
            "Fix each one listed, then approve the batch again.",
            issues=issues,
        )


def discard_batch(session: Session, batch_id: int) -> int:
    """Throw a draft batch away; its installments are free again. Returns documents dropped."""
    batch = session.get(InvoiceBatch, batch_id)
    if batch is None or batch.status != BatchStatus.DRAFT.value:
        raise NeedsUserAction(
            "batch_not_draft",
            f"Batch {batch_id} is not a draft batch.",
            "Only a draft batch can be discarded; an approved invoice is voided "
            "or corrected by a credit memo.",
        )
    documents = select(Invoice.id).where(Invoice.batch_id == batch_id)
    session.execute(delete(InstallmentClaim).where(InstallmentClaim.invoice_id.in_(documents)))
    session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id.in_(documents)))
    dropped: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        delete(Invoice).where(Invoice.batch_id == batch_id)
    )
    batch.status = BatchStatus.DISCARDED.value
    session.flush()
    return dropped.rowcount


def credits_against(session: Session, invoice_id: int) -> list[tuple[str | None, str, Decimal]]:
    """The credit memos (number, status, total) against an invoice that are not voided."""
    query = select(Invoice.number, Invoice.status, Invoice.total).where(
        and_(Invoice.credits_invoice_id == invoice_id,
             Invoice.status != InvoiceStatus.VOIDED.value)
    )  # fmt: skip
    return [(number, status, total) for number, status, total in session.execute(query)]
