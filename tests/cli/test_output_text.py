"""The text output helpers every list of the command line goes through."""

from __future__ import annotations

from decimal import Decimal

from cli.output import Column, add_total_rows, new_table, progress, show


def test_text_with_square_brackets_is_printed_as_data_not_markup(capsys):
    table = new_table([Column("Reason")])
    table.add_row("[/oops] credited [bold]twice[/bold]")

    show("void reason: [draft]", table)

    printed = capsys.readouterr().out
    assert "void reason: [draft]" in printed
    assert "[/oops] credited [bold]twice[/bold]" in printed


def test_a_row_longer_than_the_terminal_is_not_wrapped(capsys):
    table = new_table([Column("Description"), Column("Amount", is_amount=True)])
    table.add_row("x" * 300, "1.00")

    show(table)

    assert any(
        ("x" * 300) in line and "1.00" in line for line in capsys.readouterr().out.split("\n")
    )


def test_total_rows_can_total_several_amount_columns(capsys):
    table = new_table([Column("Billto"), Column("Total", is_amount=True),
                       Column("Balance", is_amount=True)])  # fmt: skip
    table.add_row("Acme", "12,500.00", "2,000.00")

    add_total_rows(table, {"USD": Decimal("12500")}, label_column=0, amount_column=1,
                   more_totals={2: {"USD": Decimal("2000")}})  # fmt: skip
    show(table)

    total_row = next(line for line in capsys.readouterr().out.splitlines() if "Total USD" in line)
    assert total_row.split() == ["Total", "USD", "12,500.00", "2,000.00"]


def test_progress_off_a_terminal_writes_nothing(capsys):
    with progress("Building invoices") as step:
        for _ in range(3):
            step(3)

    assert capsys.readouterr() == ("", "")
