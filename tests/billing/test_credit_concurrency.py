"""Credits issued by hand at the same time never credit more than is left of the invoice,
and a void at the same time never overwrites the balance a credit just lowered.

Each credit runs the real command in its own process. So that the race is
certain rather than left to scheduling, every process pauses right after it
has read what the invoice's credit memos already credit, until all three have
read it or a short wait is over: without a lock all three decide on the same
amount left; with it, the second and third read only after the first commits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billing.invoicing.models import DocumentKind, Invoice
from tests.billing.realization_helpers import run_json

pytestmark = pytest.mark.databases  # row locks differ between databases

CREDITS_AT_ONCE = 3
PAUSED_AFTER_READING_CREDITS = """
import os, sys, time
from pathlib import Path
from billing.invoicing import corrections
arrivals = Path(sys.argv.pop(1))
expected = int(sys.argv.pop(1))
read_credits = corrections.credits_against

def credits_against_then_pause(session, invoice_id):
    credits = read_credits(session, invoice_id)
    (arrivals / str(os.getpid())).touch()
    deadline = time.monotonic() + 1.5
    while len(list(arrivals.iterdir())) < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return credits

corrections.credits_against = credits_against_then_pause
from cli.main import cli
cli(prog_name="backoffice")
"""


def credited_against(engine, number):
    """What the live credit memos against an invoice credit in all."""
    with engine.connect() as connection:
        credited = select(Invoice.id).where(Invoice.number == number).scalar_subquery()
        return connection.scalar(
            select(func.coalesce(func.sum(Invoice.total), 0)).where(
                Invoice.kind == DocumentKind.CREDIT_MEMO.value,
                Invoice.credits_invoice_id == credited,
                Invoice.status != "voided",
            )
        )


def test_simultaneous_credits_take_only_what_is_left(realized, runner, tmp_path):
    batch = run_json(runner, "invoice", "run", "--through", "2023-07-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))
    run_json(runner, "invoice", "credit", "INV-000001", "--amount", "7337.25",
             "--reason", "rate dispute")  # fmt: skip
    arrivals = tmp_path / "arrivals"
    arrivals.mkdir()
    command = [sys.executable, "-c", PAUSED_AFTER_READING_CREDITS, str(arrivals),
               str(CREDITS_AT_ONCE), "invoice", "credit", "INV-000001", "--amount", "3000",
               "--reason", "goodwill"]  # fmt: skip
    env = {**os.environ, **runner.env}
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    processes = [subprocess.Popen(command, env=env, **pipes) for _ in range(CREDITS_AT_ONCE)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in processes]  # type: ignore[union-attr]

    assert sorted(code for code, _ in results) == [0, 1, 1], results
    for code, stderr in results:
        if code:
            assert "already credit 10337.25" in stderr and "at most 2162.75" in stderr, stderr
            assert "Traceback" not in stderr
    assert credited_against(realized, "INV-000001") == Decimal("10337.25")
    assert run_json(runner, "invoice", "show", "INV-000001")["balance"] == "2162.75"


def test_void_during_a_credit_by_hand_keeps_both_in_the_balance(realized, runner, tmp_path):
    batch = run_json(runner, "invoice", "run", "--through", "2023-07-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))
    run_json(runner, "invoice", "credit", "INV-000001", "--amount", "1000", "--reason", "typo")
    arrivals = tmp_path / "arrivals"
    arrivals.mkdir()
    credit = subprocess.Popen(
        [sys.executable, "-c", PAUSED_AFTER_READING_CREDITS, str(arrivals), "2", "invoice",
         "credit", "INV-000001", "--amount", "500", "--reason", "goodwill"],
        env={**os.environ, **runner.env}, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    while not any(arrivals.iterdir()):  # the credit holds the invoice, paused
        assert credit.poll() is None, credit.stderr.read()  # type: ignore[union-attr]
        time.sleep(0.01)

    voided = runner("invoice", "void", "CM-000001", "--reason", "issued twice")

    assert credit.wait(timeout=60) == 0, credit.stderr.read()  # type: ignore[union-attr]
    assert voided.exit_code == 0, voided.output
    assert credited_against(realized, "INV-000001") == Decimal("500.00")
    assert run_json(runner, "invoice", "show", "INV-000001")["balance"] == "12000.00"


def test_two_voids_at_once_give_the_credit_back_once(realized, runner, tmp_path):
    batch = run_json(runner, "invoice", "run", "--through", "2023-07-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))
    run_json(runner, "invoice", "credit", "INV-000001", "--amount", "1000", "--reason", "typo")
    arrivals = tmp_path / "arrivals"
    arrivals.mkdir()
    command = [sys.executable, "-c", PAUSED_AFTER_READING_CREDITS, str(arrivals), "2",
               "invoice", "void", "CM-000001", "--reason", "issued in error"]  # fmt: skip
    env = {**os.environ, **runner.env}
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    processes = [subprocess.Popen(command, env=env, **pipes) for _ in range(2)]
    results = [(p.wait(timeout=120), p.stdout.read()) for p in processes]  # type: ignore[union-attr]

    assert [code for code, _ in results] == [0, 0], results
    assert sum("CM-000001 was already voided" in stdout for _, stdout in results) == 1, results
    assert run_json(runner, "invoice", "show", "INV-000001")["balance"] == "12500.00"
