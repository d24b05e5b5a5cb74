"""A batch of invoices as a CSV file, for people and for QuickBooks Online's import.

Two formats, one row per invoice line:

- ``csv``: every invoice header field beside every line field, amounts as plain
  decimals with the currency's minor digits, dates ISO (YYYY-MM-DD). A draft
  batch exports too, with empty numbers and due dates.
- ``qbo-csv``: the columns QuickBooks Online's invoice import maps on its own
  (``InvoiceNo``, ``Customer``, ...), dates MM/DD/YYYY as its US import
  expects. Only an approved batch: QuickBooks needs the invoice numbers.
  QuickBooks imports invoices only, so credit memos are left out (and
  counted): they are entered by hand or reach QuickBooks through ``sync``.
  QuickBooks imports at most 100 invoices per file, so a larger batch is
  split into files of at most ``QBO_INVOICES_PER_FILE`` invoices, each with
  its header row.

Documents stream from the database a page at a time. Every cell goes through
``billing.invoicing.csv_cells``, so a name or description that looks like a formula
opens as text.

Pure: reads through the given session and writes to the text streams the
caller's ``new_file`` hands out, one per file, opened with ``newline=""``
and UTF-8.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import NeedsUserAction
from billing.catalog.models import Terms
from billing.invoicing.csv_cells import SafeCsvWriter
from billing.invoicing.models import BatchStatus, DocumentKind, InvoiceBatch
from billing.invoicing.queries import iter_documents

FORMATS = ("csv", "qbo-csv")

CSV_COLUMNS = (
    "number",
    "batch_id",
    "billto_id",
    "currency",
    "invoice_date",
    "due_date",
    "terms",
    "po_number",
    "status",
    "kind",
    "credits",
    "invoice_total",
    "line",
    "product_code",
    "description",
    "quantity",
    "rate",
    "amount",
    "source_type",
    "source_id",
    "fee_id",
    "seq",
)

QBO_COLUMNS = (
    "InvoiceNo",
    "Customer",
    "InvoiceDate",
    "DueDate",
    "Terms",
    "Item(Product/Service)",
    "ItemDescription",
    "ItemQuantity",
    "ItemRate",
    "ItemAmount",
    "Currency",
)

QBO_DATE_FORMAT = "%m/%d/%Y"
QBO_INVOICES_PER_FILE = 100  # the most QuickBooks Online's invoice import takes in one file

NewFile = Callable[[], TextIO]


@dataclass(frozen=True)
class Exported:
    """What an export wrote: line rows, credit memos left out (qbo-csv), documents per file."""

    rows: int
    credit_memos_left_out: int = 0
    documents_per_file: tuple[int, ...] = ()


def export_batch(
    session: Session,
    batch_id: int,
    file_format: str,
    new_file: NewFile,
    *,
    customers: Mapping[int, str] | None = None,
) -> Exported:
    """Write batch ``batch_id`` in ``file_format`` to the file(s) ``new_file`` opens.

    ``csv`` asks for one file; ``qbo-csv`` for one per ``QBO_INVOICES_PER_FILE``
    invoices (one, header only, for a batch of credit memos alone).
    ``customers`` maps Billto ids to their names (the QuickBooks customer); it is
    needed for ``qbo-csv`` only.
    """
    batch_to_export(session, batch_id, file_format)
    documents = iter_documents(session, batch_id=batch_id)
    if file_format == "csv":
        return write_csv(documents, new_file())
    if file_format == "qbo-csv":
        return write_qbo_csv(session, documents, customers or {}, new_file)
    raise ValueError(f"unknown export format {file_format!r}: one of {', '.join(FORMATS)}")


def batch_to_export(session: Session, batch_id: int, file_format: str) -> InvoiceBatch:
    """The batch, if it exists and can be exported in ``file_format``."""
    batch = session.get(InvoiceBatch, batch_id)
    if batch is None:
        raise NeedsUserAction(
            "unknown_batch",
            f"There is no invoice batch {batch_id}.",
            "Check the batch id against the list of invoices.",
        )
    if batch.status == BatchStatus.DISCARDED.value:
        raise NeedsUserAction(
            "batch_discarded",
            f"Invoice batch {batch_id} was discarded and has no invoices.",
            "Export another batch.",
        )
    if file_format == "qbo-csv" and batch.status != BatchStatus.APPROVED.value:
        raise NeedsUserAction(
            "batch_not_approved",
            f"Invoice batch {batch_id} is a draft: its invoices have no numbers yet.",
            "Approve it first, then export it, or export the draft as plain CSV.",
        )
    return batch


def write_csv(documents: Iterable[dict[str, Any]], out: TextIO) -> Exported:
    """One row per line, document header fields first."""
    writer = SafeCsvWriter(out)
    writer.writerow(CSV_COLUMNS)
    rows = count = 0
    for document in documents:
        count += 1
        header = (
            document["number"] or "", document["batch_id"], document["billto_id"],
            document["currency"], document["invoice_date"], document["due_date"] or "",
            document["terms"], document["po_number"] or "", document["status"],
            document["kind"], document["credits"] or "", document["total"],
        )  # fmt: skip
        for position, line in enumerate(document["lines"], start=1):
            writer.writerow((
                *header, position, line["product_code"], line["description"],
                line["quantity"], line["rate"], line["amount"], _blank(line["source_type"]),
                _blank(line["source_id"]), _blank(line["fee_id"]), _blank(line["seq"]),
            ))  # fmt: skip
            rows += 1
    return Exported(rows, documents_per_file=(count,))


def write_qbo_csv(
    session: Session,
    documents: Iterable[dict[str, Any]],
    customers: Mapping[int, str],
    new_file: NewFile,
) -> Exported:
    """QuickBooks Online's invoice import columns, one row per invoice line.

    A new file, header first, starts every ``QBO_INVOICES_PER_FILE`` invoices:
    an invoice's lines never straddle two files.
    """
    terms = {code: name for code, name in session.execute(select(Terms.code, Terms.name))}
    writer = _qbo_file(new_file)
    per_file = [0]
    rows = left_out = 0
    for document in documents:
        if document["kind"] == DocumentKind.CREDIT_MEMO:
            left_out += 1
            continue
        if per_file[-1] == QBO_INVOICES_PER_FILE:
            writer = _qbo_file(new_file)
            per_file.append(0)
        per_file[-1] += 1
        customer = customers.get(document["billto_id"])
        if customer is None:
            raise NeedsUserAction(
                "billto_missing",
                f"Billto {document['billto_id']} is not in the ATS, so the QuickBooks "
                "customer name is unknown.",
                "Restore the Billto in the ATS, or export with --format csv.",
            )
        for line in document["lines"]:
            writer.writerow((
                document["number"], customer, _us_date(document["invoice_date"]),
                _us_date(document["due_date"]), terms.get(document["terms"], document["terms"]),
                line["product_code"], line["description"], line["quantity"], line["rate"],
                line["amount"], document["currency"],
            ))  # fmt: skip
            rows += 1
    return Exported(rows, left_out, tuple(per_file))


def _qbo_file(new_file: NewFile) -> SafeCsvWriter:
    writer = SafeCsvWriter(new_file())
    writer.writerow(QBO_COLUMNS)
    return writer


def _blank(value: object) -> object:
    return "" if value is None else value


def _us_date(day: str | None) -> str:
    return dt.date.fromisoformat(day).strftime(QBO_DATE_FORMAT) if day else ""
