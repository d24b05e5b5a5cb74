"""The ``backoffice`` command line (CONTRACT.md section 3): thin wrappers over services.

Exit codes: 0 success, 1 a failure the user can fix (the message says what to
do), 2 bad usage or a command that is not built yet. Errors go to stderr.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import NoReturn

import click

from ats.demo_book import DemoBookOptions, write_demo_book
from ats.reader import BILLTOS, AtsReader
from backoffice.errors import NeedsUserAction
from backoffice.logs import configure_logging
from backoffice.runtime import Runtime
from billing.catalog.file import MAX_FILE_BYTES, dump_catalog_yaml
from billing.catalog.store import export_catalog, import_catalog
from billing.fee_queries import list_blocked, list_fees
from cli.connections import connection
from cli.invoices import invoice
from cli.realize import realize_fees
from cli.support import ErrorBoundary, current_runtime, print_json
from migrations.upgrade import upgrade_schema

REALIZATION = "fee realization (issue #4)"
SYNC_ENGINE = "the sync engine (after issue #6)"
ADMIN_PANEL = "the admin panel (after issue #6)"


def not_built(what: str, arrives_with: str) -> NoReturn:
    """Stop a command whose feature has not landed yet, saying where it is tracked."""
    click.echo(f"`backoffice {what}` is not built yet: it arrives with {arrives_with}.", err=True)
    sys.exit(2)


@click.group(cls=ErrorBoundary, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Back office: realized fees, invoices and accounting sync for staffing agencies."""
    configure_logging()


@cli.group()
def db() -> None:
    """The service's own database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the service's schema (Alembic)."""
    runtime = current_runtime()
    upgrade_schema(runtime.engine)
    click.echo("Schema is up to date.")


@cli.command("demo-data")
@click.option(
    "--placements",
    type=click.IntRange(min=1),
    default=DemoBookOptions.placements,
    show_default=True,
    help="How many placements to write.",
)
@click.option(
    "--seed",
    type=int,
    default=DemoBookOptions.seed,
    show_default=True,
    help="Random seed: the same seed writes the same book.",
)
def demo_data(placements: int, seed: int) -> None:
    """Fill the ATS database with a demo company book and import a demo catalog."""
    runtime = current_runtime().require_current_schema()
    book = write_demo_book(
        runtime.ats_engine,
        DemoBookOptions(placements=placements, seed=seed),
        progress=sys.stderr.isatty(),
    )
    with runtime.transaction() as session:
        summary = import_catalog(session, book.catalog_yaml.encode(), book.billto_ids)
    click.echo(book.describe())
    click.echo(
        f"Demo catalog: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged."
    )


@cli.group()
def catalog() -> None:
    """The catalog file: terms, products, pay plans, customer assignments."""


@catalog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def catalog_import(file: Path, as_json: bool) -> None:
    """Validate FILE entirely, then upsert it by code (nothing is written on any error)."""
    data = _catalog_bytes(file)
    runtime = current_runtime().require_current_schema()
    known_billtos = _known_billtos(runtime)
    with runtime.transaction() as session:
        summary = import_catalog(session, data, known_billtos)
    if as_json:
        print_json(
            {
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "sections": summary.by_section,
            }
        )
        return
    click.echo(
        f"Imported {file}: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged."
    )


def _catalog_bytes(file: Path) -> bytes:
    """The file's bytes, at most one past the size limit: a huge file is never read whole."""
    try:
        with file.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise NeedsUserAction(
            "catalog_unreadable",
            f"Cannot read {file}: {error.strerror}.",
            "Check the path and that you may read the file.",
        ) from None


def _known_billtos(runtime: Runtime) -> set[int] | None:
    """Billto ids in the ATS, or None (with a warning) when the ATS has no Billto table."""
    reader = AtsReader(runtime.ats_engine)
    if BILLTOS.table.name in reader.missing_tables():
        click.echo(
            "Warning: the ATS database has no ats_billto table; Billto ids were not checked.",
            err=True,
        )
        return None
    return reader.all_ids(BILLTOS)


@catalog.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def catalog_export(file: Path | None) -> None:
    """Write the catalog to FILE (default: standard output) in the import format."""
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        text = dump_catalog_yaml(export_catalog(session))
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {file}.", err=True)


