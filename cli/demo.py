"""``backoffice demo-data``: a demo company book in the ATS and its demo catalog."""

from __future__ import annotations

import sys

import click

from cli.support import current_runtime
from services.demo import DEFAULT_PLACEMENTS, DEFAULT_SEED, write_demo_data


@click.command("demo-data")
@click.option(
    "--placements",
    type=click.IntRange(min=1),
    default=DEFAULT_PLACEMENTS,
    show_default=True,
    help="How many placements to write.",
)
@click.option(
    "--seed",
    type=int,
    default=DEFAULT_SEED,
    show_default=True,
    help="Random seed: the same seed writes the same book.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Write the book only if the ATS holds no placements yet; otherwise keep it.",
)
def demo_data(placements: int, seed: int, if_empty: bool) -> None:
    """Fill the ATS database with a demo company book and import a demo catalog."""
    runtime = current_runtime().require_current_schema()
    written = write_demo_data(
        runtime,
        placements=placements,
        seed=seed,
        show_progress=sys.stderr.isatty(),
        only_into_empty=if_empty,
    )
    if written.description is None or written.catalog is None:
        click.echo("The ATS already holds a book: kept as it is (no demo data written).")
        return
    click.echo(written.description)
    click.echo(
        f"Demo catalog: {written.catalog.created} created, {written.catalog.updated} updated, "
        f"{written.catalog.unchanged} unchanged."
    )
