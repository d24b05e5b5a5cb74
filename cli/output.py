"""Text output a finance person can read: tables with headers, money as money.

Every list the command line prints goes through here, so all of them look
alike: a header row, amounts right-aligned with exactly their currency's minor
digits and thousands separators, a total per currency under the rows, and a
plain sentence when there is nothing to show. ``--json`` output never comes
here: it keeps the contract's shapes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

from rich import box
from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
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


def billto_text(billto_id: int, name: str | None) -> str:
    """A Billto by name and id; by id alone when it is no longer in the ATS."""
    return f"{name} ({billto_id})" if name is not None else f"{billto_id} (not in the ATS)"


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
    table: Table,
    totals: dict[str, Decimal],
    *,
    label_column: int,
    amount_column: int,
    more_totals: Mapping[int, Mapping[str, Decimal]] | None = None,
) -> None:
    """One "Total <currency>" row per currency under the rows of ``table``.

    ``more_totals`` gives other amount columns' totals by column index (a
    balance beside a total), in the same currencies.
    """
    width = len(table.columns)
    for position, (currency, total) in enumerate(totals.items()):
        cells = [""] * width
        cells[label_column] = f"Total {currency}"
        cells[amount_column] = money_text(total, currency)
        for column, column_totals in (more_totals or {}).items():
            cells[column] = money_text(column_totals.get(currency, Decimal(0)), currency)
        table.add_row(*cells, end_section=False, style="bold")
        if position == 0:
            table.rows[-2 if len(table.rows) > 1 else -1].end_section = True


MIN_WIDTH = 160  # columns every table may use, even on a narrow terminal or in a pipe
MAX_WIDTH = 1000  # a bound on how wide a table of very long descriptions grows
COLUMN_SPACING = 3  # a column's padding either side and its separator, at most


def show(*renderables: RenderableType) -> None:
    """Print tables or text to standard output, wide enough never to wrap a row.

    Text is printed as it is: a description or reason holding square brackets
    is data, never console markup (which would hide it, or fail on it).
    """
    needed = max((_width_wanted(r) for r in renderables), default=0)
    width = min(max(Console().width, MIN_WIDTH, needed), MAX_WIDTH)
    console = Console(soft_wrap=False, width=width, highlight=False, markup=False)
    for renderable in renderables:
        console.print(renderable)


def _width_wanted(renderable: RenderableType) -> int:
    """How wide ``renderable`` is unwrapped; a table's from its cells' lengths.

    Rich measures a table by rendering every cell, which doubles the time of
    printing a table of thousands of rows; the cells' text lengths plus each
    column's padding and separator bound its width as well.
    """
    if isinstance(renderable, Table):
        return sum(width + COLUMN_SPACING for width in column_widths(renderable))
    return Console(width=MAX_WIDTH, markup=False).measure(renderable).maximum


def column_widths(table: Table) -> list[int]:
    """Each column's widest text, header included (what it takes never to wrap)."""
    return [
        max(cell_len(str(cell)) for cell in chain([column.header], column.cells))
        for column in table.columns
    ]


def show_empty(sentence: str) -> None:
    """Say plainly that there is nothing to list (a blank output reads as a failure)."""
    show(sentence)


def show_on_stderr(sentence: str) -> None:
    """A sentence on standard error: for notes beside data written to standard output."""
    Console(stderr=True, soft_wrap=True, highlight=False, markup=False).print(sentence)


class ProgressBar:
    """A bar on stderr with a count, the time spent and the time left; only on a terminal.

    A log file or a pipe gets no bar, and standard output (where ``--json``
    goes) never does. Until a total is given the bar pulses.
    """

    def __init__(self, description: str, unit: str = "") -> None:
        self.description = description
        self.unit = unit
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> ProgressBar:
        console = Console(stderr=True)
        if console.is_terminal:
            self._bar = Progress(
                SpinnerColumn(), TextColumn(self.description), BarColumn(),
                MofNCompleteColumn(), TextColumn(self.unit), TimeElapsedColumn(),
                TextColumn("left"), TimeRemainingColumn(), console=console, transient=True,
            )  # fmt: skip
            self._task = self._bar.add_task(self.description, total=None)
            self._bar.start()
        return self

    @property
    def is_shown(self) -> bool:
        """Whether a bar is on the screen (stderr is a terminal)."""
        return self._bar is not None

    def advance(self, count: int = 1, *, total: int | None = None) -> None:
        """Count ``count`` more done, out of ``total`` when it is (newly) known."""
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=total, advance=count)

    def __exit__(self, *_exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


@contextmanager
def progress(description: str) -> Iterator[Callable[[int], None]]:
    """A ``ProgressBar`` counting one item a step; ``step(total)`` counts one out of ``total``."""
    with ProgressBar(description) as bar:

        def step(total: int) -> None:
            bar.advance(total=total)

        yield step
