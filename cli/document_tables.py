"""Invoices and credit memos as tables a finance person reads.

Credit memos show their amounts negative, as an accounts receivable ledger
does, so a column's total is what the listed documents bill less what they
credit. Voided documents are listed but left out of the totals: they bill
nothing. A draft has no number yet: it shows its id, by which it can be shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cli.output import (
    Column,
    add_total_rows,
    billto_text,
    column_widths,
    money_text,
    new_table,
    show,
    totals_by_currency,
)
from services.documents import Document, DocumentLine

VOIDED = "voided"
NO_DATE = "—"


def number_text(document: Document) -> str:
    """The document's number, or ``draft <id>`` for a draft."""
    if document.number is not None:
        return document.number
    return f"draft {document.id}" if document.id is not None else "draft"


def kind_text(document: Document) -> str:
    """``invoice``, or ``credit memo`` with the invoice it credits."""
    if not document.is_credit_memo:
        return "invoice"
    return f"credit memo of {document.credits}" if document.credits else "credit memo"


def signed(document: Document, amount: Decimal) -> Decimal:
    """An amount as the ledger reads it: negative on a credit memo."""
    return -amount if document.is_credit_memo else amount


def lineage_text(line: DocumentLine) -> str:
    """Where a line's amount came from (fee, installment, ATS event); empty on a credit by hand."""
    if line.fee_id is None:
        return ""
    installment = f", installment {line.seq}" if line.seq is not None else ""
    return f"fee {line.fee_id}{installment}; {line.source_type} {line.source_id}"


class DocumentList:
    """Documents printed a page at a time as they stream in: a row each, a row per line.

    Rich takes about a minute to lay out one table of 20,000 invoices; page
    by page, the first rows show at once and memory holds one page. Each
    page's columns are at least as wide as the pages' before, so they line up
    (a later page with wider text widens from there on).
    """

    COLUMNS = (
        Column("Number"), Column("Kind"), Column("Billto"), Column("Date"), Column("Due"),
        Column("Terms"), Column("Status"), Column("Amount", is_amount=True),
        Column("Balance", is_amount=True), Column("Currency"),
    )  # fmt: skip
    LABEL, AMOUNT, BALANCE = 2, 7, 8
    PAGE = 200  # documents per printed table

    def __init__(self) -> None:
        self.table = new_table(self.COLUMNS)
        self.widths = [0] * len(self.COLUMNS)
        self.on_page = 0
        self.amounts: dict[str, Decimal] = defaultdict(Decimal)
        self.balances: dict[str, Decimal] = defaultdict(Decimal)
        self.count = 0
        self.has_drafts = False

    def add(self, document: Document) -> None:
        """One document's row and its lines' rows, after printing the page before if full."""
        if self.on_page == self.PAGE:
            self._print_page()
            self.table = new_table(self.COLUMNS)
            self.table.show_header = False
            self.on_page = 0
        currency = document.currency
        self.table.add_row(
            number_text(document), kind_text(document),
            billto_text(document.billto_id, document.billto_name),
            document.invoice_date.isoformat(),
            document.due_date.isoformat() if document.due_date else NO_DATE,
            document.terms, document.status,
            money_text(signed(document, document.total), currency),
            money_text(signed(document, document.balance), currency), currency,
        )  # fmt: skip
        for line in document.lines:
            self._add_line(document, line)
        self.on_page += 1
        self.count += 1
        self.has_drafts = self.has_drafts or document.is_draft
        if document.status != VOIDED:
            self.amounts[currency] += signed(document, document.total)
            self.balances[currency] += signed(document, document.balance)

    def _add_line(self, document: Document, line: DocumentLine) -> None:
        lineage = lineage_text(line)
        what = f"{line.product_code}: {line.description}" + (f" ({lineage})" if lineage else "")
        cells: list[RenderableType] = [""] * len(self.COLUMNS)
        cells[self.LABEL] = Text("  " + what, style="dim")
        cells[self.AMOUNT] = Text(money_text(signed(document, line.amount), document.currency),
                                  style="dim")  # fmt: skip
        self.table.add_row(*cells)

    def finish(self) -> None:
        """Print the last page with a total row per currency (voided documents left out)."""
        add_total_rows(
            self.table, dict(sorted(self.amounts.items())), label_column=self.LABEL,
            amount_column=self.AMOUNT, more_totals={self.BALANCE: self.balances},
        )  # fmt: skip
        self._print_page()

    def _print_page(self) -> None:
        widths = zip(self.widths, column_widths(self.table), strict=True)
        self.widths = [max(pair) for pair in widths]
        for column, width in zip(self.table.columns, self.widths, strict=True):
            column.min_width = width
        show(self.table)


