"""Invoice batches: build one (or try it: a dry run), approve it, or discard it.

Building and approving run the health check with the Billtos read from the
ATS and, once an accounting connection exists, that connection's mapping
check, so a batch is approved only when every document can be sent as is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.clock import utc_now
from backoffice.errors import NeedsUserAction
from backoffice.locks import RunLock
from backoffice.paging import pages
from backoffice.runtime import Runtime
from billing.invoicing import batches
from billing.invoicing.drafts import BatchPlan, DraftDocument
from billing.invoicing.health import BilltoLookup, HealthCheck
from billing.invoicing.models import DocumentKind, Invoice
from billing.invoicing.numbering import SEQUENCES
from billing.invoicing.queries import document_as_dict
from services.billtos import billto_lookup, names_in
from services.documents import Document, document_of
from services.mappings import mapping_checks

BATCH_LOCK = "invoice run"

OnDocument = Callable[[Document, int], None]


@dataclass(frozen=True)
class BuiltBatch:
    """What a run built (or, dry, would build): the batch, how many documents, the warnings.

    ``batch_id`` is None for a dry run and when nothing was pending.
    """

    batch_id: int | None
    through: dt.date
    dry_run: bool
    documents: int
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class NumberRange:
    """The numbers an approval gave one kind of document: how many, the first and the last."""

    label: str
    count: int
    first: str
    last: str


@dataclass(frozen=True)
class ApprovedBatch:
    """What approving a batch did: documents approved and numbered, and those held back.

    Held documents stay drafts in batch ``held_batch_id``, each ``issues``
    entry saying what holds one back and how to fix it.
    """

    batch_id: int
    approved: int
    numbers: tuple[NumberRange, ...]
    held: int = 0
    held_batch_id: int | None = None
    issues: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscardedBatch:
    """A draft batch thrown away, and how many documents it held."""

    batch_id: int
    documents: int


def build_batch(
    runtime: Runtime,
    through: dt.date,
    *,
    dry_run: bool = False,
    on_document: OnDocument | None = None,
) -> BuiltBatch:
    """Draft every pending installment dated on or before ``through`` into one batch.

    Documents are passed to ``on_document`` one at a time as they are
    written and health-checked, with how many the run plans in all (for a
    progress display), so a batch of 100,000 invoices is never whole in
    memory. A dry run writes nothing.
    """
    with _building_alone(runtime, dry_run), runtime.transaction() as session:
        plan = BatchPlan(session, through, cuts_installments=not dry_run)
        documents: Iterable[DraftDocument] = plan.documents()
        writer = batches.BatchWriter(session, through, now=utc_now())
        if not dry_run:
            documents = writer.write(documents)
        lookup = billto_lookup(runtime)
        health = HealthCheck(session, lookup, mapping_checks(runtime, session))
        count = 0
        for document in _checked(documents, health, lookup):
            count += 1
            if on_document is not None:
                on_document(document, plan.planned or count)
        if dry_run:
            session.rollback()
    warnings = (*plan.warnings, *map(str, health.issues))
    return BuiltBatch(writer.batch_id, through, dry_run, count, warnings)


@contextmanager
def _building_alone(runtime: Runtime, dry_run: bool) -> Iterator[None]:
    """Hold the batch-building lock from before the plan is read until after its commit.

    Two runs at once would read the same pending installments and both claim
    them; the second would fail on the claims' key half-way through. The
    lock is taken without waiting: a run that finds it taken says so and
    writes nothing. A dry run writes nothing and needs no lock.
    """
    if dry_run:
        yield
        return
    lock = RunLock(runtime.engine, BATCH_LOCK)
    holder = lock.try_acquire()
    if holder is not None:
        raise NeedsUserAction(
            "batch_being_built",
            f"A draft batch is being built by another invoice run ({holder}).",
            "Wait for it to finish and review its batch in the list of invoices; run again "
            "only for what it left out.",
        )
    try:
        yield
    finally:
        lock.release()


def _checked(
    documents: Iterable[DraftDocument], health: HealthCheck, lookup: BilltoLookup
) -> Iterator[Document]:
    """The documents a page at a time, each page health-checked before it is passed on."""
    for page in pages(documents, batches.CHECK_PAGE):
        health.check(page)
        names = names_in(lookup, (d.billto_id for d in page))
        for draft in page:
            shown = document_as_dict(draft, draft.credits_number, draft.lines)
            yield document_of(shown, draft.id, names.get(draft.billto_id))


def approve_batch(runtime: Runtime, batch_id: int) -> ApprovedBatch:
    """Health-check, number and lock the healthy documents of draft batch ``batch_id``.

    A document with a problem is held back in a new draft batch and the rest
    approved (``ApprovedBatch.held_batch_id``); when none is healthy nothing
    is approved and ``BatchUnhealthy`` says why.
    """
    with runtime.transaction() as session:
        approval = batches.approve_batch(
            session, batch_id, billto_lookup(runtime), now=utc_now(),
            extra_checks=mapping_checks(runtime, session),
        )  # fmt: skip
    with runtime.transaction() as session:
        numbers = _numbers_given(session, batch_id)
    return ApprovedBatch(
        batch_id, approval.approved, numbers, approval.held, approval.held_batch_id,
        tuple(map(str, approval.issues)),
    )  # fmt: skip


def _numbers_given(session: Session, batch_id: int) -> tuple[NumberRange, ...]:
    given = session.execute(
        select(Invoice.kind, Invoice.number).where(Invoice.batch_id == batch_id)
        .order_by(Invoice.id)
    ).all()  # fmt: skip
    ranges = []
    for kind in DocumentKind:
        taken = [number for k, number in given if k == kind and number]
        if taken:
            ranges.append(NumberRange(SEQUENCES[kind].label, len(taken), taken[0], taken[-1]))
    return tuple(ranges)


def discard_batch(runtime: Runtime, batch_id: int) -> DiscardedBatch:
    """Throw draft batch ``batch_id`` away; its installments are pending again."""
    with runtime.transaction() as session:
        dropped = batches.discard_batch(session, batch_id)
    return DiscardedBatch(batch_id, dropped)
