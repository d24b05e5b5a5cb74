"""``backoffice mapping ...``: which remote records a connection's fields point at.

Options and output only; the work is ``services.mappings``'s.
"""

from __future__ import annotations

import click

from cli.output import new_table, show, show_empty
from cli.support import current_runtime, print_json, told_where
from services import mappings as service


@click.group()
def mapping() -> None:
    """Which remote records invoices, customers and items point at, per connection."""


@mapping.command("options")
@click.argument("field")
@click.option("--search", help="Only the records whose name holds this text.")
@click.option("--connection", help="The connection's name; default: the default connection.")
@click.option("--json", "as_json", is_flag=True)
def mapping_options(field: str, search: str | None, connection: str | None, as_json: bool) -> None:
    """The remote records FIELD can point at, by id and name."""
    runtime = current_runtime().require_current_schema()
    with told_where(**{"mapping:field": "Run `backoffice mapping options --help` for the fields."}):
        found = service.list_mapping_options(runtime, field, search, connection)
    if as_json:
        print_json([{"id": option.id, "name": option.name} for option in found])
        return
    if not found:
        show_empty(f"No {field} records" + (f" whose name holds {search!r}." if search else "."))
        return
    table = new_table(["Id", "Name"])
    for option in found:
        table.add_row(option.id, option.name)
    show(table)
