"""Invoicing through the CLI: the worked example, dry runs, approval and numbering."""

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ats import tables
from backoffice.errors import FatalError
from billing.invoicing import batches as invoicing
from billing.invoicing.models import Invoice, NumberSequence
from cli.document_tables import DocumentList
from tests.billing.realization_helpers import (
    insert_billto,
    insert_placement,
    run_json,
    update_row,
)
from tests.support.product_files import EXAMPLE_CATALOG


@pytest.mark.databases
def test_worked_example_gives_two_net30_invoices(realized, runner):
    built = run_json(runner, "invoice", "run", "--through", "2023-12-31")
    approved = run_json(runner, "invoice", "approve", str(built["batch_id"]))

    assert [(i["invoice_date"], i["due_date"], i["total"], i["terms"]) for i in approved] == [
        ("2023-07-10", "2023-08-09", "12500.00", "NET30"),
        ("2023-10-08", "2023-11-07", "12500.00", "NET30"),
    ]
    assert [i["number"] for i in approved] == ["INV-000001", "INV-000002"]
    line = approved[0]["lines"][0]
    assert (line["source_type"], line["source_id"], line["fee_id"], line["seq"]) == (
        "placement", 5001, 1, 1,
    )  # fmt: skip
    assert "Jordan Rivera, Senior Engineer" in line["description"]
    assert "installment 1 of 2" in line["description"]


def test_dry_run_writes_nothing(realized, runner):
    dry = run_json(runner, "invoice", "run", "--through", "2023-12-31", "--dry-run")

    assert dry["batch_id"] is None and dry["dry_run"] is True
    assert [i["total"] for i in dry["invoices"]] == ["12500.00", "12500.00"]
    with realized.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Invoice)) == 0


def test_installments_are_invoiced_once(realized, runner):
    first = run_json(runner, "invoice", "run", "--through", "2023-12-31")
    again = run_json(runner, "invoice", "run", "--through", "2023-12-31")

    assert len(first["invoices"]) == 2
    assert again == {"batch_id": None, "dry_run": False, "invoices": [], "warnings": []}


def test_through_date_bounds_the_batch(realized, runner):
    built = run_json(runner, "invoice", "run", "--through", "2023-09-30")

    assert [i["invoice_date"] for i in built["invoices"]] == ["2023-07-10"]


def test_second_approval_of_a_batch_is_refused_and_uses_no_number(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    assert runner("invoice", "approve", str(batch)).exit_code == 0

    again = runner("invoice", "approve", str(batch))

    assert again.exit_code == 1
    assert "not a draft" in again.stderr
    with realized.connect() as connection:
        assert (
            connection.scalar(
                select(NumberSequence.next_value).where(NumberSequence.name == "invoice")
            )
            == 3
        )


def test_unhealthy_batch_stays_draft_and_uses_no_number(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    with realized.begin() as connection:
        connection.execute(
            update(tables.billto).where(tables.billto.c.id == 110).values(email=None)
        )

    result = runner("invoice", "approve", str(batch))

    assert result.exit_code == 1
    assert "billto.email" in result.stderr and "Acme Engineering" in result.stderr
    listed = run_json(runner, "invoice", "list", "--batch", str(batch))
    assert {i["status"] for i in listed} == {"draft"}
    assert {i["number"] for i in listed} == {None}
    with realized.connect() as connection:
        assert set(connection.scalars(select(NumberSequence.next_value))) == {1}


def test_unhealthy_document_is_held_back_and_the_other_billtos_approved(realized, runner):
    robotics = insert_billto(realized)  # no email to send invoices to
    insert_placement(realized, billto_id=robotics)
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]

    result = runner("invoice", "approve", str(batch), "--json")

    assert result.exit_code == 1
    approved = json.loads(result.stdout)
    assert [(i["billto_id"], i["number"]) for i in approved] == [
        (110, "INV-000001"), (110, "INV-000002"),
    ]  # fmt: skip
    held_batch = batch + 1
    assert f"held back, still drafts, in batch {held_batch}" in result.stderr
    assert "Billto 'Acme Robotics' has no email" in result.stderr
    assert f"backoffice invoice approve {held_batch}" in result.stderr
    held = run_json(runner, "invoice", "list", "--batch", str(held_batch))
    assert {(i["billto_id"], i["status"], i["number"]) for i in held} == {(robotics, "draft", None)}
    update_row(realized, tables.billto, robotics, email="ap@robotics.example")
    again = run_json(runner, "invoice", "approve", str(held_batch))
    assert [(i["billto_id"], i["number"]) for i in again] == [
        (robotics, "INV-000003"), (robotics, "INV-000004"),
    ]  # fmt: skip


def test_fees_list_names_the_invoice_of_each_installment(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))

    (fee,) = run_json(runner, "fees", "list")

    assert [(i["status"], i["invoice_number"]) for i in fee["installments"]] == [
        ("invoiced", "INV-000001"),
        ("invoiced", "INV-000002"),
    ]
    shown = run_json(runner, "invoice", "show", "INV-000002")
    assert shown["total"] == "12500.00" and shown["status"] == "approved"


