"""``backoffice invoice ...``: batches, invoices and credit memos from the command line.

Thin wrappers over ``billing``: they open the transaction, look Billtos up in
the ATS for the health check, and print. Long outputs stream document by
document.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from itertools import chain
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from ats.reader import BILLTOS, AtsReader
from ats.records import AtsBillto
from backoffice.clock import utc_now
from backoffice.errors import NeedsUserAction
from backoffice.locks import RunLock
from backoffice.paging import pages
from backoffice.runtime import Runtime
from billing.invoicing.batches import CHECK_PAGE, BatchWriter, approve_batch, discard_batch
from billing.invoicing.corrections import issue_credit, void_document
from billing.invoicing.drafts import BatchPlan, DraftDocument
from billing.invoicing.export import batch_to_export, export_batch
from billing.invoicing.health import BilltoLookup, DocumentCheck, HealthCheck
from billing.invoicing.models import DocumentKind, Invoice
from billing.invoicing.numbering import SEQUENCES, configure_numbering, format_number
from billing.invoicing.queries import document_as_dict, find_document, iter_documents
from cli.param_types import MONEY
from cli.support import (
    current_runtime,
    print_json,
    write_json_list,
)
from mapping.connections import has_connection, load_connection
from mapping.validation import MappingCheck

ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])
BATCH_LOCK = "invoice run"


@click.group()
def invoice() -> None:
    """Invoice batches, invoices and credit memos."""


def billto_lookup(runtime: Runtime) -> BilltoLookup:
    """Billtos by id from the ATS, each read once per command."""
    reader = AtsReader(runtime.ats_engine)
    known: dict[int, AtsBillto] = {}

    def lookup(ids: set[int]) -> Mapping[int, AtsBillto]:
        missing = ids - known.keys()
        if missing:
            known.update(reader.get(BILLTOS, missing))
        return {i: known[i] for i in ids if i in known}

    return lookup


def mapping_checks(runtime: Runtime, session: Session) -> list[DocumentCheck]:
    """The default connection's mapping check, once a connection exists."""
    if not has_connection(session):
        return []
    return [MappingCheck(session, load_connection(session, runtime.vault))]


@invoice.command("run")
@click.option(
    "--through", type=ISO_DATE, required=True,
    help="Invoice every pending installment dated on or before DATE.",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Show what would be built; write nothing.")
@click.option("--json", "as_json", is_flag=True)
def invoice_run(through: dt.datetime, dry_run: bool, as_json: bool) -> None:
    """Build a draft batch from every uninvoiced installment dated on or before DATE."""
    runtime = current_runtime().require_current_schema()
    day = through.date()
    with _building_alone(runtime, dry_run), runtime.transaction() as session:
        plan = BatchPlan(session, day, cuts_installments=not dry_run)
        documents: Iterable[DraftDocument] = plan.documents()
        writer = BatchWriter(session, day, now=utc_now())
        if not dry_run:
            documents = writer.write(documents)
        health = HealthCheck(session, billto_lookup(runtime), mapping_checks(runtime, session))
        checked = _checked(documents, health)
        first = next(checked, None)
        streamed = [] if first is None else chain([first], checked)
        if as_json:
            click.echo(f'{{"batch_id": {_json_id(writer.batch_id)}, '
                       f'"dry_run": {str(dry_run).lower()},\n "invoices": ', nl=False)  # fmt: skip
            write_json_list((document_as_dict(d, d.credits_number, d.lines) for d in streamed),
                            indent=" ")  # fmt: skip
            click.echo(',\n "warnings": ', nl=False)
            write_json_list([*plan.warnings, *map(str, health.issues)], indent=" ")
            click.echo("}")
        else:
            _say_run(streamed, day, dry_run, writer.batch_id)
            for warning in [*plan.warnings, *map(str, health.issues)]:
                click.echo(f"Warning: {warning}", err=True)
        if dry_run:
            session.rollback()


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
            f"A draft batch is being built by another `backoffice invoice run` ({holder}).",
            "Wait for it to finish and review its batch (`backoffice invoice list`); run "
            "again only for what it left out.",
        )
    try:
        yield
    finally:
        lock.release()


def _checked(documents: Iterable[DraftDocument], health: HealthCheck) -> Iterator[DraftDocument]:
    for page in pages(documents, CHECK_PAGE):
        health.check(page)
        yield from page


