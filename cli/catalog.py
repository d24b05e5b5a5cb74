"""``backoffice catalog``: loading and writing the catalog file."""

from __future__ import annotations

from pathlib import Path

import click

from cli.support import current_runtime, print_json
from services.catalog import export_catalog_text, import_catalog_file


@click.group()
def catalog() -> None:
    """The catalog file: terms, products, pay plans, customer assignments."""


@catalog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def catalog_import(file: Path, as_json: bool) -> None:
    """Validate FILE entirely, then upsert it by code (nothing is written on any error)."""
    summary = import_catalog_file(current_runtime().require_current_schema(), file)
    if not summary.billtos_checked:
        click.echo(
            "Warning: the ATS database has no ats_billto table; Billto ids were not checked.",
            err=True,
        )
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


@catalog.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def catalog_export(file: Path | None) -> None:
    """Write the catalog to FILE (default: standard output) in the import format."""
    text = export_catalog_text(current_runtime().require_current_schema())
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {file}.", err=True)