def test_discarded_batch_returns_its_installments_to_a_later_run(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]

    assert runner("invoice", "discard", str(batch)).exit_code == 0

    rebuilt = run_json(runner, "invoice", "run", "--through", "2023-12-31")
    assert len(rebuilt["invoices"]) == 2 and rebuilt["batch_id"] != batch


def test_approved_batch_cannot_be_discarded(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))

    result = runner("invoice", "discard", str(batch))

    assert result.exit_code == 1
    assert "credit memo" in result.stderr


@pytest.mark.databases
def test_first_invoice_number_is_settable_but_never_backwards(realized, runner):
    assert runner("invoice", "numbering", "--prefix", "AC-", "--next", "101").exit_code == 0
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    approved = run_json(runner, "invoice", "approve", str(batch))

    assert [i["number"] for i in approved] == ["AC-000101", "AC-000102"]
    backwards = runner("invoice", "numbering", "--next", "50")
    assert backwards.exit_code == 1 and "never reused" in backwards.stderr


@pytest.mark.databases
def test_approved_invoice_is_immutable_in_the_data_layer(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))

    with Session(realized) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.number == "INV-000001")).one()
        invoice.total = Decimal("1.00")
        with pytest.raises(FatalError, match="credit memo"):
            session.flush()
        session.rollback()
        invoice = session.scalars(select(Invoice).where(Invoice.number == "INV-000001")).one()
        invoice.lines[0].amount = Decimal("1.00")
        with pytest.raises(FatalError):
            session.flush()
        session.rollback()
        invoice = session.scalars(select(Invoice).where(Invoice.number == "INV-000001")).one()
        session.delete(invoice)
        with pytest.raises(FatalError):
            session.flush()


@pytest.mark.databases
def test_two_approvals_at_once_give_one_set_of_numbers(realized, runner, database_url):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    env = {**os.environ, **runner.env}
    command = [str(Path(sys.executable).parent / "backoffice"), "invoice", "approve", str(batch)]
    processes = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE) for _ in range(2)]
    codes = sorted(p.wait(timeout=120) for p in processes)

    assert codes == [0, 1]
    numbers = [i["number"] for i in run_json(runner, "invoice", "list")]
    assert numbers == ["INV-000001", "INV-000002"]


def test_assignment_can_route_invoices_to_the_company_billto(ats, runner, shared, tmp_path):
    catalog = yaml.safe_load(EXAMPLE_CATALOG.read_text())
    catalog["customer_assignments"][0]["bill_to"] = "company"
    routed = tmp_path / "catalog.yaml"
    routed.write_text(yaml.safe_dump(catalog))
    assert runner("catalog", "import", str(routed)).exit_code == 0
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0

    built = run_json(runner, "invoice", "run", "--through", "2023-12-31")

    assert {i["billto_id"] for i in built["invoices"]} == {100}
    (fee,) = run_json(runner, "fees", "list")
    assert fee["billto_id"] == 110  # the fee stays the Billto's own
    assert "bill_to: company" in runner("catalog", "export").stdout


def test_unknown_bill_to_is_refused(ats, runner, shared, tmp_path):
    catalog = yaml.safe_load(EXAMPLE_CATALOG.read_text())
    catalog["customer_assignments"][0]["bill_to"] = "grandparent"
    broken = tmp_path / "catalog.yaml"
    broken.write_text(yaml.safe_dump(catalog))

    result = runner("catalog", "import", str(broken))

    assert result.exit_code == 1
    assert "bill_to" in result.stderr