def _json_id(value: int | None) -> str:
    return "null" if value is None else str(value)


def _say_run(
    documents: Iterable[DraftDocument], day: dt.date, dry_run: bool, batch_id: int | None
) -> None:
    count = 0
    for document in documents:
        count += 1
        what = "Credit memo" if document.kind == DocumentKind.CREDIT_MEMO else "Invoice"
        click.echo(
            f"  {what} Billto {document.billto_id} {document.invoice_date} "
            f"{document.terms_code} {document.total} {document.currency} "
            f"({len(document.lines)} line(s))"
        )
    if not count:
        click.echo(f"Nothing is pending through {day}.")
    elif dry_run:
        click.echo(f"Would build {count} document(s) through {day}.")
    else:
        click.echo(f"Built draft batch {batch_id} with {count} document(s) through {day}.")


@invoice.command("approve")
@click.argument("batch_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def invoice_approve(batch_id: int, as_json: bool) -> None:
    """Health-check and approve a batch: numbers are assigned, invoices become immutable.

    Documents with a problem are held back in a new draft batch and the rest
    approved; the command then prints what it approved and exits 1 with each
    held document's problem, like ``sync`` when part of its work waits on a
    person.
    """
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        approval = approve_batch(session, batch_id, billto_lookup(runtime), now=utc_now(),
                                 extra_checks=mapping_checks(runtime, session))  # fmt: skip
    with runtime.transaction() as session:
        if as_json:
            write_json_list(iter_documents(session, batch_id=batch_id))
            click.echo()
        else:
            _say_approved(session, batch_id, approval.approved)
    if approval.held_batch_id is not None:
        raise NeedsUserAction(
            "documents_held",
            f"{approval.held} document(s) of batch "
            f"{batch_id} were held back, still drafts, in batch {approval.held_batch_id}.",
            f"Fix each one listed, then `backoffice invoice approve {approval.held_batch_id}` "
            f"(or `backoffice invoice discard {approval.held_batch_id}`).",
            issues=list(approval.issues),
        )


def _say_approved(session: Session, batch_id: int, count: int) -> None:
    numbers = session.execute(
        select(Invoice.kind, Invoice.number).where(Invoice.batch_id == batch_id)
        .order_by(Invoice.id)
    ).all()  # fmt: skip
    click.echo(f"Approved batch {batch_id}: {count} document(s).")
    for kind in DocumentKind:
        taken = [number for k, number in numbers if k == kind]
        if taken:
            span = taken[0] if len(taken) == 1 else f"{taken[0]} … {taken[-1]}"
            click.echo(f"  {len(taken)} {SEQUENCES[kind].label}(s): {span}")


@invoice.command("list")
@click.option("--batch", type=int)
@click.option("--json", "as_json", is_flag=True)
def invoice_list(batch: int | None, as_json: bool) -> None:
    """Invoices and credit memos with lines and lineage."""
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        documents = iter_documents(session, batch_id=batch)
        if as_json:
            write_json_list(documents)
            click.echo()
            return
        for document in documents:
            credits = f" credits {document['credits']}" if document["credits"] else ""
            click.echo(
                f"{document['number'] or '(draft)'} {document['kind']}{credits} batch "
                f"{document['batch_id']} Billto {document['billto_id']} "
                f"{document['invoice_date']} due {document['due_date']} {document['total']} "
                f"{document['currency']} {document['status']} balance {document['balance']}"
            )


@invoice.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True)
def invoice_show(number: str, as_json: bool) -> None:
    """One invoice or credit memo with its lines and lineage."""
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        document = find_document(session, number)
    if document is None:
        raise NeedsUserAction(
            "invoice_not_found",
            f"There is no invoice or credit memo {number}.",
            "Run `backoffice invoice list` to see the numbers.",
        )
    if as_json:
        print_json(document)
        return
    what = "Credit memo" if document["kind"] == DocumentKind.CREDIT_MEMO else "Invoice"
    credits = f" crediting {document['credits']}" if document["credits"] else ""
    click.echo(
        f"{what} {document['number']}{credits} for Billto {document['billto_id']}, "
        f"{document['invoice_date']} due {document['due_date']} ({document['terms']}), "
        f"{document['total']} {document['currency']}, {document['status']}, "
        f"balance {document['balance']}"
    )
    for reason in (document["memo"], document["void_reason"]):
        if reason:
            click.echo(f"  Reason: {reason}")
    for line in document["lines"]:
        lineage = (
            f" (fee {line['fee_id']} installment {line['seq']}, "
            f"{line['source_type']} {line['source_id']})"
            if line["fee_id"]
            else ""
        )
        click.echo(f"  {line['product_code']}: {line['description']} — {line['amount']}{lineage}")


