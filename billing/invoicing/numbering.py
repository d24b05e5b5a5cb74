"""Document number sequences: invoices (INV-000001) and credit memos (CM-000001).

A number is taken by one ``UPDATE ... SET next_value = next_value + n`` inside
the approving transaction: a failed approval rolls the sequence back with
everything else, so numbers are never skipped, and two approvals at once are
serialized by the row lock. Numbers are never reused: the next value can be
moved forward, never back. QuickBooks Online accepts a DocNumber of at most
21 characters; a sequence that would exceed it is refused before it is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backoffice.errors import NeedsUserAction
from backoffice.storage import take_write_lock
from billing.invoicing.models import MAX_NUMBER_LENGTH, DocumentKind, Invoice, NumberSequence

MAX_PREFIX_LENGTH = 10  # number_sequence.prefix is VARCHAR(10)
PREFIX_CHARACTERS = re.compile(r"[A-Za-z0-9 ._/#-]*")
LARGEST_NEXT_VALUE = 2**31 - 1  # number_sequence.next_value is a 32-bit INTEGER


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
    _refuse_clash_set_earlier(session, kind, sequence)
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


def _refuse_clash_set_earlier(
    session: Session, kind: DocumentKind, sequence: NumberSequence
) -> None:
    """Refuse to number from prefixes that clash, as a database set up before they were checked.

    Otherwise the approval would end on the unique number instead of saying why.
    """
    other = session.get(NumberSequence, SEQUENCES[_other(kind)].name)
    if other is None or not prefixes_clash(sequence.prefix, other.prefix):
        return
    label, other_label = SEQUENCES[kind].label, SEQUENCES[_other(kind)].label
    raise NeedsUserAction(
        "number_prefix_clash",
        f"The {label} prefix {_shown(sequence.prefix)} clashes with the {other_label} prefix "
        f"{_shown(other.prefix)}, so both sequences could issue the same number; nothing was "
        "numbered.",
        f"Give the {label} or the {other_label} number sequence another prefix, then try again.",
    )


def configure_numbering(
    session: Session,
    kind: DocumentKind,
    *,
    prefix: str | None = None,
    next_value: int | None = None,
) -> NumberSequence:
    """Set a sequence's prefix and/or next number (never back to a used one).

    A number is unique across invoices and credit memos, so a setting under
    which this sequence could issue a number the other sequence issues, or has
    issued, is refused here: otherwise every approval drawing that number would
    fail on it. Both rows stay locked until commit, so two settings made at once
    cannot each pass against the other's old prefix. On SQLite the write lock
    is taken before the sequence is read, so an approval cannot take numbers
    between the check and the change.
    """
    take_write_lock(session.connection())
    if prefix is None and next_value is None:
        return sequence_of(session, kind)
    locked = _lock_sequences(session)
    sequence = locked[kind]
    label = SEQUENCES[kind].label
    if next_value is not None:
        _check_next_value(sequence, next_value, label)
        sequence.next_value = next_value
    if prefix is not None:
        _check_prefix_text(prefix, label)
        sequence.prefix = prefix
    if len(format_number(sequence, sequence.next_value)) > MAX_NUMBER_LENGTH:
        raise NeedsUserAction(
            "number_too_long",
            f"{label.capitalize()} numbers would be longer than {MAX_NUMBER_LENGTH} "
            "characters, which QuickBooks refuses.",
            "Use a shorter prefix.",
        )
    _refuse_prefix_clash(kind, sequence, locked[_other(kind)])
    _refuse_issued_numbers(session, kind, sequence)
    session.flush()
    return sequence


def prefixes_clash(first: str, second: str) -> bool:
    """Whether a number of one prefix could be a number of the other.

    A number is its prefix followed by digits, so two prefixes clash when they
    are equal or when the longer is the shorter followed by digits only
    (``INV-`` and ``INV-1``: ``INV-1000001`` could be either). Case is ignored:
    MariaDB's unique index on the number ignores it too.
    """
    shorter, longer = sorted((first.casefold(), second.casefold()), key=len)
    rest = longer.removeprefix(shorter)
    return longer.startswith(shorter) and (rest == "" or (rest.isascii() and rest.isdigit()))


def _lock_sequences(session: Session) -> dict[DocumentKind, NumberSequence]:
    """Both sequence rows, locked in the order approval takes numbers, as last committed.

    Locking the one being set first, out of that order, could deadlock with an
    approval. The rows are kept: a later plain read could come from the
    transaction's older snapshot (MariaDB's repeatable read) and miss the
    other's new prefix.
    """
    return {kind: sequence_of(session, kind) for kind in DocumentKind}


def _check_next_value(sequence: NumberSequence, next_value: int, label: str) -> None:
    if next_value < sequence.next_value:
        raise NeedsUserAction(
            "number_reused",
            f"The next {label} number is already {sequence.next_value}; numbers are never reused.",
            f"Choose a next number of {sequence.next_value} or more.",
        )
    if next_value > LARGEST_NEXT_VALUE:
        raise NeedsUserAction(
            "number_too_large",
            f"The next {label} number can be at most {LARGEST_NEXT_VALUE}.",
            f"Choose a next number from {sequence.next_value} to {LARGEST_NEXT_VALUE}.",
        )


def _check_prefix_text(prefix: str, label: str) -> None:
    """Letters, digits, spaces and ``. _ / # -`` only: nothing invisible, nothing look-alike."""
    if len(prefix) > MAX_PREFIX_LENGTH or not PREFIX_CHARACTERS.fullmatch(prefix):
        raise NeedsUserAction(
            "number_prefix_invalid",
            f"The {label} prefix {prefix!r} is not allowed.",
            f"Use at most {MAX_PREFIX_LENGTH} characters, each a letter A-Z, a digit, a space "
            "or one of . _ / # -.",
        )


