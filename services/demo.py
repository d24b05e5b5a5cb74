"""Demo data: a realistic company book in the ATS and the demo catalog that goes with it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ats.demo_book import DemoBookOptions, write_demo_book
from ats.reader import PLACEMENTS, AtsReader
from backoffice.errors import NeedsUserAction
from backoffice.runtime import Runtime
from billing.invoicing.models import Invoice, InvoiceStatus
from services.catalog import CatalogImport, import_catalog_bytes

DEFAULT_PLACEMENTS = DemoBookOptions.placements
DEFAULT_SEED = DemoBookOptions.seed


@dataclass(frozen=True)
class DemoData:
    """What was written: the book's description and the demo catalog's import.

    Both are None when ``only_into_empty`` found a book already there and kept it.
    """

    description: str | None
    catalog: CatalogImport | None


def write_demo_data(
    runtime: Runtime,
    *,
    placements: int,
    seed: int,
    show_progress: bool = False,
    only_into_empty: bool = False,
) -> DemoData:
    """Replace the ATS content with a demo book of ``placements``, and import its catalog.

    The same seed writes the same book. Refuses (``NeedsUserAction``) an ATS
    holding rows the demo did not write, and a service that has approved
    invoices: those were billed from the current book, and rewriting it under
    them would leave invoices whose events no longer exist.

    ``only_into_empty`` writes nothing into an ATS that already holds
    placements (a second start of a demo keeps the book it is working on).
    """
    if only_into_empty and _holds_placements(runtime):
        return DemoData(None, None)
    _refuse_approved_invoices(runtime)
    book = write_demo_book(
        runtime.ats_engine,
        DemoBookOptions(placements=placements, seed=seed),
        progress=show_progress,
    )
    catalog = import_catalog_bytes(runtime, book.catalog_yaml.encode())
    return DemoData(book.describe(), catalog)


def _refuse_approved_invoices(runtime: Runtime) -> None:
    with runtime.transaction() as session:
        approved = session.scalar(
            select(func.count()).select_from(Invoice).where(Invoice.status != InvoiceStatus.DRAFT)
        )
    if approved:
        raise NeedsUserAction(
            "book_has_invoices",
            f"The service already holds {approved} approved invoice(s) and credit memo(s) "
            "billed from the current ATS book; a new demo book would leave them without "
            "the events they were billed from.",
            "Keep this book, or point BACKOFFICE_DATABASE_URL and BACKOFFICE_ATS_DATABASE_URL "
            "at new, empty databases for a fresh demo.",
        )


def _holds_placements(runtime: Runtime) -> bool:
    reader = AtsReader(runtime.ats_engine)
    return PLACEMENTS.table.name not in reader.missing_tables() and reader.count(PLACEMENTS) > 0
