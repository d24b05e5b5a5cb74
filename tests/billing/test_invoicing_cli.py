"""Invoicing through the CLI: the worked example, dry runs, approval and numbering."""

import json

import pytest
from sqlalchemy import func, select, update

from ats import tables
from billing.invoices import Invoice, NumberSequence


@pytest.fixture
def realized(ats, runner, shared):
    """The worked example, catalog imported and realized."""
    assert runner("catalog", "import", str(shared / "examples" / "catalog.yaml")).exit_code == 0
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    return ats


def run_json(runner, *args):
    result = runner(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


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
        assert connection.scalar(select(NumberSequence.next_value)) == 3


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
        assert connection.scalar(select(func.count()).select_from(NumberSequence)) == 0


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
