"""Commands of the contract whose features have not landed yet: they say so and exit 2."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

SYNC_ENGINE = "the sync engine"
ADMIN_PANEL = "the admin panel"


def not_built(what: str, arrives_with: str) -> NoReturn:
    """Stop a command whose feature has not landed yet, saying what it comes with."""
    click.echo(f"`backoffice {what}` is not built yet: it arrives with {arrives_with}.", err=True)
    sys.exit(2)


@click.command()
@click.option("--connection", "connection_name")
@click.option("--dry-run", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
def sync(connection_name: str | None, dry_run: bool, as_json: bool) -> None:
    """Push pending customers, items, invoices and credit memos; pull payments and changes."""
    not_built("sync", SYNC_ENGINE)


@click.command()
@click.option("--connection", "connection_name")
@click.option("--json", "as_json", is_flag=True)
def reconcile(connection_name: str | None, as_json: bool) -> None:
    """Compare the service's books with the accounting system's, record by record."""
    not_built("reconcile", SYNC_ENGINE)


@click.command("sync-log")
@click.option("--connection", "connection_name")
@click.option("--status", type=click.Choice(["failed"]))
@click.option("--json", "as_json", is_flag=True)
def sync_log(connection_name: str | None, status: str | None, as_json: bool) -> None:
    """The sync log."""
    not_built("sync-log", SYNC_ENGINE)


@click.command()
@click.option("--port", type=int, default=8000, show_default=True)
def web(port: int) -> None:
    """The admin panel."""
    not_built("web", ADMIN_PANEL)


@click.command()
def worker() -> None:
    """The scheduler: realize, invoice and sync on their schedules."""
    not_built("worker", SYNC_ENGINE)
