"""The invoicing services, called as every interface calls them (no command line)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.errors import NeedsUserAction
from backoffice.runtime import Runtime
from backoffice.settings import load_settings
from billing.invoicing.models import Invoice
from services import batches, corrections, documents, exports
from services.documents import Document

# The storage layer is not the subject here: SQLite only.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

THROUGH = dt.date(2023, 12, 31)


@pytest.fixture
def runtime(realized, runner) -> Iterator[Runtime]:
    """The service's runtime on the worked example, catalog imported and realized."""
    built = Runtime(load_settings({**os.environ, **runner.env}))
    yield built
    built.dispose()


@pytest.fixture
def approved(runtime) -> Runtime:
    """The worked example's batch 1, approved: INV-000001 and INV-000002."""
    batches.build_batch(runtime, THROUGH)
    batches.approve_batch(runtime, 1)
    return runtime


def test_a_dry_run_passes_each_document_with_its_billto_name_and_writes_nothing(runtime):
    seen: list[tuple[Document, int]] = []

    built = batches.build_batch(
        runtime, THROUGH, dry_run=True, on_document=lambda d, planned: seen.append((d, planned))
    )

    assert (built.batch_id, built.dry_run, built.documents) == (None, True, 2)
    assert [(d.billto_name, d.total, d.id, planned) for d, planned in seen] == [
        ("Acme Engineering", Decimal("12500.00"), None, 2),
        ("Acme Engineering", Decimal("12500.00"), None, 2),
    ]
    with runtime.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Invoice)) == 0


def test_a_built_batch_names_its_drafts_by_id(runtime):
    seen: list[Document] = []

    built = batches.build_batch(runtime, THROUGH, on_document=lambda d, _planned: seen.append(d))

    assert built.batch_id == 1
    assert [(d.id, d.batch_id, d.number, d.status) for d in seen] == [
        (1, 1, None, "draft"), (2, 1, None, "draft"),
    ]  # fmt: skip
    draft = documents.show_document_by_id(runtime, 2)
    assert (draft.invoice_date, draft.due_date, draft.is_draft) == (
        dt.date(2023, 10, 8), None, True,
    )  # fmt: skip


def test_an_unknown_document_id_is_refused_without_naming_a_command(runtime):
    with pytest.raises(NeedsUserAction) as refused:
        documents.show_document_by_id(runtime, 7)

    assert refused.value.code == "draft_not_found"
    assert "backoffice" not in str(refused.value)


def test_approval_says_which_numbers_it_gave(runtime):
    batches.build_batch(runtime, THROUGH)

    approved = batches.approve_batch(runtime, 1)

    assert (approved.approved, approved.held, approved.held_batch_id) == (2, 0, None)
    assert [(n.label, n.count, n.first, n.last) for n in approved.numbers] == [
        ("invoice", 2, "INV-000001", "INV-000002"),
    ]


def test_a_document_keeps_the_contract_json_shape(approved):
    shown = documents.show_document(approved, "INV-000001").as_dict()

    assert list(shown) == [
        "number", "batch_id", "kind", "credits", "billto_id", "currency", "invoice_date",
        "due_date", "terms", "po_number", "status", "total", "balance", "memo", "void_reason",
        "lines",
    ]  # fmt: skip
    assert (shown["due_date"], shown["total"], shown["lines"][0]["quantity"]) == (
        "2023-08-09", "12500.00", "1",
    )  # fmt: skip


def test_a_document_listed_equals_the_document_shown(approved):
    listed = list(documents.iter_documents(approved, batch_id=1))

    assert [d.number for d in listed] == ["INV-000001", "INV-000002"]
    assert listed[0] == documents.show_document(approved, "INV-000001")


def test_voiding_twice_voids_once_and_keeps_the_first_reason(approved):
    first = corrections.void_document(approved, "INV-000002", "sent twice")
    again = corrections.void_document(approved, "INV-000002", "another reason")

    assert (first.installments_returned, first.was_already_voided) == (1, False)
    assert (again.installments_returned, again.reason, again.was_already_voided) == (
        0, "sent twice", True,
    )  # fmt: skip
    assert documents.show_document(approved, "INV-000002").void_reason == "sent twice"


def test_a_credit_returns_the_numbered_memo(approved):
    memo = corrections.issue_credit(approved, "INV-000001", Decimal("500.00"), "typo")

    assert (memo.number, memo.credits, memo.total, memo.is_credit_memo) == (
        "CM-000001", "INV-000001", Decimal("500.00"), True,
    )  # fmt: skip
    assert documents.show_document(approved, "INV-000001").balance == Decimal("12000.00")


def test_a_qbo_export_names_the_customer_and_fits_one_file(approved):
    exported = exports.export(approved, 1, "qbo-csv")

    assert (exported.rows, exported.credit_memos_left_out) == (2, 0)
    (only,) = exported.files
    assert only.documents == 2 and only.text.count("Acme Engineering") == 2


def test_a_discarded_batch_gives_its_installments_to_the_next_build(runtime):
    batches.build_batch(runtime, THROUGH)

    discarded = batches.discard_batch(runtime, 1)
    rebuilt = batches.build_batch(runtime, THROUGH)

    assert (discarded.batch_id, discarded.documents) == (1, 2)
    assert (rebuilt.batch_id, rebuilt.documents) == (2, 2)


def test_a_build_takes_only_installments_dated_through_its_day(runtime):
    seen: list[Document] = []

    built = batches.build_batch(
        runtime, dt.date(2023, 9, 30), on_document=lambda d, _planned: seen.append(d)
    )

    assert built.documents == 1
    assert [d.invoice_date for d in seen] == [dt.date(2023, 7, 10)]


def test_a_draft_batch_is_not_exported_for_quickbooks_and_says_why_without_a_command(runtime):
    batches.build_batch(runtime, THROUGH)

    with pytest.raises(NeedsUserAction) as refused:
        exports.export(runtime, 1, "qbo-csv")

    assert refused.value.code == "batch_not_approved"
    assert "backoffice" not in str(refused.value)
