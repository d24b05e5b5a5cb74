"""Correcting approved documents: issue a credit memo by hand, or void a document.

Both are decided under the document's write lock (``billing.invoicing.corrections``),
so two corrections of one document at once run one after the other.
Voiding is idempotent: a document voided already is left as it is and said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backoffice.clock import utc_now
from backoffice.runtime import Runtime
from billing.invoicing import corrections
from services.documents import Document, show_document


@dataclass(frozen=True)
class Voided:
    """A voided document: installments given back, or none because it was voided already."""

    number: str
    installments_returned: int
    reason: str
    was_already_voided: bool


def issue_credit(
    runtime: Runtime, number: str, amount: Decimal, reason: str, *, fee_id: int | None = None
) -> Document:
    """Credit ``amount`` of approved invoice ``number`` for ``reason``; the memo, numbered.

    ``fee_id`` names the fee the credit is for on an invoice of several fees;
    the credit then counts toward that fee's later reductions.
    """
    with runtime.transaction() as session:
        memo = corrections.issue_credit(
            session, number, amount, reason, now=utc_now(), fee_id=fee_id
        )
    return show_document(runtime, memo)


def void_document(runtime: Runtime, number: str, reason: str) -> Voided:
    """Void approved, unposted document ``number``; its installments are pending again."""
    with runtime.transaction() as session:
        outcome = corrections.void_document(session, number, reason, now=utc_now())
    return Voided(
        number, outcome.installments_returned, outcome.void_reason, outcome.was_already_voided
    )