def document_card(document: Document) -> RenderableType:
    """One document: its header fields, then its lines with the total."""
    header = Table.grid(padding=(0, 2))
    header.add_column(style="bold")
    header.add_column()
    title = "Credit memo" if document.is_credit_memo else "Invoice"
    fields = [
        (title, number_text(document)),
        ("Credits", document.credits),
        ("Billto", billto_text(document.billto_id, document.billto_name)),
        ("Batch", str(document.batch_id) if document.batch_id is not None else None),
        ("Date", document.invoice_date.isoformat()),
        ("Due", _due_text(document)),
        ("Terms", document.terms), ("PO number", document.po_number),
        ("Status", document.status),
        ("Total", f"{money_text(document.total, document.currency)} {document.currency}"),
        ("Balance", f"{money_text(document.balance, document.currency)} {document.currency}"),
        ("Reason", document.memo), ("Void reason", document.void_reason),
    ]  # fmt: skip
    for name, value in fields:
        if value:
            header.add_row(name, value)
    return Group(header, "", _lines_table(document))


def _due_text(document: Document) -> str | None:
    """A draft's due date is set when it is approved; a credit memo has none."""
    if document.due_date is not None:
        return document.due_date.isoformat()
    return "on approval" if document.is_draft and not document.is_credit_memo else None


def _lines_table(document: Document) -> Table:
    table = new_table([Column("#"), Column("Product"), Column("Description"),
                       Column("Quantity", is_amount=True), Column("Rate", is_amount=True),
                       Column("Amount", is_amount=True), Column("From")])  # fmt: skip
    currency = document.currency
    for position, line in enumerate(document.lines, start=1):
        table.add_row(
            str(position), line.product_code, line.description, _quantity(line.quantity),
            money_text(line.rate, currency), money_text(line.amount, currency),
            lineage_text(line),
        )  # fmt: skip
    add_total_rows(table, {currency: document.total}, label_column=2, amount_column=5)
    return table


def _quantity(quantity: Decimal) -> str:
    return format(quantity.normalize(), "f")


class BilltoSummary:
    """Documents counted and summed per Billto and currency: a batch at a glance.

    A run of thousands of documents reads better (and prints in a blink) as
    one row per Billto; ``invoice list --batch`` has every document.
    """

    COLUMNS = (
        Column("Billto"), Column("Currency"), Column("Invoices", is_amount=True),
        Column("Credit memos", is_amount=True), Column("Amount", is_amount=True),
    )  # fmt: skip
    LABEL, AMOUNT = 0, 4

    def __init__(self) -> None:
        self.rows: dict[tuple[int, str], _BilltoRow] = {}

    def add(self, document: Document) -> None:
        """Count the document in its Billto's row."""
        key = (document.billto_id, document.currency)
        row = self.rows.setdefault(key, _BilltoRow(document.billto_name))
        if document.is_credit_memo:
            row.credit_memos += 1
        else:
            row.invoices += 1
        row.amount += signed(document, document.total)

    def finished(self) -> Table:
        """The table, Billtos by name, with a total row per currency."""
        table = new_table(self.COLUMNS)
        ordered = sorted(self.rows.items(), key=lambda item: (item[1].name or "", item[0]))
        for (billto_id, currency), row in ordered:
            table.add_row(
                billto_text(billto_id, row.name), currency, str(row.invoices),
                str(row.credit_memos), money_text(row.amount, currency),
            )  # fmt: skip
        amounts = ((row.amount, currency) for (_id, currency), row in self.rows.items())
        add_total_rows(table, totals_by_currency(amounts), label_column=self.LABEL,
                       amount_column=self.AMOUNT)  # fmt: skip
        return table


@dataclass
class _BilltoRow:
    name: str | None
    invoices: int = 0
    credit_memos: int = 0
    amount: Decimal = Decimal(0)
