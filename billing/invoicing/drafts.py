"""What an ``invoice run`` would build: draft invoices and credit memos, streamed.

Every pending installment dated on or before the run's date is due:

- a positive one is billed on an invoice grouped by (invoice Billto, currency,
  effective date, terms, PO number), CONTRACT.md section 4;
- a negative one (a fee lowered after invoicing) is credited on credit memos
  against the fee's approved invoices, the last issued first, each within
  what is left of it (``billing.invoicing.credit_spread``);
- an invoiced installment of a fee that fell off (realization flagged it for
  credit) is credited against the invoice that billed it, dated on the ATS
  change, for what is left of the fee on that invoice: in full, less what the
  fee's credit memos against it already credit (a credit by hand naming the
  fee, an earlier reduction), and never past what is left of the invoice.

Credit memos take the header of the invoice they credit and are grouped by
that invoice and their date. Installments of fees whose ATS event is blocked
or that wait to be recomputed after a void are held back with a warning.

The plan reads in two steps so a 100,000-line batch stays small in memory:
the compact keys of every due installment first (sorted and grouped in
Python, so grouping never depends on a database's collation), then, a page of
documents at a time, what their lines say.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from backoffice.paging import pages
from billing.fees import (
    BlockedEvent,
    FeeInstallment,
    FeeRecheck,
    FeeStatus,
    InstallmentKind,
    InstallmentStatus,
    RealizedFee,
)
from billing.invoicing.credit_spread import (
    FeeRooms,
    Piece,
    Reduction,
    cut_installment,
    read_fee_rooms,
    spread,
)
from billing.invoicing.models import (
    ClaimRole,
    DocumentKind,
    InstallmentClaim,
    Invoice,
    InvoiceStatus,
)
from billing.money import quantize

# Grouping key: Billto, currency, date, terms, PO, kind, credited invoice.
GroupKey = tuple[int, str, dt.date, str, str, str, int]
IN_LIST_LIMIT = 1000  # ids per IN (...) list: far below every database's parameter limit


@dataclass
class DraftLine:
    """A line as built, with the installment it claims (if any) and how."""

    role: ClaimRole | None
    installment_id: int | None
    fee_id: int | None
    seq: int | None
    source_type: str | None
    source_id: int | None
    product_code: str
    description: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal


@dataclass
class DraftDocument:
    """A draft invoice or credit memo; it reads like a stored one (no number yet)."""

    kind: str
    billto_id: int
    currency: str
    invoice_date: dt.date
    terms_code: str
    po_number: str | None
    lines: list[DraftLine] = field(default_factory=list)
    credits_invoice_id: int | None = None
    credits_number: str | None = None
    memo: str | None = None
    void_reason: str | None = None
    id: int | None = None
    batch_id: int | None = None
    number: str | None = None
    due_date: dt.date | None = None
    status: str = InvoiceStatus.DRAFT.value

    @property
    def total(self) -> Decimal:
        """The sum of the lines."""
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def balance(self) -> Decimal:
        """A draft owes its whole total."""
        return self.total


@dataclass(frozen=True)
class _Due:
    """One installment to put on a document (phase one: keys only)."""

    key: GroupKey
    installment_id: int
    amount: Decimal  # as it goes on the document: positive on both kinds
    reason: str | None = None  # a fall-off's, for its credit line


@dataclass(frozen=True)
class _Credited:
    """The header of an invoice being credited."""

    id: int
    number: str | None
    billto_id: int
    currency: str
    invoice_date: dt.date
    terms_code: str
    po_number: str | None


class BatchPlan:
    """The documents due through a date; ``warnings`` fill in as they are read.

    ``planned`` is how many documents the plan holds, known once the first
    one is read (before that, None): what a progress display counts toward.

    A plan for writing (``cuts_installments``) cuts a reduction spread over
    several invoices into one installment per credit memo as it plans it; a
    dry run's plan writes nothing and shows the pieces on one installment.
    """

    def __init__(
        self, session: Session, through: dt.date, *, page_size: int = 500,
        cuts_installments: bool = False,
    ) -> None:  # fmt: skip
        self.session = session
        self.cuts_installments = cuts_installments
        self.through = through
        self.page_size = page_size
        self.warnings: list[str] = []
        self.planned: int | None = None
        self.credited: dict[int, _Credited] = {}

    def documents(self) -> Iterator[DraftDocument]:
        """Every draft document, in (Billto, currency, date, terms, PO) order.

        Reductions and fall-offs use up one reading of what is left of the
        invoices, so two fees credited against one invoice never both count
        on the same room.
        """
        bills, negatives = self._bills_and_reductions()
        fell_off = self._fell_off_installments()
        rooms = read_fee_rooms(
            self.session, {row[3] for row in negatives} | {row.fee_id for row in fell_off}
        )
        dues = bills + self._adjustment_credits(negatives, rooms)
        dues += self._fall_off_credits(fell_off, rooms)
        dues.sort(key=lambda d: d.key)
        groups = [(key, list(items)) for key, items in groupby(dues, key=lambda d: d.key)]
        self.planned = len(groups)
        for page in pages(groups, self.page_size):
            details = self._details([d.installment_id for _, items in page for d in items])
            for key, items in page:
                yield self._document(key, items, details)

    def _held(self) -> tuple[set[tuple[str, int, str]], set[int]]:
        blocked = {
            (t, i, o)
            for t, i, o in self.session.execute(
                select(BlockedEvent.source_type, BlockedEvent.source_id,
                       BlockedEvent.occurrence_key)
            )
        }  # fmt: skip
        return blocked, set(self.session.scalars(select(FeeRecheck.fee_id)))

    def _bills_and_reductions(self) -> tuple[list[_Due], list[Any]]:
        """The bills due, and the pending negative installments (reductions) to credit."""
        installment, fee = FeeInstallment, RealizedFee
        billed = exists().where(
            InstallmentClaim.installment_id == installment.id,
            InstallmentClaim.role == ClaimRole.BILL.value,
        )
        credited = exists().where(
            InstallmentClaim.installment_id == installment.id,
            InstallmentClaim.role == ClaimRole.CREDIT.value,
        )
        query = (
            select(installment.id, installment.amount, installment.effective_date, fee.id,
                   fee.source_type, fee.source_id, fee.occurrence_key, fee.invoice_billto_id,
                   fee.currency, fee.terms_code, fee.po_number)
            .join(fee, installment.fee_id == fee.id)
            .where(installment.status == InstallmentStatus.PENDING.value,
                   installment.effective_date <= self.through, ~billed, ~credited)
        )  # fmt: skip
        blocked, rechecks = self._held()
        dues: list[_Due] = []
        negatives = []
        held_blocked: set[int] = set()
        held_recheck: set[int] = set()
        for row in self.session.execute(query):
            event = (row.source_type, row.source_id)
            # A service fee blocked as a whole (no occurrence) holds every occurrence of it.
            if (*event, row.occurrence_key) in blocked or (*event, "") in blocked:
                held_blocked.add(row[3])
            elif row[3] in rechecks:
                held_recheck.add(row[3])
            elif row.amount > 0:
                key = (row.invoice_billto_id, row.currency, row.effective_date, row.terms_code,
                       row.po_number or "", DocumentKind.INVOICE.value, 0)  # fmt: skip
                dues.append(_Due(key, row[0], row.amount))
            elif row.amount < 0:
                negatives.append(row)
        self.warnings.extend(
            f"fee {fee_id} is held: its ATS event is blocked (listed with the blocked events)"
            for fee_id in sorted(held_blocked)
        )
        self.warnings.extend(
            f"fee {fee_id} is held: an invoice of it was voided, so the next realize "
            "recomputes it first"
            for fee_id in sorted(held_recheck)
        )
        return dues, negatives

    def _adjustment_credits(self, negatives: Sequence[Any], rooms: FeeRooms) -> list[_Due]:
        """Each fee's negative installments, spread over its invoices (see credit_spread)."""
        by_fee: dict[int, list[Any]] = defaultdict(list)
        for row in sorted(negatives, key=lambda r: r[0]):
            by_fee[row[3]].append(row)
        dues: list[_Due] = []
        for fee_id, rows in sorted(by_fee.items()):
            reductions = [Reduction(row[0], -row.amount) for row in rows]
            pieces = spread(reductions, rooms.covered[fee_id], rooms.rooms(fee_id))
            rooms.take(fee_id, pieces)
            self._warn_held(fee_id, rows, pieces, rooms)
            self._load_credited({p.invoice_id for p in pieces if p.invoice_id is not None})
            dates = {row[0]: row.effective_date for row in rows}
            cut = self._cut(pieces, {row[0]: row.amount for row in rows})
            dues.extend(
                _Due(self._credit_key(piece.invoice_id, dates[piece.installment_id]),
                     own.installment_id, piece.amount)
                for piece, own in zip(pieces, cut, strict=True) if piece.invoice_id is not None
            )  # fmt: skip
        return dues

    def _cut(self, pieces: list[Piece], amounts: dict[int, Decimal]) -> list[Piece]:
        """When writing, give each piece of a cut installment an installment of its own.

        The pieces come back in the same order, each with its own installment.
        """
        cut = [i for i in amounts if sum(p.installment_id == i for p in pieces) > 1]
        if not self.cuts_installments or not cut:
            return pieces
        ids: dict[int, Iterator[int]] = {}
        for installment_id in cut:
            shares = [p.amount for p in pieces if p.installment_id == installment_id]
            ids[installment_id] = iter(
                cut_installment(self.session, installment_id, amounts[installment_id], shares)
            )
        return [
            Piece(next(ids[p.installment_id]), p.invoice_id, p.amount)
            if p.installment_id in ids else p
            for p in pieces
        ]  # fmt: skip

    def _warn_held(
        self, fee_id: int, rows: list[Any], pieces: list[Piece], rooms: FeeRooms
    ) -> None:
        held = sum((p.amount for p in pieces if p.invoice_id is None), Decimal(0))
        if not held:
            return
        currency = rows[0].currency
        held = quantize(held, currency)
        covered = quantize(min(rooms.covered[fee_id], held), currency)
        if covered:
            self.warnings.append(
                f"fee {fee_id}: {covered} {currency} of its reduction is already credited by a "
                "credit memo issued by hand on its invoice, so it is not credited again; void "
                "that credit memo to have it credited automatically"
            )
        if held == covered:
            return
        if not rooms.has_invoices(fee_id):
            self.warnings.append(
                f"fee {fee_id} has a credit of {held - covered} {currency} but no approved "
                "invoice to credit: it waits until one is approved"
            )
            return
        self.warnings.append(
            f"fee {fee_id}: {held - covered} {currency} of its reduction finds nothing left to "
            "credit on its invoices (their credit memos already credit them in full): it "
            "waits; check the fee's credit memos and void any credited in error"
        )

    def _fell_off_installments(self) -> list[Any]:
        """Invoiced installments of fees that fell off, not yet credited, with their invoice."""
        installment, fee, claim = FeeInstallment, RealizedFee, InstallmentClaim
        credit = aliased(InstallmentClaim)
        end_of_through = dt.datetime.combine(self.through, dt.time.max)  # 9999-12-31 too
        query = (
            select(installment.id, installment.amount, installment.credit_review_reason,
                   installment.fee_id, installment.seq, fee.currency, fee.source_updated_at,
                   claim.invoice_id)
            .join(fee, installment.fee_id == fee.id)
            .join(claim, and_(claim.installment_id == installment.id,
                              claim.role == ClaimRole.BILL.value))
            .where(installment.status == InstallmentStatus.INVOICED.value,
                   installment.credit_review_reason.is_not(None),
                   fee.status == FeeStatus.CANCELLED.value,
                   fee.source_updated_at <= end_of_through,
                   ~exists().where(credit.installment_id == installment.id,
                                   credit.role == ClaimRole.CREDIT.value))
        )  # fmt: skip
        return sorted(self.session.execute(query), key=lambda row: row[0])

    def _fall_off_credits(self, rows: Sequence[Any], rooms: FeeRooms) -> list[_Due]:
        """Each fell-off installment credited for what is left of its fee on its invoice.

        The line still claims the installment (approval cancels it), for
        less than it when the fee's credit memos against that invoice already
        credit part of it: a credit by hand naming the fee counts here as it
        does toward a reduction, so the customer is never credited twice. What
        is left of the invoice bounds the credit too, whoever's credits took it.
        """
        self._load_credited({row.invoice_id for row in rows})
        dues = []
        for row in rows:
            fee_left, invoice_left = rooms.left_on(row.fee_id, row.invoice_id)
            amount = max(min(row.amount, fee_left, invoice_left), Decimal(0))
            if amount > 0:
                rooms.take(row.fee_id, [Piece(row[0], row.invoice_id, amount)])
                dues.append(_Due(self._credit_key(row.invoice_id, row.source_updated_at.date()),
                                 row[0], amount, row.credit_review_reason))  # fmt: skip
            if amount < row.amount:
                self._warn_fall_off_short(row, amount, fee_left, rooms)
        return dues

    def _warn_fall_off_short(
        self, row: Any, amount: Decimal, fee_left: Decimal, rooms: FeeRooms
    ) -> None:
        """Say why a fell-off installment is credited for less than it billed."""
        number = self.credited[row.invoice_id].number
        where = f"fee {row.fee_id} installment {row.seq} (fell off)"
        by_fee = row.amount - max(min(row.amount, fee_left), Decimal(0))
        by_hand = min(by_fee, rooms.by_hand.get(row.fee_id, {}).get(row.invoice_id, Decimal(0)))
        if by_hand > 0:
            self.warnings.append(
                f"{where}: {quantize(by_hand, row.currency)} {row.currency} of it is already "
                f"credited on {number} by a credit memo issued by hand for the fee, so it is not "
                "credited again"
            )
        missing = row.amount - by_fee - amount
        if missing > 0:
            self.warnings.append(
                f"{where}: {quantize(missing, row.currency)} {row.currency} of its credit finds "
                f"nothing left on {number} (its credit memos already credit it in full), so it "
                "is not credited; if one of them was issued in error, discard this batch, "
                "void that credit memo and run the invoices again"
            )

    def _credit_key(self, invoice_id: int, day: dt.date) -> GroupKey:
        original = self.credited[invoice_id]
        return (original.billto_id, original.currency, max(day, original.invoice_date),
                original.terms_code, original.po_number or "", DocumentKind.CREDIT_MEMO.value,
                invoice_id)  # fmt: skip

    def _load_credited(self, invoice_ids: set[int]) -> None:
        for chunk in pages(sorted(invoice_ids - set(self.credited)), IN_LIST_LIMIT):
            query = select(Invoice.id, Invoice.number, Invoice.billto_id, Invoice.currency,
                           Invoice.invoice_date, Invoice.terms_code,
                           Invoice.po_number).where(Invoice.id.in_(chunk))  # fmt: skip
            for row in self.session.execute(query):
                self.credited[row.id] = _Credited(
                    row.id, row.number, row.billto_id, row.currency, row.invoice_date,
                    row.terms_code, row.po_number,
                )  # fmt: skip

    def _details(self, installment_ids: list[int]) -> dict[int, Any]:
        """What the lines of a page say: product, basis, position in the pay plan."""
        installment, fee = FeeInstallment, RealizedFee
        plan = aliased(FeeInstallment)
        live_plan_parts = (
            select(func.count())
            .where(plan.fee_id == installment.fee_id,
                   plan.kind == InstallmentKind.PLAN.value,
                   plan.status != InstallmentStatus.CANCELLED.value)
        )  # fmt: skip
        found: dict[int, Any] = {}
        for chunk in pages(installment_ids, IN_LIST_LIMIT):
            query = (
                select(installment.id, installment.seq, installment.kind, fee.id.label("fee_id"),
                       fee.source_type, fee.source_id, fee.product_code, fee.basis,
                       fee.event_date, fee.occurrence,
                       live_plan_parts.where(plan.seq <= installment.seq)
                       .scalar_subquery().label("position"),
                       live_plan_parts.scalar_subquery().label("parts"))
                .join(fee, installment.fee_id == fee.id)
                .where(installment.id.in_(chunk))
            )  # fmt: skip
            found.update({row.id: row for row in self.session.execute(query)})
        return found

    def _document(self, key: GroupKey, dues: list[_Due], details: dict[int, Any]) -> DraftDocument:
        billto, currency, day, terms, po, kind, credits_id = key
        document = DraftDocument(kind, billto, currency, day, terms, po or None)
        if kind == DocumentKind.CREDIT_MEMO:
            document.credits_invoice_id = credits_id
            document.credits_number = self.credited[credits_id].number
        for due in dues:
            detail = details[due.installment_id]
            if kind == DocumentKind.INVOICE:
                role, text = ClaimRole.BILL, describe(detail)
            else:
                role, text = ClaimRole.CREDIT, describe_credit(detail, due.reason)
            document.lines.append(DraftLine(
                role, due.installment_id, detail.fee_id, detail.seq, detail.source_type,
                detail.source_id, detail.product_code, text, Decimal(1), due.amount, due.amount,
            ))  # fmt: skip
        return document


