"""The health check a batch must pass before approval, and shows as warnings when built.

Each issue names the document, the field and the fix, so an AR clerk can act
on it without reading code. Checks that need another system (the accounting
mappings of a connection) plug in as ``DocumentCheck`` callables: the
invoicing code calls them without knowing what they check.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ats.records import AtsBillto
from billing.catalog.models import Terms
from billing.fees import FeeInstallment, InstallmentStatus
from billing.invoicing.drafts import DraftDocument
from billing.invoicing.models import (
    ClaimRole,
    DocumentKind,
    InstallmentClaim,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)
from billing.money import quantize


class DocumentHeader(Protocol):
    """What the checks read of a document, drafted or stored."""

    kind: str
    billto_id: int
    currency: str
    invoice_date: dt.date
    terms_code: str
    po_number: str | None
    credits_invoice_id: int | None

    @property
    def id(self) -> int | None:
        """The stored document's id (None for a dry run's draft)."""

    @property
    def total(self) -> Decimal:
        """The document's total."""


@dataclass(frozen=True)
class HealthIssue:
    """Something that holds a document back from approval: the document, the field, the fix.

    ``document_id`` is the stored document held back (None for a dry run's draft).
    """

    document: str
    field: str
    message: str
    document_id: int | None = None

    def __str__(self) -> str:
        return f"{self.document}, {self.field}: {self.message}"


@dataclass(frozen=True)
class DocumentFacts:
    """What a check from outside billing (the accounting mappings) reads of a document."""

    label: str
    document_id: int | None
    kind: str
    billto_id: int
    currency: str
    terms_code: str
    product_codes: frozenset[str]
    po_number: str | None = None


DocumentCheck = Callable[[Sequence[DocumentFacts]], list[HealthIssue]]
BilltoLookup = Callable[[set[int]], Mapping[int, AtsBillto]]


def label(document: DocumentHeader) -> str:
    """How an issue names a document that may not have a number yet."""
    what = "credit memo" if document.kind == DocumentKind.CREDIT_MEMO else "invoice"
    return f"{what} for Billto {document.billto_id} dated {document.invoice_date}"


class HealthCheck:
    """Checks documents page by page, fetching each page's Billtos once.

    Every document with an issue is in ``held``. An issue of a shared setting
    found by an extra check (an unmapped product) is listed once in
    ``issues``, on the first document it holds, so a batch of 10,000
    invoices does not repeat it 10,000 times.
    """

    def __init__(
        self,
        session: Session,
        billtos: BilltoLookup,
        extra_checks: Sequence[DocumentCheck] = (),
    ) -> None:
        self.session = session
        self.billtos = billtos
        self.extra_checks = extra_checks
        self.terms = {t.code for t in session.scalars(select(Terms))}
        self.issues: list[HealthIssue] = []
        self.held: set[int] = set()
        self._told: set[tuple[str, str]] = set()

    def check(self, documents: Sequence[DocumentHeader]) -> list[HealthIssue]:
        """The issues of this page (also kept in ``issues``)."""
        billtos = self.billtos({d.billto_id for d in documents})
        found: list[HealthIssue] = []
        for document in documents:
            found.extend(self._check_one(document, billtos.get(document.billto_id)))
        if self.extra_checks:
            facts = document_facts(self.session, documents)
            for extra in self.extra_checks:
                found.extend(self._first_telling(extra(facts)))
        self.issues.extend(found)
        return found

    def _first_telling(self, issues: list[HealthIssue]) -> list[HealthIssue]:
        """Hold every document an issue names; tell each distinct issue once."""
        first = []
        for issue in issues:
            if issue.document_id is not None:
                self.held.add(issue.document_id)
            if (issue.field, issue.message) not in self._told:
                self._told.add((issue.field, issue.message))
                first.append(issue)
        return first

    def _check_one(self, document: DocumentHeader, billto: AtsBillto | None) -> list[HealthIssue]:
        issues = [
            HealthIssue(issue.document, issue.field, issue.message, document.id)
            for issue in self._issues_of(document, billto)
        ]
        if issues and document.id is not None:
            self.held.add(document.id)
        return issues

    def _issues_of(self, document: DocumentHeader, billto: AtsBillto | None) -> list[HealthIssue]:
        name = label(document)
        if billto is None:
            return [HealthIssue(name, "billto", "the Billto is not in the ATS: restore it there")]
        issues = []
        if not billto.active:
            issues.append(HealthIssue(
                name, "billto", f"Billto '{billto.name}' is inactive: reactivate it in the ATS"
            ))  # fmt: skip
        if not billto.email:
            issues.append(HealthIssue(
                name, "billto.email",
                f"Billto '{billto.name}' has no email to send the document to: add one in the ATS",
            ))  # fmt: skip
        if billto.currency != document.currency:
            issues.append(HealthIssue(
                name, "currency",
                f"the document is in {document.currency} but Billto '{billto.name}' is billed "
                f"in {billto.currency}: correct the currency of the Billto or of the ATS events",
            ))  # fmt: skip
        if document.terms_code not in self.terms:
            issues.append(HealthIssue(
                name, "terms",
                f"terms {document.terms_code} are not in the catalog: add them to the catalog "
                "file's terms and import it",
            ))  # fmt: skip
        if document.total <= 0:
            issues.append(HealthIssue(
                name, "total",
                f"the total is {document.total}: a document must be for a positive amount; "
                "discard the batch and realize the fees again before invoicing",
            ))  # fmt: skip
        return issues


