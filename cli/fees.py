"""``backoffice fees``: realized fees, and the ATS events that cannot be realized."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cli.output import (
    Column,
    add_total_rows,
    billto_text,
    money_text,
    new_table,
    show,
    show_empty,
    totals_by_currency,
)
from cli.support import current_runtime, print_json
from services.billtos import billto_names
from services.fees import (
    BlockedCause,
    BlockedView,
    FeeView,
    InstallmentView,
    blocked_by_cause,
    list_blocked,
    list_fees,
)

if TYPE_CHECKING:
    from backoffice.runtime import Runtime

BILLTOS_SHOWN = 3  # Billtos named per cause before "and N more"
# Rows of a text list: a terminal table of tens of thousands of rows takes minutes to
# lay out and nobody reads it; --json (or a narrower list) gives every row.
TEXT_ROWS = 500


@click.group()
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
    found = list_fees(runtime, billto_id=billto, status=status, limit=limit)
    if as_json:
        print_json([fee_json(fee) for fee in found])
        return
    if not found:
        show_empty(_nothing_found(billto, status))
        return
    shown = found[:TEXT_ROWS]
    names = billto_names(runtime, {fee.billto_id for fee in shown})
    show(_fees_table(shown, names, totals_of=found))
    if len(found) > len(shown):
        click.echo(
            f"Showing the first {len(shown):,} of {len(found):,} fees; the totals count them all. "
            "Narrow the list with --billto or --status, or use --json for every fee."
        )
    if any(fee.status != "active" for fee in found):
        click.echo("Totals count active fees only.")


def _nothing_found(billto: int | None, status: str | None) -> str:
    kind = f"{status} realized fees" if status else "realized fees"
    where = f" for Billto {billto}" if billto is not None else ""
    return f"No {kind}{where}."


def _fees_table(found: list[FeeView], names: dict[int, str], *, totals_of: list[FeeView]) -> Any:
    table = new_table(
        ["Fee", "Source", "Billto", "Product", "Date", Column("Amount", is_amount=True),
         "Currency", "Status", "Invoice"]
    )  # fmt: skip
    for fee in found:
        table.add_row(
            str(fee.fee_id), _source(fee), billto_text(fee.billto_id, names.get(fee.billto_id)),
            fee.product_code, fee.event_date.isoformat(), money_text(fee.amount, fee.currency),
            fee.currency, fee.status, "",
        )  # fmt: skip
        for part in fee.installments:
            table.add_row(*_installment_cells(part, len(fee.installments), fee.currency))
    active = [(fee.amount, fee.currency) for fee in totals_of if fee.status == "active"]
    add_total_rows(table, totals_by_currency(active), label_column=3, amount_column=5)
    return table


def _installment_cells(part: InstallmentView, parts: int, currency: str) -> list[str]:
    return [
        "", f"  installment {part.seq} of {parts}", "", "", part.effective_date.isoformat(),
        money_text(part.amount, currency), currency, part.status, part.invoice_number or "",
    ]  # fmt: skip


def _source(fee: FeeView) -> str:
    source = f"{fee.source_type.replace('_', ' ')} {fee.source_id}"
    return f"{source} ({fee.occurrence.isoformat()})" if fee.occurrence else source


def fee_json(fee: FeeView) -> dict[str, Any]:
    """One fee in the contract's ``fees list --json`` shape."""
    return {
        "fee_id": fee.fee_id,
        "source_type": fee.source_type,
        "source_id": fee.source_id,
        "occurrence": fee.occurrence.isoformat() if fee.occurrence else None,
        "billto_id": fee.billto_id,
        "product_code": fee.product_code,
        "pay_plan_code": fee.pay_plan_code,
        "currency": fee.currency,
        "event_date": fee.event_date.isoformat(),
        "amount": str(fee.amount),
        "status": fee.status,
        "installments": [
            {
                "seq": part.seq,
                "effective_date": part.effective_date.isoformat(),
                "amount": str(part.amount),
                "status": part.status,
                "invoice_number": part.invoice_number,
            }
            for part in fee.installments
        ],
    }


@fees.command("blocked")
@click.option("--all", "show_all", is_flag=True, help="List every blocked event with its reason.")
@click.option("--json", "as_json", is_flag=True, help="Print every blocked event as JSON.")
def fees_blocked(show_all: bool, as_json: bool) -> None:
    """ATS events that cannot be realized, grouped by cause with what to do.

    With --all (or --json), every event with its own reason.
    """
    runtime = current_runtime().require_current_schema()
    if as_json:
        print_json([blocked_json(event) for event in list_blocked(runtime)])
        return
    if show_all:
        _show_events(runtime, list_blocked(runtime))
        return
    causes = blocked_by_cause(runtime)
    if not causes:
        show_empty("No ATS event is blocked.")
        return
    show(_causes_table(causes))
    click.echo(
        "Catalog fixes (assignments, products, pay plans) go in the catalog file: "
        "`backoffice catalog export`, edit, `backoffice catalog import`; "
        "`backoffice billtos list` gives the Billto ids."
    )
    click.echo("Then run `backoffice realize`. `backoffice fees blocked --all` lists every event.")


def _causes_table(causes: list[BlockedCause]) -> Any:
    total = sum(cause.count for cause in causes)
    title = f"{total:,} blocked ATS event(s), {len(causes)} cause(s)"
    table = new_table([Column("Events", is_amount=True), "Cause", "What to do", "Billtos"], title)
    for cause in causes:
        table.add_row(f"{cause.count:,}", cause.cause, cause.fix or "-", _billto_spread(cause))
    return table


def _billto_spread(cause: BlockedCause) -> str:
    shown = [
        f"{billto_text(b.billto_id, b.name)}: {b.events:,}" for b in cause.billtos[:BILLTOS_SHOWN]
    ]
    rest = len(cause.billtos) - BILLTOS_SHOWN
    return "; ".join(shown) + (f"; and {rest} more" if rest > 0 else "")


def _show_events(runtime: Runtime, events: list[BlockedView]) -> None:
    if not events:
        show_empty("No ATS event is blocked.")
        return
    shown = events[:TEXT_ROWS]
    names = billto_names(runtime, {e.billto_id for e in shown})
    table = new_table(["Source", "Date", "Billto", "Product", "Reason"])
    for event in shown:
        source = f"{event.source_type.replace('_', ' ')} {event.source_id}"
        if event.occurrence:
            source += f" ({event.occurrence.isoformat()})"
        table.add_row(
            source, event.event_date.isoformat() if event.event_date else "no valid date",
            billto_text(event.billto_id, names.get(event.billto_id)), event.product_code or "",
            event.reason,
        )  # fmt: skip
    show(table, f"{len(events):,} blocked ATS event(s).")
    if len(events) > len(shown):
        click.echo(f"Showing the first {len(shown):,}; use --json for every event.")


def blocked_json(event: BlockedView) -> dict[str, Any]:
    """One blocked event in the contract's ``fees blocked --json`` shape."""
    return {
        "source_type": event.source_type,
        "source_id": event.source_id,
        "occurrence": event.occurrence.isoformat() if event.occurrence else None,
        "billto_id": event.billto_id,
        "product_code": event.product_code,
        "event_date": event.event_date.isoformat() if event.event_date else None,
        "reason": event.reason,
    }
