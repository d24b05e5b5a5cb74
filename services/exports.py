"""A batch as CSV text for manual import: plain, or QuickBooks Online's import columns.

The text is returned, not written: the caller decides where each file goes
(a path, standard output, a download). QuickBooks imports at most
``QBO_INVOICES_PER_FILE`` invoices per file, so a ``qbo-csv`` export of a
larger batch comes as several files.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from sqlalchemy import select

from backoffice.runtime import Runtime
from billing.invoicing.export import FORMATS, QBO_INVOICES_PER_FILE, batch_to_export, export_batch
from billing.invoicing.models import Invoice
from services.billtos import billto_lookup, names_in

__all__ = ["FORMATS", "QBO_INVOICES_PER_FILE", "ExportedBatch", "ExportedFile", "export"]


@dataclass(frozen=True)
class ExportedFile:
    """One file of an export: its CSV text (header row first) and how many documents it holds."""

    text: str
    documents: int


@dataclass(frozen=True)
class ExportedBatch:
    """What an export holds: its files in order, line rows in all, credit memos left out."""

    batch_id: int
    file_format: str
    files: tuple[ExportedFile, ...]
    rows: int
    credit_memos_left_out: int


def export(runtime: Runtime, batch_id: int, file_format: str) -> ExportedBatch:
    """Batch ``batch_id`` as CSV text in ``file_format`` (one of ``FORMATS``).

    ``qbo-csv`` needs an approved batch (QuickBooks needs the numbers) and
    names each customer as its Billto is named in the ATS.
    """
    buffers: list[io.StringIO] = []

    def new_file() -> io.StringIO:
        buffers.append(io.StringIO(newline=""))
        return buffers[-1]

    with runtime.transaction() as session:
        batch_to_export(session, batch_id, file_format)
        customers: dict[int, str] = {}
        if file_format == "qbo-csv":
            of_batch = select(Invoice.billto_id).where(Invoice.batch_id == batch_id).distinct()
            customers = names_in(billto_lookup(runtime), session.scalars(of_batch))
        exported = export_batch(session, batch_id, file_format, new_file, customers=customers)
    files = tuple(
        ExportedFile(buffer.getvalue(), count)
        for buffer, count in zip(buffers, exported.documents_per_file, strict=True)
    )
    return ExportedBatch(
        batch_id, file_format, files, exported.rows, exported.credit_memos_left_out
    )
