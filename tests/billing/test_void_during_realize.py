"""A void while ``realize`` runs is not lost when the run clears the rechecks it did (item 1)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from backoffice.locks import RunLock
from backoffice.storage import create_database_engine, make_session_factory
from billing.fees import FeeRecheck
from billing.invoicing.corrections import void_document
from tests.billing.realization_helpers import realize, run_json

pytestmark = pytest.mark.databases  # what a concurrent transaction sees differs between databases


def void_with_own_engine(service: Engine, number: str) -> None:
    """``invoice void`` as another process would run it, on an engine of its own."""
    engine = create_database_engine(service.url.render_as_string(hide_password=False))
    try:
        with make_session_factory(engine).begin() as session:
            void_document(session, number, "sent twice", now=dt.datetime(2024, 1, 5))
    finally:
        engine.dispose()


def test_a_void_during_realize_stays_queued_for_the_next_run(realized, runner, monkeypatch):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))  # fee 1: INV-000001 and INV-000002
    assert runner("invoice", "void", "INV-000001", "--reason", "wrong rate").exit_code == 0
    heartbeat = RunLock.heartbeat
    voided: list[str] = []

    def heartbeat_then_void(lock: RunLock) -> None:
        heartbeat(lock)
        if not voided:  # after the run's first page, fee 1's recheck among them
            void_with_own_engine(realized, "INV-000002")
            voided.append("INV-000002")

    monkeypatch.setattr(RunLock, "heartbeat", heartbeat_then_void)
    realize(runner)

    assert voided
    with realized.connect() as connection:
        queued = list(connection.execute(select(FeeRecheck.fee_id, FeeRecheck.reason)))
    assert queued == [(1, "INV-000002 was voided")]
