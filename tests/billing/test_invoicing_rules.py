"""Invoicing through the services: the worked example, approval, numbering and routing."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ats import tables
from backoffice.errors import FatalError, NeedsUserAction
from billing.invoicing import batches as invoicing
from billing.invoicing.models import Invoice, NumberSequence
from services import batches, catalog, numbering
from tests.billing.invoicing_steps import (
    AS_OF,
    approve,
    batch,
    build,
    every_document,
    list_fees,
    realize,
    show,
    told,
)
from tests.billing.realization_helpers import insert_billto, insert_placement, update_row
from tests.support.product_files import EXAMPLE_CATALOG


@pytest.mark.databases
def test_worked_example_gives_two_net30_invoices(realized, runtime):
    approved = approve(runtime, build(runtime, AS_OF).batch_id)

    assert [
        (i.invoice_date.isoformat(), i.due_date and i.due_date.isoformat(), str(i.total), i.terms)
        for i in approved
    ] == [
        ("2023-07-10", "2023-08-09", "12500.00", "NET30"),
        ("2023-10-08", "2023-11-07", "12500.00", "NET30"),
    ]
    assert [i.number for i in approved] == ["INV-000001", "INV-000002"]
    line = approved[0].lines[0]
    assert (line.source_type, line.source_id, line.fee_id, line.seq) == (
        "placement", 5001, 1, 1,
    )  # fmt: skip
    assert "Jordan Rivera, Senior Engineer" in line.description
    assert "installment 1 of 2" in line.description


def test_installments_are_invoiced_once(realized, runtime):
    first = build(runtime, AS_OF)
    again = build(runtime, AS_OF)

    assert len(first.documents) == 2
    assert (again.batch_id, again.documents, again.warnings) == (None, [], ())


def next_invoice_number(realized):
    with realized.connect() as connection:
        return connection.scalar(
            select(NumberSequence.next_value).where(NumberSequence.name == "invoice")
        )


def test_second_approval_of_a_batch_is_refused_and_uses_no_number(realized, runtime):
    built = build(runtime, AS_OF).batch_id
    approve(runtime, built)

    with pytest.raises(NeedsUserAction) as again:
        batches.approve_batch(runtime, built or 0)

    assert again.value.code == "batch_not_draft"
    assert "not a draft" in told(again.value)
    assert next_invoice_number(realized) == 3


def test_unhealthy_batch_stays_draft_and_uses_no_number(realized, runtime):
    built = build(runtime, AS_OF).batch_id
    assert built is not None
    with realized.begin() as connection:
        connection.execute(
            update(tables.billto).where(tables.billto.c.id == 110).values(email=None)
        )

    with pytest.raises(NeedsUserAction) as refused:
        batches.approve_batch(runtime, built)

    assert "billto.email" in told(refused.value) and "Acme Engineering" in told(refused.value)
    listed = batch(runtime, built)
    assert {i.status for i in listed} == {"draft"}
    assert {i.number for i in listed} == {None}
    with realized.connect() as connection:
        assert set(connection.scalars(select(NumberSequence.next_value))) == {1}


def test_unhealthy_document_is_held_back_and_the_other_billtos_approved(realized, runtime):
    robotics = insert_billto(realized)  # no email to send invoices to
    insert_placement(realized, billto_id=robotics)
    realize(runtime)
    built = build(runtime, AS_OF).batch_id
    assert built is not None

    approved = batches.approve_batch(runtime, built)

    assert [(i.billto_id, i.number) for i in batch(runtime, built)] == [
        (110, "INV-000001"), (110, "INV-000002"),
    ]  # fmt: skip
    assert (approved.approved, approved.held, approved.held_batch_id) == (2, 2, built + 1)
    assert any("Billto 'Acme Robotics' has no email" in issue for issue in approved.issues)
    held = batch(runtime, built + 1)
    assert {(i.billto_id, i.status, i.number) for i in held} == {(robotics, "draft", None)}
    update_row(realized, tables.billto, robotics, email="ap@robotics.example")
    again = approve(runtime, built + 1)
    assert [(i.billto_id, i.number) for i in again] == [
        (robotics, "INV-000003"), (robotics, "INV-000004"),
    ]  # fmt: skip


def test_fees_list_names_the_invoice_of_each_installment(realized, runtime):
    approve(runtime, build(runtime, AS_OF).batch_id)

    (fee,) = list_fees(runtime)

    assert [(i.status, i.invoice_number) for i in fee.installments] == [
        ("invoiced", "INV-000001"),
        ("invoiced", "INV-000002"),
    ]
    shown = show(runtime, "INV-000002")
    assert str(shown.total) == "12500.00" and shown.status == "approved"


def test_approved_batch_cannot_be_discarded(realized, runtime):
    built = build(runtime, AS_OF).batch_id
    approve(runtime, built)

    with pytest.raises(NeedsUserAction) as refused:
        batches.discard_batch(runtime, built or 0)

    assert refused.value.code == "batch_not_draft"
    assert [d.status for d in every_document(runtime)] == ["approved", "approved"]


@pytest.mark.databases
def test_first_invoice_number_is_settable_but_never_backwards(realized, runtime):
    numbering.set_numbering(runtime, prefix="AC-", next_value=101)
    approved = approve(runtime, build(runtime, AS_OF).batch_id)

    assert [i.number for i in approved] == ["AC-000101", "AC-000102"]
    with pytest.raises(NeedsUserAction) as backwards:
        numbering.set_numbering(runtime, next_value=50)
    assert "never reused" in told(backwards.value)


@pytest.mark.databases
def test_approved_invoice_is_immutable_in_the_data_layer(realized, runtime):
    approve(runtime, build(runtime, AS_OF).batch_id)

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
def test_two_approvals_at_once_give_one_set_of_numbers(realized, runtime, runner):
    # Two processes, as two people approving from two terminals.
    built = build(runtime, AS_OF).batch_id
    env = {**os.environ, **runner.env}
    command = [str(Path(sys.executable).parent / "backoffice"), "invoice", "approve", str(built)]
    processes = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE) for _ in range(2)]
    codes = sorted(p.wait(timeout=120) for p in processes)

    assert codes == [0, 1]
    assert [i.number for i in every_document(runtime)] == ["INV-000001", "INV-000002"]


def routed_catalog(folder, bill_to):
    """The example catalog with its first assignment's invoices sent to ``bill_to``."""
    data = yaml.safe_load(EXAMPLE_CATALOG.read_text())
    data["customer_assignments"][0]["bill_to"] = bill_to
    path = folder / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_assignment_can_route_invoices_to_the_company_billto(ats, runtime, tmp_path):
    catalog.import_catalog_file(runtime, routed_catalog(tmp_path, "company"))
    realize(runtime)

    built = build(runtime, AS_OF)

    assert {i.billto_id for i in built.documents} == {100}
    (fee,) = list_fees(runtime)
    assert fee.billto_id == 110  # the fee stays the Billto's own
    assert "bill_to: company" in catalog.export_catalog_text(runtime)


def test_unknown_bill_to_is_refused(ats, runtime, tmp_path):
    with pytest.raises(NeedsUserAction) as refused:
        catalog.import_catalog_file(runtime, routed_catalog(tmp_path, "grandparent"))

    assert "bill_to" in told(refused.value)


@pytest.mark.databases
def test_crash_during_approval_leaves_the_batch_draft_and_no_number_used(
    realized, runtime, monkeypatch
):
    built = build(runtime, AS_OF).batch_id
    assert built is not None
    take_numbers = invoicing.take_numbers

    def crash_after_numbering(session, kind, count):
        take_numbers(session, kind, count)
        raise RuntimeError("power cut")

    monkeypatch.setattr(invoicing, "take_numbers", crash_after_numbering)
    with pytest.raises(RuntimeError, match="power cut"):
        batches.approve_batch(runtime, built)
    monkeypatch.undo()

    assert {(i.status, i.number) for i in batch(runtime, built)} == {("draft", None)}
    assert [i.number for i in approve(runtime, built)] == ["INV-000001", "INV-000002"]
