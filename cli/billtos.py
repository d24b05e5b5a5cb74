"""``backoffice billtos``: the ATS's Billtos, so a person can write a customer assignment."""

from __future__ import annotations

import click

from cli.output import billto_text, new_table, show, show_empty
from cli.support import current_runtime, print_json
from services.billtos import list_billtos


@click.group()
def billtos() -> None:
    """Billtos in the ATS, for writing customer assignments."""


@billtos.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the Billtos as JSON.")
def billtos_list(as_json: bool) -> None:
    """Every Billto: id, name, parent and whether it is active.

    An assignment on a Billto covers every Billto below it.
    """
    found = list_billtos(current_runtime())
    if as_json:
        print_json(
            [
                {"id": b.id, "name": b.name, "parent_id": b.parent_id, "active": b.active}
                for b in found
            ]
        )
        return
    if not found:
        show_empty("The ATS holds no Billtos.")
        return
    names = {b.id: b.name for b in found}
    table = new_table(["Id", "Name", "Parent", "Active"])
    for billto in found:
        parent = (
            ""
            if billto.parent_id is None
            else billto_text(billto.parent_id, names.get(billto.parent_id))
        )
        table.add_row(str(billto.id), billto.name, parent, "yes" if billto.active else "no")
    show(
        table, f"{len(found):,} Billto(s). An assignment on a Billto covers every Billto below it."
    )