@invoice.command("export")
@click.argument("batch_id", type=int)
@click.option("--format", "file_format", type=click.Choice(["csv", "qbo-csv"]), required=True)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def invoice_export(batch_id: int, file_format: str, file: Path) -> None:
    """The batch as a file for manual import."""
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        batch_to_export(session, batch_id, file_format)
        customers: dict[int, str] = {}
        if file_format == "qbo-csv":
            of_batch = select(Invoice.billto_id).where(Invoice.batch_id == batch_id)
            ids = set(session.scalars(of_batch))
            customers = {i: b.name for i, b in billto_lookup(runtime)(ids).items()}
        buffer = io.StringIO(newline="")
        exported = export_batch(session, batch_id, file_format, buffer, customers=customers)
    with file.open("w", encoding="utf-8", newline="") as out:
        out.write(buffer.getvalue())
    click.echo(f"Wrote {exported.rows} line(s) of batch {batch_id} to {file} ({file_format}).")
    if exported.credit_memos_left_out:
        click.echo(
            f"{exported.credit_memos_left_out} credit memo(s) left out: QuickBooks' import "
            "takes invoices only; enter them by hand or send them with `backoffice sync`.",
            err=True,
        )


@invoice.command("discard")
@click.argument("batch_id", type=int)
def invoice_discard(batch_id: int) -> None:
    """Throw a draft batch away; its installments return to pending."""
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        dropped = discard_batch(session, batch_id)
    click.echo(f"Discarded draft batch {batch_id} ({dropped} document(s)).")


@invoice.command("credit")
@click.argument("number")
@click.option("--amount", type=MONEY, required=True, help="How much to credit, e.g. 500.00.")
@click.option("--reason", required=True, help="Why; it is kept on the credit memo.")
@click.option(
    "--fee", "fee_id", type=int,
    help="The fee (of the invoice's lines) the credit is for; it then counts toward that "
    "fee's later reductions. Implied on an invoice of one fee.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True)
def invoice_credit(
    number: str, amount: Decimal, reason: str, fee_id: int | None, as_json: bool
) -> None:
    """Issue a credit memo against invoice NUMBER (all or part of it)."""
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        memo = issue_credit(session, number, amount, reason, now=utc_now(), fee_id=fee_id)
    with runtime.transaction() as session:
        document = find_document(session, memo)
    if as_json:
        print_json(document)
        return
    assert document is not None
    click.echo(
        f"Issued credit memo {memo} for {document['total']} {document['currency']} "
        f"against {number}."
    )


@invoice.command("void")
@click.argument("number")
@click.option("--reason", required=True, help="Why; it is kept on the voided document.")
def invoice_void(number: str, reason: str) -> None:
    """Void an approved invoice or credit memo that has not been posted."""
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        returned = void_document(session, number, reason, now=utc_now())
    click.echo(
        f"Voided {number}; {returned} installment(s) are pending again "
        "(`backoffice realize` recomputes their fees before they are invoiced)."
    )


@invoice.command("numbering")
@click.option("--credit-memos", is_flag=True, help="The credit memo sequence (CM-) instead.")
@click.option("--prefix", help="Prefix of the numbers, e.g. INV-.")
@click.option(
    "--next", "next_value", type=click.IntRange(min=1),
    help="The next number (the first number of the next batch).",
)  # fmt: skip
def invoice_numbering(credit_memos: bool, prefix: str | None, next_value: int | None) -> None:
    """Show or set a document number sequence (numbers are never reused)."""
    kind = DocumentKind.CREDIT_MEMO if credit_memos else DocumentKind.INVOICE
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        sequence = configure_numbering(session, kind, prefix=prefix, next_value=next_value)
        shown = format_number(sequence, sequence.next_value)
    click.echo(f"The next {SEQUENCES[kind].label} number is {shown}.")