def stale_lines(session: Session, batch_id: int) -> list[HealthIssue]:
    """Lines whose installment changed after the batch was built (realize ran in between).

    A billed installment must still be pending at the line's amount; a
    credited one must still be the pending negative adjustment, or the invoiced
    installment of a fee that fell off (still flagged for a credit), which the
    line credits in full or in part (what the fee's credits by hand left of it).

    A locking read, in installment id order: approval calls it inside its
    transaction, so the installments it finds as built stay so until it has
    settled them, and a realize that changed them first is waited for and
    seen (a locking read sees the latest committed row even inside MariaDB's
    repeatable-read snapshot). SQLite needs no lock: approval already holds
    the database's write lock when it gets here.
    """
    line, claim, installment, document = InvoiceLine, InstallmentClaim, FeeInstallment, Invoice
    query = (
        select(document.id, document.billto_id, document.invoice_date, document.kind,
               line.fee_id, line.seq, line.amount, claim.role,
               installment.status, installment.amount.label("now"),
               installment.credit_review_reason.label("review"))
        .join(line, line.invoice_id == document.id)
        .join(claim, and_(claim.invoice_id == document.id,
                          claim.installment_id == line.installment_id))
        .join(installment, installment.id == line.installment_id)
        .where(document.batch_id == batch_id)
        .order_by(installment.id)
        .with_for_update(of=installment, key_share=True)
    )  # fmt: skip
    issues = []
    for row in session.execute(query):
        if _still_as_built(row.role, row.status, row.amount, row.now, row.review):
            continue
        what = "credit memo" if row.kind == DocumentKind.CREDIT_MEMO else "invoice"
        issues.append(HealthIssue(
            f"{what} for Billto {row.billto_id} dated {row.invoice_date}",
            f"fee {row.fee_id} installment {row.seq}",
            f"changed after the batch was built (now {row.status}, {row.now}): discard the "
            "batch and run the invoices again",
            row.id,
        ))  # fmt: skip
    return issues


def _still_as_built(
    role: str, status: str, amount: Decimal, now: Decimal, review: str | None
) -> bool:
    if role == ClaimRole.BILL:
        return status == InstallmentStatus.PENDING and now == amount
    if status == InstallmentStatus.PENDING:
        return now == -amount
    # A fee reinstated since (the placement is active again) is no longer flagged.
    return status == InstallmentStatus.INVOICED and review is not None and 0 < amount <= now


def over_credited(session: Session, batch_id: int) -> list[HealthIssue]:
    """The batch's credit memos against an invoice they would credit beyond what is left.

    What is left of an invoice is its total less every live credit memo
    against it (approved, by hand or not, or still draft in any batch); when
    the memos go past it, each of this batch's memos against it is held.
    """
    memo = Invoice.__table__.alias("memo")
    credited = (
        select(Invoice.id, Invoice.number, Invoice.currency, Invoice.total,
               func.sum(memo.c.total).label("credits"))
        .join(memo, memo.c.credits_invoice_id == Invoice.id)
        .where(memo.c.status != InvoiceStatus.VOIDED.value,
               Invoice.id.in_(select(Invoice.credits_invoice_id)
                              .where(Invoice.batch_id == batch_id)))
        .group_by(Invoice.id, Invoice.number, Invoice.currency, Invoice.total)
    )  # fmt: skip
    over = {
        invoice_id: (number, quantize(total, currency), quantize(credits, currency))
        for invoice_id, number, currency, total, credits in session.execute(credited)
        if credits > total
    }
    if not over:
        return []
    held = select(Invoice.id, Invoice.credits_invoice_id).where(
        Invoice.batch_id == batch_id, Invoice.credits_invoice_id.in_(over)
    )
    issues = []
    for memo_id, invoice_id in session.execute(held):
        number, total, credits = over[invoice_id]
        issues.append(HealthIssue(
            f"credit memos for invoice {number}", "total",
            f"together with the invoice's other credit memos they credit {credits} of an "
            f"invoice of {total}: void a credit memo of it, or discard this batch and check "
            "the fee's changes",
            memo_id,
        ))  # fmt: skip
    return issues


def document_facts(session: Session, documents: Sequence[DocumentHeader]) -> list[DocumentFacts]:
    """Each document with the products on its lines: a draft's own, a stored one's read."""
    stored = [d.id for d in documents if not isinstance(d, DraftDocument) and d.id]
    read: dict[int, set[str]] = defaultdict(set)
    if stored:
        query = select(InvoiceLine.invoice_id, InvoiceLine.product_code).where(
            InvoiceLine.invoice_id.in_(stored)
        )
        for invoice_id, code in session.execute(query):
            read[invoice_id].add(code)
    facts = []
    for d in documents:
        if isinstance(d, DraftDocument):
            products = frozenset(line.product_code for line in d.lines)
        else:
            products = frozenset(read.get(d.id or 0, ()))
        facts.append(DocumentFacts(label(d), d.id, d.kind, d.billto_id, d.currency,
                                   d.terms_code, products, d.po_number))  # fmt: skip
    return facts
