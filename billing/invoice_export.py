"""A batch of invoices as a CSV file, for people and for QuickBooks Online's import.

Two formats, one row per invoice line:

- ``csv``: every invoice header field beside every line field, amounts as plain
  decimals with the currency's minor digits, dates ISO (YYYY-MM-DD). A draft
  batch exports too, with empty numbers and due dates.
- ``qbo-csv``: the columns QuickBooks Online's invoice import maps on its own
  (``InvoiceNo``, ``Customer``, ...), dates MM/DD/YYYY as its US import
  expects. Only an approved batch: QuickBooks needs the invoice numbers.

Pure: reads through the given session and writes to the given text stream,
which the caller opens with ``newline=""`` and UTF-8.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import NeedsUserAction
from billing.catalog import Terms
from billing.invoices import BatchStatus, Invoice, InvoiceBatch
from billing.money import plain, quantize

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


def export_batch(
    session: Session,
    batch_id: int,
    file_format: str,
    out: TextIO,
    *,
    customers: Mapping[int, str] | None = None,
) -> int:
    """Write batch ``batch_id`` to ``out`` in ``file_format``; returns the rows written.

    ``customers`` maps Billto ids to their names (the QuickBooks customer); it is
    needed for ``qbo-csv`` only.
    """
    batch = batch_to_export(session, batch_id, file_format)
    if file_format == "csv":
        return write_csv(batch.invoices, out)
    if file_format == "qbo-csv":
        return write_qbo_csv(session, batch.invoices, customers or {}, out)
    raise ValueError(f"unknown export format {file_format!r}: one of {', '.join(FORMATS)}")


def batch_to_export(session: Session, batch_id: int, file_format: str) -> InvoiceBatch:
    """The batch, if it exists and can be exported in ``file_format``."""
    batch = session.get(InvoiceBatch, batch_id)
    if batch is None:
        raise NeedsUserAction(
            "unknown_batch",
            f"There is no invoice batch {batch_id}.",
            "Use `backoffice invoice list` to see the batches.",
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
            f"Approve it first (`backoffice invoice approve {batch_id}`), then export it, "
            "or export the draft with --format csv.",
        )
    return batch


def write_csv(invoices: list[Invoice], out: TextIO) -> int:
    """One row per line, invoice header fields first; returns the rows written."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for invoice in invoices:
        currency = invoice.currency
        header = (
            invoice.number or "",
            invoice.batch_id,
            invoice.billto_id,
            currency,
            invoice.invoice_date.isoformat(),
            invoice.due_date.isoformat() if invoice.due_date else "",
            invoice.terms_code,
            invoice.po_number or "",
            invoice.status,
            str(quantize(invoice.total, currency)),
        )
        for position, line in enumerate(invoice.lines, start=1):
            writer.writerow(
                (
                    *header,
                    position,
                    line.product_code,
                    line.description,
                    plain(line.quantity),
                    str(quantize(line.rate, currency)),
                    str(quantize(line.amount, currency)),
                    line.source_type,
                    line.source_id,
                    line.fee_id,
                    line.seq,
                )
            )
            rows += 1
    return rows


def write_qbo_csv(
    session: Session, invoices: list[Invoice], customers: Mapping[int, str], out: TextIO
) -> int:
    """QuickBooks Online's invoice import columns, one row per line; returns the rows."""
    terms = _terms_names(session, {i.terms_code for i in invoices})
    missing = sorted({i.billto_id for i in invoices} - set(customers))
    if missing:
        raise NeedsUserAction(
            "billto_missing",
            f"Billto(s) {', '.join(map(str, missing))} are not in the ATS, so the "
            "QuickBooks customer name is unknown.",
            "Restore the Billto in the ATS, or export with --format csv.",
        )
    writer = csv.writer(out)
    writer.writerow(QBO_COLUMNS)
    rows = 0
    for invoice in invoices:
        currency = invoice.currency
        for line in invoice.lines:
            writer.writerow(
                (
                    invoice.number or "",
                    customers[invoice.billto_id],
                    _us_date(invoice.invoice_date),
                    _us_date(invoice.due_date),
                    terms.get(invoice.terms_code, invoice.terms_code),
                    line.product_code,
                    line.description,
                    plain(line.quantity),
                    str(quantize(line.rate, currency)),
                    str(quantize(line.amount, currency)),
                    currency,
                )
            )
            rows += 1
    return rows


def _terms_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    query = select(Terms.code, Terms.name).where(Terms.code.in_(codes))
    return {code: name for code, name in session.execute(query)}


def _us_date(day: dt.date | None) -> str:
    return day.strftime(QBO_DATE_FORMAT) if day else ""