@pytest.mark.databases
def test_crash_during_approval_leaves_the_batch_draft_and_no_number_used(
    realized, runner, monkeypatch
):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    take_numbers = invoicing.take_numbers

    def crash_after_numbering(session, kind, count):
        take_numbers(session, kind, count)
        raise RuntimeError("power cut")

    monkeypatch.setattr(invoicing, "take_numbers", crash_after_numbering)
    assert runner("invoice", "approve", str(batch)).exit_code != 0
    monkeypatch.undo()

    listed = run_json(runner, "invoice", "list", "--batch", str(batch))
    assert {(i["status"], i["number"]) for i in listed} == {("draft", None)}
    approved = run_json(runner, "invoice", "approve", str(batch))
    assert [i["number"] for i in approved] == ["INV-000001", "INV-000002"]


# Text output: the storage layer is not the subject, SQLite only.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@sqlite_only
def test_run_sums_each_billto_by_name_in_the_currency_digits(realized, runner):
    result = runner("invoice", "run", "--through", "2023-12-31")

    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["Acme", "Engineering", "(110)", "USD", "2", "0", "25,000.00"] in rows
    assert ["Total", "USD", "25,000.00"] in rows
    assert "25000.0000" not in result.stdout and "None" not in result.stdout
    assert "Built draft batch 1 with 2 document(s) through 2023-12-31." in result.stdout


@sqlite_only
def test_list_shows_each_document_with_its_lines_and_lineage(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))

    listed = runner("invoice", "list").stdout

    rows = [line.split() for line in listed.splitlines()]
    assert [row[0] for row in rows if row and row[0].startswith("INV-")] == [
        "INV-000001", "INV-000002",
    ]  # fmt: skip
    assert "STD_DH: Placement fee" in listed
    assert "(fee 1, installment 2; placement 5001)" in listed
    assert "2023-08-09" in listed and "Total USD" in listed


@sqlite_only
def test_credit_memos_count_against_the_total_and_voided_documents_not_at_all(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))
    run_json(runner, "invoice", "credit", "INV-000001", "--amount", "500", "--reason", "typo")
    assert runner("invoice", "void", "INV-000002", "--reason", "sent twice").exit_code == 0

    listed = runner("invoice", "list").stdout

    assert "-500.00" in listed
    total_row = next(line for line in listed.splitlines() if "Total USD" in line)
    assert total_row.split()[-2:] == ["12,000.00", "12,000.00"]


@sqlite_only
def test_an_empty_list_says_so(realized, runner):
    result = runner("invoice", "list", "--batch", "9")

    assert result.exit_code == 0
    assert result.stdout.strip() == "There are no invoices or credit memos in batch 9."


@sqlite_only
def test_a_draft_is_shown_by_the_id_the_list_gives_it(realized, runner):
    run_json(runner, "invoice", "run", "--through", "2023-12-31")
    assert "draft 2" in runner("invoice", "list").stdout

    shown = runner("invoice", "show", "--draft", "2")
    as_json = run_json(runner, "invoice", "show", "--draft", "2", "--json")

    assert shown.exit_code == 0, shown.output
    assert "Acme Engineering (110)" in shown.stdout and "on approval" in shown.stdout
    assert "installment 2 of 2" in shown.stdout
    assert (as_json["number"], as_json["status"], as_json["due_date"]) == (None, "draft", None)


@sqlite_only
def test_show_needs_a_number_or_a_draft_id_but_not_both(realized, runner):
    assert runner("invoice", "show").exit_code == 2
    assert runner("invoice", "show", "INV-000001", "--draft", "1").exit_code == 2
    unknown = runner("invoice", "show", "--draft", "9")
    assert unknown.exit_code == 1 and "backoffice invoice list" in unknown.stderr


@sqlite_only
def test_approval_says_which_numbers_it_gave(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]

    result = runner("invoice", "approve", str(batch))

    assert "Approved batch 1: 2 document(s)." in result.stdout
    assert "invoices       2   INV-000001   INV-000002" in result.stdout


@sqlite_only
def test_a_long_list_prints_page_by_page_under_one_header(realized, runner, monkeypatch):
    monkeypatch.setattr(DocumentList, "PAGE", 1)
    run_json(runner, "invoice", "run", "--through", "2023-12-31")

    listed = runner("invoice", "list").stdout.splitlines()

    heads = [line.split()[0] for line in listed if line.startswith(("Number", "draft"))]
    assert heads == ["Number", "draft", "draft"]
    totals = [line.split() for line in listed if "Total USD" in line]
    assert totals == [["Total", "USD", "25,000.00", "25,000.00"]]