def describe(detail: Any) -> str:
    """A line a customer understands, from the fee's basis and the installment's place."""
    basis = json.loads(detail.basis)
    if detail.kind == InstallmentKind.ADJUSTMENT:
        return f"Adjustment to {_what(detail, basis)}"
    part = f" – installment {detail.position} of {detail.parts}" if detail.parts > 1 else ""
    return f"{_what(detail, basis)}{part}"


def describe_credit(detail: Any, reason: str | None) -> str:
    """A credit line: what it takes back, and why."""
    text = describe(detail)
    if reason is None:
        return f"Credit: {text[0].lower()}{text[1:]}"
    return f"Credit: {text} ({reason})"


def _what(detail: Any, basis: dict[str, str]) -> str:
    if detail.source_type == "placement":
        return f"Placement fee – {basis.get('candidate', '')}, {basis.get('job_title', '')}"
    if detail.source_type == "timecard":
        hours = ", ".join(
            f"{basis[f'{kind}_hours']} {kind} h × {basis[f'{kind}_rate']}"
            for kind in ("regular", "overtime", "doubletime")
            if f"{kind}_hours" in basis
        )
        return f"{basis.get('candidate', '')} – week ending {detail.event_date}: {hours}"
    occurrence = f" – {detail.occurrence}" if detail.occurrence else ""
    return f"{basis.get('description') or detail.product_code}{occurrence}"
