"""Document number sequences: invoices (INV-000001) and credit memos (CM-000001).

A number is taken by one ``UPDATE ... SET next_value = next_value + n`` inside
the approving transaction: a failed approval rolls the sequence back with
everything else, so numbers are never skipped, and two approvals at once are
serialized by the row lock. Numbers are never reused: the next value can be
moved forward, never back. QuickBooks Online accepts a DocNumber of at most
21 characters; a sequence that would exceed it is refused before it is used.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backoffice.errors import NeedsUserAction
from backoffice.storage import take_write_lock
from billing.invoices import MAX_NUMBER_LENGTH, DocumentKind, NumberSequence


@dataclass(frozen=True)
class SequenceName:
    """A sequence's row and how messages name it (its defaults are set by migration 0006)."""

    name: str
    label: str


SEQUENCES = {
    DocumentKind.INVOICE: SequenceName("invoice", "invoice"),
    DocumentKind.CREDIT_MEMO: SequenceName("credit_memo", "credit memo"),
}


def format_number(sequence: NumberSequence, value: int) -> str:
    """The document number ``value`` of ``sequence``."""
    return f"{sequence.prefix}{value:0{sequence.width}d}"


def take_numbers(session: Session, kind: DocumentKind, count: int) -> list[str]:
    """``count`` consecutive numbers of ``kind``, reserved by one update of its row."""
    if count == 0:
        return []
    sequence = sequence_of(session, kind)
    session.execute(
        update(NumberSequence)
        .where(NumberSequence.name == SEQUENCES[kind].name)
        .values(next_value=NumberSequence.next_value + count)
    )
    session.refresh(sequence)
    first = sequence.next_value - count
    last = format_number(sequence, first + count - 1)
    if len(last) > MAX_NUMBER_LENGTH:
        raise NeedsUserAction(
            "number_too_long",
            f"{SEQUENCES[kind].label.capitalize()} number {last} is longer than "
            f"{MAX_NUMBER_LENGTH} characters, which QuickBooks refuses.",
            f"Shorten the prefix of the {SEQUENCES[kind].label} number sequence.",
        )
    return [format_number(sequence, value) for value in range(first, first + count)]


def configure_numbering(
    session: Session,
    kind: DocumentKind,
    *,
    prefix: str | None = None,
    next_value: int | None = None,
) -> NumberSequence:
    """Set a sequence's prefix and/or next number (never back to a used one).

    On SQLite the write lock is taken before the sequence is read, so an
    approval cannot take numbers between the check and the change.
    """
    take_write_lock(session.connection())
    sequence = sequence_of(session, kind)
    label = SEQUENCES[kind].label
    if next_value is not None:
        if next_value < sequence.next_value:
            raise NeedsUserAction(
                "number_reused",
                f"The next {label} number is already {sequence.next_value}; "
                "numbers are never reused.",
                f"Choose a next number of {sequence.next_value} or more.",
            )
        sequence.next_value = next_value
    if prefix is not None:
        sequence.prefix = prefix
    if len(format_number(sequence, sequence.next_value)) > MAX_NUMBER_LENGTH:
        raise NeedsUserAction(
            "number_too_long",
            f"{label.capitalize()} numbers would be longer than {MAX_NUMBER_LENGTH} "
            "characters, which QuickBooks refuses.",
            "Use a shorter prefix.",
        )
    session.flush()
    return sequence


def sequence_of(session: Session, kind: DocumentKind) -> NumberSequence:
    """The sequence of ``kind``, locked until the transaction ends.

    Both sequences exist from the schema's creation (migration 0006), so no
    two first uses race to create one. The locking read reads the latest
    committed row even inside MariaDB's repeatable-read snapshot, so a next
    number is never checked against a stale one.
    """
    query = (
        select(NumberSequence)
        .where(NumberSequence.name == SEQUENCES[kind].name)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).one()