def _refuse_prefix_clash(
    kind: DocumentKind, sequence: NumberSequence, other: NumberSequence
) -> None:
    other_kind = _other(kind)
    other_prefix = other.prefix
    if not prefixes_clash(sequence.prefix, other_prefix):
        return
    label, other_label = SEQUENCES[kind].label, SEQUENCES[other_kind].label
    shorter, longer = sorted((sequence.prefix, other_prefix), key=len)
    why = (
        "they are the same" + ("" if shorter == longer else " apart from case")
        if len(shorter) == len(longer)
        else f"{_shown(longer)} is {_shown(shorter)} followed by digits"
    )
    raise NeedsUserAction(
        "number_prefix_clash",
        f"The {label} prefix {_shown(sequence.prefix)} clashes with the {other_label} prefix "
        f"{_shown(other_prefix)}: {why}, so both sequences could issue the same number and "
        "approving the second document would fail.",
        f"Choose a {label} prefix that is not {_shown(other_prefix)}, nor that prefix with "
        "digits added or removed at its end.",
    )


def _refuse_issued_numbers(session: Session, kind: DocumentKind, sequence: NumberSequence) -> None:
    """Refuse a setting under which this sequence would issue a number already issued.

    The other sequence may have used this prefix before it was changed; its
    documents keep their numbers for good.
    """
    other_kind = _other(kind)
    candidates = session.scalars(
        select(Invoice.number).where(
            Invoice.kind == other_kind.value,
            func.lower(Invoice.number).startswith(sequence.prefix.lower(), autoescape=True),
        )
    )
    taken = [
        value
        for number in candidates
        if (value := _value_in(sequence, number)) is not None and value >= sequence.next_value
    ]
    if not taken:
        return
    label, other_label = SEQUENCES[kind].label, SEQUENCES[other_kind].label
    raise NeedsUserAction(
        "number_already_issued",
        f"{len(taken)} {other_label}(s) already have numbers the {label} sequence would issue "
        f"from {format_number(sequence, sequence.next_value)} on, such as "
        f"{format_number(sequence, min(taken))}.",
        f"Choose another {label} prefix, or a next number above {max(taken)}.",
    )


def _value_in(sequence: NumberSequence, number: str | None) -> int | None:
    """The counter value ``sequence`` would write as ``number`` (ignoring case), if any."""
    if number is None or not number.casefold().startswith(sequence.prefix.casefold()):
        return None
    digits = number[len(sequence.prefix) :]
    if not (digits.isascii() and digits.isdigit()):
        return None
    value = int(digits)
    return value if format_number(sequence, value).casefold() == number.casefold() else None


def _other(kind: DocumentKind) -> DocumentKind:
    return DocumentKind.CREDIT_MEMO if kind == DocumentKind.INVOICE else DocumentKind.INVOICE


def _shown(prefix: str) -> str:
    return f"'{prefix}'" if prefix else "the empty prefix"


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
