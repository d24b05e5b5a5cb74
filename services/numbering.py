"""The document number sequences: read one, or set its prefix and next number."""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.runtime import Runtime
from billing.invoicing.models import DocumentKind
from billing.invoicing.numbering import SEQUENCES, configure_numbering, format_number


@dataclass(frozen=True)
class Numbering:
    """A sequence as people name it (``invoice``, ``credit memo``) and its next number."""

    label: str
    next_number: str


def set_numbering(
    runtime: Runtime,
    *,
    credit_memos: bool = False,
    prefix: str | None = None,
    next_value: int | None = None,
) -> Numbering:
    """The invoice (or credit memo) sequence, its prefix and next value first set if given.

    Numbers are never reused: a next value below one already issued is refused.
    """
    kind = DocumentKind.CREDIT_MEMO if credit_memos else DocumentKind.INVOICE
    with runtime.transaction() as session:
        sequence = configure_numbering(session, kind, prefix=prefix, next_value=next_value)
        shown = format_number(sequence, sequence.next_value)
    return Numbering(SEQUENCES[kind].label, shown)
