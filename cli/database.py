"""``backoffice db``: the service's own database."""

from __future__ import annotations

import click

from cli.support import current_runtime
from services.database import SchemaChange, upgrade_database


@click.group()
def db() -> None:
    """The service's own database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the service's schema (Alembic)."""
    done = upgrade_database(current_runtime())
    if done.change is SchemaChange.CREATED:
        click.echo(f"Created the service's schema (revision {done.after}).")
    elif done.change is SchemaChange.UPGRADED:
        click.echo(f"Upgraded the service's schema from revision {done.before} to {done.after}.")
    else:
        click.echo(f"The service's schema is already up to date (revision {done.after}).")
