"""The catalog file: importing it (validated whole, written all or nothing) and exporting it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ats.reader import BILLTOS, AtsReader
from backoffice.errors import NeedsUserAction
from backoffice.runtime import Runtime
from billing.catalog.file import MAX_FILE_BYTES, dump_catalog_yaml
from billing.catalog.store import export_catalog, import_catalog


@dataclass(frozen=True)
class CatalogImport:
    """What an import created, changed and left as it was, in all and per section.

    ``billtos_checked`` is False when the ATS has no Billto table, so the
    Billto ids of customer assignments could not be checked.
    """

    created: int
    updated: int
    unchanged: int
    by_section: dict[str, dict[str, int]] = field(default_factory=dict)
    billtos_checked: bool = True


def import_catalog_bytes(runtime: Runtime, data: bytes) -> CatalogImport:
    """Validate the catalog file's bytes entirely, then upsert it by code.

    Raises ``NeedsUserAction`` listing every wrong entry; nothing is written then.
    """
    known_billtos = _known_billtos(runtime)
    with runtime.transaction() as session:
        summary = import_catalog(session, data, known_billtos)
    return CatalogImport(
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        by_section=summary.by_section,
        billtos_checked=known_billtos is not None,
    )


def import_catalog_file(runtime: Runtime, path: Path) -> CatalogImport:
    """Import the catalog file at ``path`` (see ``import_catalog_bytes``)."""
    return import_catalog_bytes(runtime, read_catalog_file(path))


def read_catalog_file(path: Path) -> bytes:
    """The file's bytes, at most one past the size limit: a huge file is never read whole."""
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise NeedsUserAction(
            "catalog_unreadable",
            f"Cannot read {path}: {error.strerror}.",
            "Check the path and that you may read the file.",
        ) from None


def export_catalog_text(runtime: Runtime) -> str:
    """The catalog as file text in the import format (importing it back changes nothing)."""
    with runtime.transaction() as session:
        return dump_catalog_yaml(export_catalog(session))


def _known_billtos(runtime: Runtime) -> set[int] | None:
    """Billto ids in the ATS, or None when the ATS has no Billto table to check them against."""
    reader = AtsReader(runtime.ats_engine)
    if BILLTOS.table.name in reader.missing_tables():
        return None
    return reader.all_ids(BILLTOS)
