"""Invoicing driven through the services, as every interface drives it.

Money comes back as the text of its Decimal (``"4000.00"``), so an assertion
checks the currency's minor digits as well as the value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from backoffice.errors import NeedsUserAction
from backoffice.runtime import Runtime
from services import batches, corrections, documents, fees, realization
from services.documents import Document
from services.fees import FeeView

AS_OF = dt.date(2023, 12, 31)
LATER = dt.date(2030, 12, 31)  # a day after every event of the examples
WAIT_SECONDS = 5.0  # no other run holds the realize lock in these tests


@dataclass(frozen=True)
class Built:
    """A built (or dry) batch with the documents it drafted and its warnings."""

    batch_id: int | None
    documents: list[Document]
    warnings: tuple[str, ...]


def build(runtime: Runtime, through: dt.date, *, dry_run: bool = False) -> Built:
    """Build a batch of everything due through ``through``."""
    drafted: list[Document] = []
    built = batches.build_batch(
        runtime, through, dry_run=dry_run, on_document=lambda d, _planned: drafted.append(d)
    )
    return Built(built.batch_id, drafted, built.warnings)


def approve(runtime: Runtime, batch_id: int | None) -> list[Document]:
    """Approve batch ``batch_id``; the documents left in it (all approved unless held)."""
    assert batch_id is not None
    batches.approve_batch(runtime, batch_id)
    return batch(runtime, batch_id)


def approve_through(runtime: Runtime, day: dt.date) -> list[Document]:
    """Build and approve a batch through ``day``; its documents."""
    return approve(runtime, build(runtime, day).batch_id)


def batch(runtime: Runtime, batch_id: int) -> list[Document]:
    """The documents of one batch, in id order."""
    return list(documents.iter_documents(runtime, batch_id=batch_id))


def every_document(runtime: Runtime) -> list[Document]:
    """Every document, in id order."""
    return list(documents.iter_documents(runtime))


def show(runtime: Runtime, number: str) -> Document:
    """The invoice or credit memo numbered ``number``."""
    return documents.show_document(runtime, number)


def balance(runtime: Runtime, number: str) -> str:
    """What is left to pay of ``number``, as text."""
    return str(show(runtime, number).balance)


def credit(
    runtime: Runtime, number: str, amount: str, reason: str, *, fee_id: int | None = None
) -> Document:
    """A credit memo by hand against ``number``."""
    return corrections.issue_credit(runtime, number, Decimal(amount), reason, fee_id=fee_id)


def credits_of(runtime: Runtime, number: str) -> list[tuple[str | None, str]]:
    """The live credit memos against an invoice: (number, total), in number order."""
    return sorted(
        (d.number, str(d.total))
        for d in every_document(runtime)
        if d.credits == number and d.status != "voided"
    )


def realize(runtime: Runtime, as_of: dt.date = AS_OF) -> dict[str, int]:
    """Realize fees as of ``as_of``; the run's counts."""
    return realization.realize(runtime, as_of, wait_seconds=WAIT_SECONDS).counts


def list_fees(runtime: Runtime) -> list[FeeView]:
    """Every realized fee with its installments."""
    return fees.list_fees(runtime)


def installments(fee: FeeView) -> list[tuple[int, str, str, str]]:
    """A fee's installments as (seq, effective date, amount, status), as text."""
    return [
        (i.seq, i.effective_date.isoformat(), str(i.amount), i.status) for i in fee.installments
    ]


def assert_rerun_changes_nothing(runtime: Runtime) -> None:
    """An immediate second run is a no-op: nothing new, changed or cancelled, the same fees."""
    before = list_fees(runtime)
    counts = realize(runtime)
    assert (counts["new"], counts["changed"], counts["cancelled"]) == (0, 0, 0), counts
    assert list_fees(runtime) == before


def told(error: NeedsUserAction) -> str:
    """Everything a refusal tells a person: its message, its issues and what to do."""
    return "\n".join([error.message, *map(str, error.issues), error.action])
