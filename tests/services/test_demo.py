import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ats import tables
from backoffice.errors import NeedsUserAction
from billing.invoicing.models import Invoice, InvoiceBatch
from services.demo import write_demo_data
from tests.services.books import load_demo, sqlite_runtime

NOW = dt.datetime(2024, 7, 1, 9, 0)


def _placements(runtime):
    with runtime.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(tables.placement))


def _hold_invoice(runtime, status):
    with runtime.transaction() as session:
        batch = InvoiceBatch(through_date=NOW.date(), status="approved", created_at=NOW)
        session.add(batch)
        session.flush()
        session.add(
            Invoice(
                batch_id=batch.id, number="INV-000001" if status != "draft" else None,
                billto_id=100, currency="USD", invoice_date=NOW.date(), terms_code="NET30",
                status=status, total=Decimal("10.00"), balance=Decimal("10.00"),
            )
        )  # fmt: skip


def test_a_demo_book_is_rewritten_while_only_drafts_were_built_from_it(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        load_demo(runtime, placements=20)
        _hold_invoice(runtime, "draft")

        written = write_demo_data(runtime, placements=30, seed=1)

        assert "30 placements" in (written.description or "")
        assert _placements(runtime) == 30


def test_a_book_with_approved_invoices_is_not_rewritten(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        load_demo(runtime, placements=20)
        _hold_invoice(runtime, "approved")

        with pytest.raises(NeedsUserAction) as refused:
            write_demo_data(runtime, placements=30, seed=1)

        assert refused.value.code == "book_has_invoices"
        assert "1 approved invoice" in refused.value.message
        assert "backoffice" not in refused.value.message + refused.value.action
        assert _placements(runtime) == 20


def test_only_into_empty_writes_a_first_book_and_keeps_an_existing_one(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        first = write_demo_data(runtime, placements=20, seed=1, only_into_empty=True)
        _hold_invoice(runtime, "approved")

        again = write_demo_data(runtime, placements=30, seed=2, only_into_empty=True)

        assert "20 placements" in (first.description or "")
        assert again.description is None and again.catalog is None
        assert _placements(runtime) == 20
