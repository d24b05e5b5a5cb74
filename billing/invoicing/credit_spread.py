"""Spreading a fee's reduction over its invoices, within what is left to credit of each.

The rules, as an auditor reads them:

- What is left of an invoice is its total less every live credit memo
  against it: approved or still draft, automatic or issued by hand. No
  credit of any kind takes an invoice below zero.
- What is left of a fee on an invoice is what the invoice bills of the fee
  less the fee's lines on live credit memos against it, and never more than
  what is left of the invoice.
- A credit by hand names the fee it is for (``invoice credit --fee``; implied
  on an invoice that bills a single fee): its line carries the fee's
  lineage, and it counts toward the fee's reductions. The part of it no
  reduction has absorbed yet is *covered*, and is taken off the fee's next
  reduction before anything is credited automatically, so one reduction is
  never credited twice. A credit by hand naming no fee lowers only what is
  left of its invoice.
- The rest of a reduction is credited against the fee's approved invoices,
  the last issued first, each within what is left of the fee on it: one
  credit memo per invoice. What is covered, or finds nothing left anywhere,
  is not credited: it stays a pending installment and the run says why.

A reduction that goes to more than one place is cut into one installment per
place (``cut_installment``), so every credit line of a reduction still claims
exactly one installment for its whole amount.

A fee that fell off is credited, installment by installment, for what is
left of it on the invoice that billed each (``FeeRooms.left_on``): the same
rooms, so credits by hand naming the fee count there too, and the credit line
claims its installment for that, which may be less than the installment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, case, func, insert, select, update
from sqlalchemy.orm import Session

from backoffice.errors import NeedsUserAction
from backoffice.paging import pages
from billing.fees import FeeInstallment, InstallmentKind, InstallmentStatus
from billing.invoicing.models import DocumentKind, Invoice, InvoiceLine, InvoiceStatus

IN_LIST_LIMIT = 1000  # ids per IN (...) list: far below every database's parameter limit
NOT_LIVE = (InvoiceStatus.DRAFT.value, InvoiceStatus.VOIDED.value)


@dataclass(frozen=True)
class Reduction:
    """A pending negative installment, as the positive amount to credit."""

    installment_id: int
    amount: Decimal


@dataclass(frozen=True)
class Room:
    """What is left to credit of a fee on one of its invoices."""

    invoice_id: int
    amount: Decimal


@dataclass(frozen=True)
class Piece:
    """Part of a reduction: credited against an invoice, or held back (``invoice_id`` None)."""

    installment_id: int
    invoice_id: int | None
    amount: Decimal


def spread(reductions: Sequence[Reduction], covered: Decimal, rooms: Sequence[Room]) -> list[Piece]:
    """Cut reductions into pieces: the covered part first, then each room in order.

    What neither covers goes to a last held piece. Pieces of one installment
    add up to it, and a held piece of it is merged into one.
    """
    places: list[tuple[int | None, Decimal]] = [(None, covered)] if covered > 0 else []
    places += [(room.invoice_id, room.amount) for room in rooms if room.amount > 0]
    pieces: list[Piece] = []
    for reduction in reductions:
        due = reduction.amount
        while due > 0:
            if not places:
                places.append((None, due))
            target, left = places[0]
            taken = min(due, left)
            pieces.append(Piece(reduction.installment_id, target, taken))
            due -= taken
            places[0] = (target, left - taken)
            if places[0][1] == 0:
                places.pop(0)
    merged = _merge_held(pieces)
    for reduction in reductions:
        parts = [p.amount for p in merged if p.installment_id == reduction.installment_id]
        assert sum(parts, Decimal(0)) == reduction.amount, (reduction, parts)
    return merged


def _merge_held(pieces: list[Piece]) -> list[Piece]:
    """One held piece per installment, first (it keeps the installment's own row)."""
    held: dict[int, Decimal] = defaultdict(Decimal)
    for piece in pieces:
        if piece.invoice_id is None:
            held[piece.installment_id] += piece.amount
    merged = [Piece(i, None, amount) for i, amount in held.items()]
    return merged + [p for p in pieces if p.invoice_id is not None]


@dataclass
class FeeRooms:
    """What is left to credit of some fees' invoices, used up as reductions are spread."""

    on_invoice: dict[int, list[tuple[int, Decimal]]] = field(default_factory=dict)
    invoice_left: dict[int, Decimal] = field(default_factory=dict)
    covered: dict[int, Decimal] = field(default_factory=dict)
    by_hand: dict[int, dict[int, Decimal]] = field(default_factory=dict)

    def rooms(self, fee_id: int) -> list[Room]:
        """The fee's invoices, the last issued first, each with what is left of the fee on it.

        Issue order is id order; an adjustment's invoice can carry an earlier
        date than the invoice it adjusts (it is dated on the ATS change).
        """
        ordered = sorted(self.on_invoice.get(fee_id, []), reverse=True)
        return [Room(i, min(left, self.invoice_left[i])) for i, left in ordered]

    def left_on(self, fee_id: int, invoice_id: int) -> tuple[Decimal, Decimal]:
        """What is left of the fee on the invoice, and what is left of the invoice itself."""
        fee_left = dict(self.on_invoice.get(fee_id, [])).get(invoice_id, Decimal(0))
        return fee_left, self.invoice_left.get(invoice_id, Decimal(0))

    def has_invoices(self, fee_id: int) -> bool:
        """Whether the fee is billed on any approved, not voided invoice."""
        return bool(self.on_invoice.get(fee_id))

    def take(self, fee_id: int, pieces: Iterable[Piece]) -> None:
        """Use up what the pieces credit of their invoices."""
        for piece in pieces:
            if piece.invoice_id is None:
                continue
            self.invoice_left[piece.invoice_id] -= piece.amount
            self.on_invoice[fee_id] = [
                (i, left - piece.amount if i == piece.invoice_id else left)
                for i, left in self.on_invoice[fee_id]
            ]


def read_fee_rooms(session: Session, fee_ids: set[int]) -> FeeRooms:
    """What is left to credit of these fees' invoices, and what credits by hand cover."""
    rooms = FeeRooms()
    for chunk in pages(sorted(fee_ids), IN_LIST_LIMIT):
        billed = _billed(session, chunk)
        credited, credited_approved, by_hand = _credited(session, chunk)
        rooms.by_hand.update(by_hand)
        invoiced = _invoiced_installments(session, chunk)
        for fee_id in chunk:
            on = billed.get(fee_id, {})
            rooms.on_invoice[fee_id] = [
                (i, amount - credited[fee_id].get(i, Decimal(0)))
                for i, (_total, amount) in on.items()
            ]
            net = sum((a for _t, a in on.values()), Decimal(0)) - credited_approved[fee_id]
            rooms.covered[fee_id] = max(invoiced.get(fee_id, Decimal(0)) - net, Decimal(0))
            rooms.invoice_left.update({i: total for i, (total, _a) in on.items()})
    _less_credit_memos(session, rooms.invoice_left)
    return rooms


def _billed(session: Session, fee_ids: list[int]) -> dict[int, dict[int, Any]]:
    """Per fee, per approved live invoice: (invoice total, what it bills of the fee)."""
    line, invoice = InvoiceLine, Invoice
    query = (
        select(line.fee_id, invoice.id, invoice.total, func.sum(line.amount))
        .join(invoice, invoice.id == line.invoice_id)
        .where(line.fee_id.in_(fee_ids), invoice.kind == DocumentKind.INVOICE.value,
               invoice.status.not_in(NOT_LIVE))
        .group_by(line.fee_id, invoice.id, invoice.total)
    )  # fmt: skip
    found: dict[int, dict[int, Any]] = defaultdict(dict)
    for fee_id, invoice_id, total, amount in session.execute(query):
        found[cast(int, fee_id)][invoice_id] = (total, amount)
    return found


def _credited(
    session: Session, fee_ids: list[int]
) -> tuple[dict[int, dict[int, Decimal]], dict[int, Decimal], dict[int, dict[int, Decimal]]]:
    """Per fee: its live credit lines per credited invoice, those approved, those by hand.

    Lines by hand claim no installment; they are summed per credited invoice.
    """
    line, memo = InvoiceLine, Invoice
    approved = case((memo.status == InvoiceStatus.DRAFT.value, 0), else_=line.amount)
    by_hand = case((line.installment_id.is_(None), line.amount), else_=0)
    query = (
        select(line.fee_id, memo.credits_invoice_id, func.sum(line.amount), func.sum(approved),
               func.sum(by_hand))
        .join(memo, memo.id == line.invoice_id)
        .where(line.fee_id.in_(fee_ids), memo.kind == DocumentKind.CREDIT_MEMO.value,
               memo.status != InvoiceStatus.VOIDED.value)
        .group_by(line.fee_id, memo.credits_invoice_id)
    )  # fmt: skip
    per_invoice: dict[int, dict[int, Decimal]] = defaultdict(dict)
    approved_total: dict[int, Decimal] = defaultdict(Decimal)
    hand: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for fee_id, invoice_id, amount, approved_amount, hand_amount in session.execute(query):
        per_invoice[fee_id][invoice_id] = amount
        approved_total[fee_id] += Decimal(approved_amount)
        hand[fee_id][invoice_id] = Decimal(hand_amount)
    return per_invoice, approved_total, hand


def _invoiced_installments(session: Session, fee_ids: list[int]) -> dict[int, Decimal]:
    query = (
        select(FeeInstallment.fee_id, func.sum(FeeInstallment.amount))
        .where(FeeInstallment.fee_id.in_(fee_ids),
               FeeInstallment.status == InstallmentStatus.INVOICED.value)
        .group_by(FeeInstallment.fee_id)
    )  # fmt: skip
    return {fee_id: amount for fee_id, amount in session.execute(query)}


def _less_credit_memos(session: Session, invoice_left: dict[int, Decimal]) -> None:
    """Take every live credit memo (approved or draft, by hand or not) off its invoice."""
    for chunk in pages(sorted(invoice_left), IN_LIST_LIMIT):
        query = (
            select(Invoice.credits_invoice_id, func.sum(Invoice.total))
            .where(Invoice.credits_invoice_id.in_(chunk),
                   Invoice.status != InvoiceStatus.VOIDED.value)
            .group_by(Invoice.credits_invoice_id)
        )  # fmt: skip
        for invoice_id, credits in session.execute(query):
            invoice_left[cast(int, invoice_id)] -= credits


def cut_installment(session: Session, installment_id: int, was: Decimal,
                    shares: Sequence[Decimal]) -> list[int]:  # fmt: skip
    """Cut a pending negative installment into one per share; the ids, in share order.

    The first share keeps the installment's row, the others are new
    adjustment installments of the same fee and date: the fee's installments
    still add up to its amount. The cut is conditional on the installment
    being as it was planned from, so a ``realize`` that changed it meanwhile
    stops the run instead of being overwritten.
    """
    assert sum(shares, Decimal(0)) == -was, (was, shares)
    installment = FeeInstallment
    cut: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(installment)
        .where(installment.id == installment_id, installment.amount == was,
               installment.status == InstallmentStatus.PENDING.value)
        .values(amount=-shares[0])
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if cut.rowcount != 1:
        raise NeedsUserAction(
            "installment_changed",
            f"Installment {installment_id} changed while the batch was being built "
            "(realize ran at the same time).",
            "Build the batch again.",
        )
    fee_id, day = session.execute(
        select(installment.fee_id, installment.effective_date)
        .where(installment.id == installment_id)
    ).one()  # fmt: skip
    last = session.scalar(select(func.max(installment.seq)).where(installment.fee_id == fee_id))
    ids = [installment_id]
    for seq, share in enumerate(shares[1:], start=(last or 0) + 1):
        ids.append(session.scalars(
            insert(installment).returning(installment.id),
            [{"fee_id": fee_id, "seq": seq, "kind": InstallmentKind.ADJUSTMENT.value,
              "plan_line": None, "effective_date": day, "amount": -share,
              "status": InstallmentStatus.PENDING.value, "credit_review_reason": None}],
        ).one())  # fmt: skip
    return ids