@cli.command()
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Realize scheduled service fees due up to DATE (default: today).",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=600,
    show_default=True,
    help="Seconds to wait for another realize run to finish.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def realize(as_of: dt.datetime | None, wait: float, as_json: bool) -> None:
    """Bring realized fees up to date with the ATS (incremental, idempotent)."""
    runtime = current_runtime().require_current_schema()
    summary = realize_fees(runtime, (as_of or dt.datetime.now()).date(), wait_seconds=wait)
    if as_json:
        print_json(
            {"summary": summary.as_dict(), "full_pass": summary.full, "warnings": summary.warnings}
        )
        return
    for warning in summary.warnings:
        click.echo(f"Warning: {warning}", err=True)
    counts = ", ".join(
        f"{count} {name.replace('_', ' ')}" for name, count in summary.as_dict().items()
    )
    click.echo(f"Realized fees are up to date: {counts}.")


@cli.group()
def fees() -> None:
    """Realized fees and blocked ATS events."""


@fees.command("list")
@click.option("--billto", type=int, help="Only fees realized for this Billto id.")
@click.option("--status", type=click.Choice(["active", "cancelled"]))
@click.option("--limit", type=click.IntRange(min=1), help="At most this many fees.")
@click.option("--json", "as_json", is_flag=True)
def fees_list(billto: int | None, status: str | None, limit: int | None, as_json: bool) -> None:
    """Realized fees with their installments."""
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        found = list_fees(session, billto_id=billto, status=status, limit=limit)
    if as_json:
        print_json(found)
        return
    for fee in found:
        occurrence = f" {fee['occurrence']}" if fee["occurrence"] else ""
        click.echo(
            f"fee {fee['fee_id']}: {fee['source_type']} {fee['source_id']}{occurrence}, "
            f"Billto {fee['billto_id']}, {fee['product_code']}, {fee['amount']} "
            f"{fee['currency']} on {fee['event_date']} ({fee['status']})"
        )
        for part in fee["installments"]:
            click.echo(
                f"    {part['seq']}. {part['effective_date']} {part['amount']} {part['status']}"
            )


@fees.command("blocked")
@click.option("--json", "as_json", is_flag=True)
def fees_blocked(as_json: bool) -> None:
    """ATS events that cannot be realized, each with its reason."""
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        found = list_blocked(session)
    if as_json:
        print_json(found)
        return
    for event in found:
        occurrence = f" {event['occurrence']}" if event["occurrence"] else ""
        click.echo(
            f"{event['source_type']} {event['source_id']}{occurrence} "
            f"({event['event_date'] or 'no valid date'}): {event['reason']}"
        )
    click.echo(f"{len(found)} blocked event(s).", err=True)


@cli.command()
@click.option("--connection", "connection_name")
@click.option("--dry-run", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
def sync(connection_name: str | None, dry_run: bool, as_json: bool) -> None:
    """Push pending customers, items, invoices and credit memos; pull payments and changes."""
    not_built("sync", SYNC_ENGINE)


@cli.command()
@click.option("--connection", "connection_name")
@click.option("--json", "as_json", is_flag=True)
def reconcile(connection_name: str | None, as_json: bool) -> None:
    """Compare the service's books with the accounting system's, record by record."""
    not_built("reconcile", SYNC_ENGINE)


@cli.command("sync-log")
@click.option("--connection", "connection_name")
@click.option("--status", type=click.Choice(["failed"]))
@click.option("--json", "as_json", is_flag=True)
def sync_log(connection_name: str | None, status: str | None, as_json: bool) -> None:
    """The sync log."""
    not_built("sync-log", SYNC_ENGINE)


@cli.command()
@click.option("--port", type=int, default=8000, show_default=True)
def web(port: int) -> None:
    """The admin panel."""
    not_built("web", ADMIN_PANEL)


@cli.command()
def worker() -> None:
    """The scheduler: realize, invoice and sync on their schedules."""
    not_built("worker", SYNC_ENGINE)


@cli.command()
@click.argument("system", type=click.Choice(["qbo", "netsuite"]))
@click.option("--port", type=int, default=8001, show_default=True)
def sandbox(system: str, port: int) -> None:
    """A local stand-in for the accounting system's API, for demos and tests."""
    if system == "qbo":
        from sandboxes.qbo import serve
    else:
        from sandboxes.netsuite import serve  # type: ignore[no-redef]
    click.echo(f"{system} sandbox on http://127.0.0.1:{port} (control API: /_sandbox/info)")
    serve(port)


cli.add_command(invoice)
cli.add_command(connection)


def main() -> None:
    """Console script entry point."""
    cli()
