"""Text output a finance person can read: tables with headers, money as money.

Every list the command line prints goes through here, so all of them look
alike: a header row, amounts right-aligned with exactly their currency's minor
digits and thousands separators, a total per currency under the rows, and a
plain sentence when there is nothing to show. ``--json`` output never comes
here: it keeps the contract's shapes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rich import box
from rich.console import Console
from rich.table import Table

from billing.money import minor_unit, quantize


@dataclass(frozen=True)
class Column:
    """A table column: its header, and whether its cells are amounts (right-aligned)."""

    header: str
    is_amount: bool = False


def money_text(amount: Decimal | str, currency: str) -> str:
    """``12,500.00`` for USD, ``1,250,000`` for JPY: the currency's minor digits exactly."""
    digits = minor_unit(currency)
    return f"{quantize(Decimal(amount), currency):,.{digits}f}"


def new_table(columns: Sequence[Column | str], title: str | None = None) -> Table:
    """An empty table with a header row; amount columns are right-aligned."""
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False
    )
    for column in columns:
        spec = column if isinstance(column, Column) else Column(column)
        table.add_column(spec.header, justify="right" if spec.is_amount else "left")
    return table


def totals_by_currency(amounts: Iterable[tuple[Decimal | str, str]]) -> dict[str, Decimal]:
    """The sum of ``(amount, currency)`` pairs per currency, in currency order."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for amount, currency in amounts:
        totals[currency] += Decimal(amount)
    return dict(sorted(totals.items()))


def add_total_rows(
    table: Table, totals: dict[str, Decimal], *, label_column: int, amount_column: int
) -> None:
    """One "Total <currency>" row per currency under the rows of ``table``."""
    width = len(table.columns)
    for position, (currency, total) in enumerate(totals.items()):
        cells = [""] * width
        cells[label_column] = f"Total {currency}"
        cells[amount_column] = money_text(total, currency)
        table.add_row(*cells, end_section=False, style="bold")
        if position == 0:
            table.rows[-2 if len(table.rows) > 1 else -1].end_section = True


def show(*renderables: object) -> None:
    """Print tables or text to standard output, wide enough never to wrap a row."""
    console = Console(soft_wrap=False, width=max(Console().width, 160), highlight=False)
    for renderable in renderables:
        console.print(renderable)


def show_empty(sentence: str) -> None:
    """Say plainly that there is nothing to list (a blank output reads as a failure)."""
    show(sentence)
