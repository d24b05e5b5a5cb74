"""The ``backoffice`` command line (CONTRACT.md section 3): thin wrappers over services.

Exit codes: 0 success, 1 a failure the user can fix (the message says what to
do), 2 bad usage or a command that is not built yet. Errors go to stderr.
Each command lives in its own module, imported only when that command runs,
so ``backoffice --help`` and small commands start at once.
"""

from __future__ import annotations

import click

from backoffice.logs import configure_logging
from cli.lazy import LazyCommand, LazyGroup

COMMANDS = {
    "billtos": LazyCommand(
        "cli.billtos:billtos", "Billtos in the ATS, for writing customer assignments."
    ),
    "catalog": LazyCommand(
        "cli.catalog:catalog", "The catalog file: terms, products, pay plans, customer assignments."
    ),
    "connection": LazyCommand("cli.connections:connection", "Accounting system connections."),
    "db": LazyCommand("cli.database:db", "The service's own database."),
    "demo-data": LazyCommand(
        "cli.demo:demo_data",
        "Fill the ATS database with a demo company book and import a demo catalog.",
    ),
    "fees": LazyCommand("cli.fees:fees", "Realized fees and blocked ATS events."),
    "invoice": LazyCommand("cli.invoices:invoice", "Invoice batches, invoices and credit memos."),
    "mapping": LazyCommand(
        "cli.mappings:mapping",
        "Which remote records invoices, customers and items point at, per connection.",
    ),
    "realize": LazyCommand(
        "cli.realize:realize",
        "Bring realized fees up to date with the ATS (incremental, idempotent).",
    ),
    "reconcile": LazyCommand(
        "cli.planned:reconcile",
        "Compare the service's books with the accounting system's, record by record.",
    ),
    "sandbox": LazyCommand(
        "cli.sandbox:sandbox",
        "A local stand-in for the accounting system's API, for demos and tests.",
    ),
    "sync": LazyCommand(
        "cli.planned:sync",
        "Push pending customers, items, invoices and credit memos; pull payments and changes.",
    ),
    "sync-log": LazyCommand("cli.planned:sync_log", "The sync log."),
    "web": LazyCommand("cli.planned:web", "The admin panel."),
    "worker": LazyCommand(
        "cli.planned:worker", "The scheduler: realize, invoice and sync on their schedules."
    ),
}


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
def cli() -> None:
    """Back office: realized fees, invoices and accounting sync for staffing agencies."""
    configure_logging()


def main() -> None:
    """Console script entry point."""
    cli()
