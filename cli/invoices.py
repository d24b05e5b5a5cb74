"""``backoffice invoice ...``: batches, invoices and credit memos from the command line.

Each command calls one service of ``services`` and prints what it returns:
the contract's JSON with ``--json``, tables otherwise. Long outputs stream
document by document.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import click

from backoffice.errors import NeedsUserAction
from backoffice.runtime import Runtime
from cli.document_tables import BilltoSummary, DocumentList, document_card
from cli.output import Column, new_table, progress, show, show_empty, show_on_stderr
from cli.param_types import MONEY
from cli.support import current_runtime, print_json, told_where, write_json_list
from services import batches, corrections, documents, exports, numbering
from services.batches import ApprovedBatch, BuiltBatch
from services.documents import Document
from services.exports import ExportedBatch

ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])
STDOUT = "-"
LIST_BATCHES = "Run `backoffice invoice list` to see the batches."
LIST_NUMBERS = "Run `backoffice invoice list` to see the numbers (and the drafts' ids)."


@click.group()
def invoice() -> None:
    """Invoice batches, invoices and credit memos."""


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
    action = ("Wait for it to finish and review its batch (`backoffice invoice list`); run "
              "again only for what it left out.")  # fmt: skip
    with told_where(
        batch_being_built=action,
        batch_just_built=action,
        installment_changed="Run `backoffice invoice run` again.",
    ):
        if as_json:
            stream = _JsonRun(dry_run)
            stream.close(_build(runtime, through.date(), dry_run, stream.add))
        else:
            summary = BilltoSummary()
            _say_built(_build(runtime, through.date(), dry_run, summary.add), summary)


def _build(
    runtime: Runtime, day: dt.date, dry_run: bool, take: Callable[[Document], None]
) -> BuiltBatch:
    """Build the batch, each document to ``take``, with a progress bar on a terminal."""
    with progress("Building invoices") as step:

        def on_document(document: Document, planned: int) -> None:
            take(document)
            step(planned)

        return batches.build_batch(runtime, day, dry_run=dry_run, on_document=on_document)


class _JsonRun:
    """``invoice run --json``, written document by document as the batch is built.

    The batch id heads the object, and is known once the first document is
    written (every document carries it); an empty run ends with its own.
    """

    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.count = 0

    def add(self, document: Document) -> None:
        if not self.count:
            self._head(document.batch_id)
        click.echo(",\n" if self.count else "\n", nl=False)
        click.echo(" " + json.dumps(document.as_dict(), ensure_ascii=False), nl=False)
        self.count += 1

    def close(self, built: BuiltBatch) -> None:
        if not self.count:
            self._head(built.batch_id)
        click.echo("\n ]" if self.count else "]", nl=False)
        click.echo(',\n "warnings": ', nl=False)
        write_json_list(built.warnings, indent=" ")
        click.echo("}")

    def _head(self, batch_id: int | None) -> None:
        click.echo(f'{{"batch_id": {json.dumps(batch_id)}, '
                   f'"dry_run": {json.dumps(self.dry_run)},\n "invoices": [', nl=False)  # fmt: skip


def _say_built(built: BuiltBatch, summary: BilltoSummary) -> None:
    if built.documents:
        show(summary.finished())
    show(_run_summary(built))
    for warning in built.warnings:
        click.echo(f"Warning: {warning}", err=True)


def _run_summary(built: BuiltBatch) -> str:
    if not built.documents:
        return f"Nothing is pending through {built.through}."
    if built.dry_run:
        return f"Would build {built.documents} document(s) through {built.through}."
    return (
        f"Built draft batch {built.batch_id} with {built.documents} document(s) through "
        f"{built.through}. Review it (`backoffice invoice list --batch {built.batch_id}`), "
        f"then `backoffice invoice approve {built.batch_id}`."
    )


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
    with told_where(
        batch_not_found=LIST_BATCHES,
        batch_not_draft=f"Nothing to do; `backoffice invoice list --batch {batch_id}` shows "
        "its invoices.",
    ):
        approved = batches.approve_batch(runtime, batch_id)
    if as_json:
        write_json_list(d.as_dict() for d in documents.iter_documents(runtime, batch_id=batch_id))
        click.echo()
    else:
        _say_approved(approved)
    if approved.held_batch_id is not None:
        raise NeedsUserAction(
            "documents_held",
            f"{approved.held} document(s) of batch "
            f"{batch_id} were held back, still drafts, in batch {approved.held_batch_id}.",
            f"Fix each one listed, then `backoffice invoice approve {approved.held_batch_id}` "
            f"(or `backoffice invoice discard {approved.held_batch_id}`).",
            issues=approved.issues,
        )


def _say_approved(approved: ApprovedBatch) -> None:
    show(f"Approved batch {approved.batch_id}: {approved.approved} document(s).")
    if not approved.numbers:
        return
    table = new_table([Column("Numbered"), Column("Count", is_amount=True),
                       Column("First"), Column("Last")])  # fmt: skip
    for given in approved.numbers:
        table.add_row(f"{given.label}s", str(given.count), given.first, given.last)
    show(table)


@invoice.command("list")
@click.option("--batch", type=int)
@click.option("--json", "as_json", is_flag=True)
def invoice_list(batch: int | None, as_json: bool) -> None:
    """Invoices and credit memos with lines and lineage."""
    runtime = current_runtime().require_current_schema()
    found = documents.iter_documents(runtime, batch_id=batch)
    if as_json:
        write_json_list(document.as_dict() for document in found)
        click.echo()
        return
    listed = DocumentList()
    for document in found:
        listed.add(document)
    if not listed.count:
        where = f" in batch {batch}" if batch is not None else ""
        show_empty(f"There are no invoices or credit memos{where}.")
        return
    listed.finish()
    if listed.has_drafts:
        show("A draft has no number yet: show one with `backoffice invoice show --draft ID`.")


@invoice.command("show")
@click.argument("number", required=False)
@click.option("--draft", "draft_id", type=int, help="Show the draft with this id (as listed).")
@click.option("--json", "as_json", is_flag=True)
def invoice_show(number: str | None, draft_id: int | None, as_json: bool) -> None:
    """One invoice or credit memo (by NUMBER, or a draft by --draft ID) with lines and lineage."""
    if (number is None) == (draft_id is None):
        raise click.UsageError("Give either NUMBER or --draft ID.")
    runtime = current_runtime().require_current_schema()
    with told_where(invoice_not_found=LIST_NUMBERS, draft_not_found=LIST_NUMBERS):
        document = (
            documents.show_document(runtime, number)
            if number is not None
            else documents.show_document_by_id(runtime, draft_id or 0)
        )
    if as_json:
        print_json(document.as_dict())
        return
    show(document_card(document))


@invoice.command("export")
@click.argument("batch_id", type=int)
@click.option("--format", "file_format", type=click.Choice(exports.FORMATS), required=True)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
def invoice_export(batch_id: int, file_format: str, file: Path) -> None:
    """The batch as a file for manual import; - as FILE writes it to standard output.

    QuickBooks imports at most 100 invoices per file: a larger batch in
    qbo-csv is written as FILE's name plus -1, -2, ... (batch.csv: batch-1.csv,
    batch-2.csv), each file whole invoices with its header row.
    """
    runtime = current_runtime().require_current_schema()
    approve = f"Approve it first (`backoffice invoice approve {batch_id}`), then export it, "
    with told_where(
        unknown_batch=LIST_BATCHES,
        batch_not_approved=approve + "or export the draft with --format csv.",
    ):
        exported = exports.export(runtime, batch_id, file_format)
    if str(file) == STDOUT:
        _export_to_stdout(exported)
    else:
        _export_to_files(exported, file)
    if exported.credit_memos_left_out:
        click.echo(
            f"{exported.credit_memos_left_out} credit memo(s) left out: QuickBooks' import "
            "takes invoices only; enter them by hand or send them with `backoffice sync`.",
            err=True,
        )


def _export_to_stdout(exported: ExportedBatch) -> None:
    if len(exported.files) > 1:
        raise NeedsUserAction(
            "export_needs_files",
            f"Batch {exported.batch_id} has more invoices than QuickBooks imports from one "
            f"file ({exports.QBO_INVOICES_PER_FILE}), so it is written as "
            f"{len(exported.files)} files.",
            "Give a file name instead of -, e.g. batch.csv (written as batch-1.csv, ...).",
        )
    click.echo(exported.files[0].text, nl=False)
    show_on_stderr(f"Wrote {exported.rows} line(s) of batch {exported.batch_id} "
                   f"({exported.file_format}).")  # fmt: skip


def _export_to_files(exported: ExportedBatch, file: Path) -> None:
    split = len(exported.files) > 1
    paths = [
        file.with_name(f"{file.stem}-{part}{file.suffix}") if split else file
        for part in range(1, len(exported.files) + 1)
    ]
    for path, written in zip(paths, exported.files, strict=True):
        with path.open("w", encoding="utf-8", newline="") as out:
            out.write(written.text)
    if not split:
        show(f"Wrote {exported.rows} line(s) of batch {exported.batch_id} to {file} "
             f"({exported.file_format}).")  # fmt: skip
        return
    show(f"Wrote {exported.rows} line(s) of batch {exported.batch_id} ({exported.file_format}) "
         f"as {len(paths)} files of at most {exports.QBO_INVOICES_PER_FILE} invoices, "
         "the most QuickBooks imports from one file:")  # fmt: skip
    table = new_table([Column("File"), Column("Invoices", is_amount=True)])
    for path, written in zip(paths, exported.files, strict=True):
        table.add_row(str(path), str(written.documents))
    show(table)


@invoice.command("discard")
@click.argument("batch_id", type=int)
def invoice_discard(batch_id: int) -> None:
    """Throw a draft batch away; its installments return to pending."""
    runtime = current_runtime().require_current_schema()
    with told_where(
        batch_not_draft="Only a draft batch can be discarded; an approved invoice is voided "
        "(`backoffice invoice void`) or corrected by a credit memo (`backoffice invoice credit`)."
    ):
        discarded = batches.discard_batch(runtime, batch_id)
    show(f"Discarded draft batch {batch_id} ({discarded.documents} document(s)).")


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
    with told_where(
        invoice_not_found=LIST_NUMBERS,
        not_creditable="Credit the invoice itself (`backoffice invoice list` shows the numbers).",
    ):
        memo = corrections.issue_credit(runtime, number, amount, reason, fee_id=fee_id)
    if as_json:
        print_json(memo.as_dict())
        return
    show(f"Issued credit memo {memo.number} against {number}:", document_card(memo))


@invoice.command("void")
@click.argument("number")
@click.option("--reason", required=True, help="Why; it is kept on the voided document.")
def invoice_void(number: str, reason: str) -> None:
    """Void an approved invoice or credit memo that has not been posted (again: nothing to do)."""
    runtime = current_runtime().require_current_schema()
    with told_where(
        invoice_not_found=LIST_NUMBERS,
        posted=f"Correct it with a credit memo (`backoffice invoice credit {number} --amount A "
        "--reason R`).",
    ):
        voided = corrections.void_document(runtime, number, reason)
    if voided.was_already_voided:
        show(f"{number} was already voided ({voided.reason}); nothing changed.")
        return
    show(
        f"Voided {number}; {voided.installments_returned} installment(s) are pending again "
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
    runtime = current_runtime().require_current_schema()
    sequence = numbering.set_numbering(
        runtime, credit_memos=credit_memos, prefix=prefix, next_value=next_value
    )
    show(f"The next {sequence.label} number is {sequence.next_number}.")
