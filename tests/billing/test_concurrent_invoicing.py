"""Two ``invoice run`` at once, and number sequences used for the first time at once (item 3).

The loser of two runs says a batch is being built (or was just built) and
exits 1 having written nothing; two first uses of a number sequence take
consecutive numbers instead of failing on the sequence's key.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from backoffice.errors import NeedsUserAction
from backoffice.locks import RunLock
from backoffice.storage import make_session_factory
from billing.invoicing.batches import BatchWriter
from billing.invoicing.drafts import BatchPlan
from billing.invoicing.models import DocumentKind, InstallmentClaim, Invoice, InvoiceBatch
from billing.invoicing.numbering import take_numbers
from tests.billing.realization_helpers import run_json

pytestmark = pytest.mark.databases  # locks and unique keys under concurrency differ by database

BACKOFFICE = str(Path(sys.executable).parent / "backoffice")
THROUGH = "2024-12-31"
ROUNDS = 2
HOLD_SECONDS = 0.5  # how long the first transaction keeps the sequence once the second asks


def count(engine: Engine, model: object) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model)) or 0  # type: ignore[arg-type]


def test_invoice_run_while_a_batch_is_being_built_says_so_and_writes_nothing(realized, runner):
    building = RunLock(realized, "invoice run")
    assert building.try_acquire() is None

    refused = runner("invoice", "run", "--through", "2023-12-31")

    assert refused.exit_code == 1
    assert "A draft batch is being built by another" in refused.stderr
    assert "Traceback" not in refused.output
    assert count(realized, Invoice) == count(realized, InvoiceBatch) == 0
    building.release()
    assert run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"] == 1


def test_a_batch_built_while_this_one_was_planned_is_named_not_a_traceback(realized, runner):
    with (
        pytest.raises(NeedsUserAction) as refused,
        make_session_factory(realized).begin() as session,
    ):
        documents = list(BatchPlan(session, dt.date(2023, 12, 31)).documents())
        assert run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"] == 1
        writer = BatchWriter(session, dt.date(2023, 12, 31), now=dt.datetime(2024, 1, 2))
        list(writer.write(documents))

    assert refused.value.code == "batch_just_built"
    assert count(realized, InvoiceBatch) == 1


def spawn_invoice_run(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [BACKOFFICE, "invoice", "run", "--through", THROUGH],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_invoice_runs_at_once_build_one_batch_and_the_other_says_why(db, runner):
    assert runner("demo-data", "--placements", "40", "--seed", "5").exit_code == 0
    assert runner("realize", "--as-of", "2024-06-30").exit_code == 0

    for _ in range(ROUNDS):
        processes = [spawn_invoice_run(runner.env) for _ in range(2)]
        results = [(*p.communicate(timeout=120), p.returncode) for p in processes]

        built = [r for r in results if r[2] == 0 and "Built draft batch" in r[0]]
        assert len(built) == 1, results
        ((out, err, code),) = [r for r in results if r is not built[0]]
        assert "Traceback" not in err, err
        if code:
            assert code == 1 and "A draft batch is being built by another" in err, err
        else:
            assert "Nothing is pending" in out, out
        with db.connect() as connection:
            batches = list(connection.scalars(select(InvoiceBatch.id)
                                              .where(InvoiceBatch.status == "draft")))  # fmt: skip
        assert len(batches) == 1
        assert count(db, InstallmentClaim) > 0
        assert runner("invoice", "discard", str(batches[0])).exit_code == 0


def take_one_number(engine: Engine) -> list[str]:
    with make_session_factory(engine).begin() as session:
        return take_numbers(session, DocumentKind.CREDIT_MEMO, 1)


def test_first_uses_of_a_sequence_at_once_take_consecutive_numbers(db, database_url, make_engine):
    other_engine = make_engine(database_url)

    with ThreadPoolExecutor(1) as other_thread:
        with make_session_factory(db).begin() as first:
            taken = take_numbers(first, DocumentKind.CREDIT_MEMO, 1)
            second = other_thread.submit(take_one_number, other_engine)
            time.sleep(HOLD_SECONDS)  # the second now waits for the sequence the first holds
        taken += second.result(timeout=60)

    assert taken == ["CM-000001", "CM-000002"]
