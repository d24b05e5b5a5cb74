"""``backoffice mapping ...``: which remote records a connection's fields point at.

Options and output only; the work is ``services.mappings``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from cli.output import new_table, show, show_empty
from cli.support import current_runtime, print_json, told_where
from services import mappings as service


@click.group()
def mapping() -> None:
    """Which remote records invoices, customers and items point at, per connection."""


Command = TypeVar("Command", bound=Callable[..., None])
SCOPE_OPTIONS = (("product", "CODE", "the product"), ("family", "CODE", "the product family"),
                 ("billto", "ID", "the Billto"), ("terms", "CODE", "the terms code"),
                 ("currency", "CODE", "the currency code"))  # fmt: skip


def scope_options(command: Command) -> Command:
    """The rule's scope: at most one of these; none is the connection's default."""
    for name, metavar, what in reversed(SCOPE_OPTIONS):
        command = click.option(f"--{name}", metavar=metavar, help=f"Only for {what}.")(command)
    return command


def chosen_scope(scopes: dict[str, str | None]) -> tuple[str, str]:
    """The scope and key given, or the connection's default; two scopes are a usage error."""
    given = [(scope, key) for scope, key in scopes.items() if key is not None]
    if len(given) > 1:
        names = " and ".join(f"--{scope}" for scope, _ in given)
        raise click.UsageError(f"Give at most one scope option, not {names}.")
    return given[0] if given else ("connection", "")


@mapping.command("set")
@click.argument("field")
@click.argument("remote_id")
@scope_options
@click.option("--connection", help="The connection's name; default: the default connection.")
def mapping_set(field: str, remote_id: str, connection: str | None, **scopes: str | None) -> None:
    """Point FIELD at the remote record REMOTE_ID; without a scope option, the default."""
    scope, key = chosen_scope(scopes)
    runtime = current_runtime().require_current_schema()
    with told_where(**{"mapping:unknown_remote": (
        f"Run `backoffice mapping options {field}` for the ids to choose from.")}):  # fmt: skip
        entry = service.map_to_remote_record(runtime, field, remote_id, scope=scope, key=key,
                                             connection=connection)  # fmt: skip
    where = f"{entry.scope} {entry.key}" if entry.key else "the connection's default"
    named = f" ({entry.remote_name})" if entry.remote_name else ""
    click.echo(f"{entry.field} for {where} is now {entry.remote_id}{named}.")


@mapping.command("unset")
@click.argument("field")
@scope_options
@click.option("--connection", help="The connection's name; default: the default connection.")
def mapping_unset(field: str, connection: str | None, **scopes: str | None) -> None:
    """Remove the rule of FIELD at the scope given (none: the connection's default)."""
    scope, key = chosen_scope(scopes)
    runtime = current_runtime().require_current_schema()
    removed = service.unset_mapping(runtime, field, scope=scope, key=key, connection=connection)
    where = f"{scope} {key}" if key else "the connection's default"
    click.echo(f"{field} for {where} " + ("is no longer mapped." if removed else "was not mapped."))


@mapping.command("list")
@click.option("--connection", help="The connection's name; default: the default connection.")
@click.option("--unmapped", is_flag=True, help="What the next push lacks, instead of the rules.")
@click.option("--json", "as_json", is_flag=True)
def mapping_list(connection: str | None, unmapped: bool, as_json: bool) -> None:
    """The rules and links of a connection, or (--unmapped) what the next push lacks."""
    runtime = current_runtime().require_current_schema()
    if unmapped:
        _show_unmapped(service.list_unmapped(runtime, connection), as_json)
        return
    entries = service.list_mappings(runtime, connection)
    if as_json:
        print_json([{"field": e.field, "scope": e.scope, "key": e.key, "remote_id": e.remote_id,
                     "remote_name": e.remote_name} for e in entries])  # fmt: skip
        return
    if not entries:
        show_empty("Nothing is mapped yet: see `backoffice mapping options FIELD`.")
        return
    table = new_table(["Field", "Scope", "Key", "Remote id", "Remote name"])
    for e in entries:
        table.add_row(e.field, e.scope, e.key, e.remote_id, e.remote_name or "")
    show(table)


def _show_unmapped(gaps: list[service.UnmappedEntry], as_json: bool) -> None:
    if as_json:
        print_json([{"field": g.field, "scope": g.scope, "key": g.key, "needed_by": g.needed_by,
                     "action": g.action} for g in gaps])  # fmt: skip
        return
    if not gaps:
        show_empty("Nothing is unmapped: the draft and approved documents can be pushed.")
        return
    table = new_table(["Field", "Scope", "Key", "Needed by", "Action"])
    for g in gaps:
        table.add_row(g.field, g.scope, g.key, g.needed_by, g.action)
    show(table)


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
