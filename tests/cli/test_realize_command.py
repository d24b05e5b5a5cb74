"""What ``realize``, ``fees list`` and ``fees blocked`` are to a person and to a program.

The contract's ``--json`` documents (CONTRACT.md section 3), the text of a run
and the exit codes, once each; the realization rules behind them are tested
against the services in ``tests/billing/test_realization_rules.py``. The seed
example runs on SQLite, PostgreSQL and MariaDB: its amounts come back through
each database's decimals into the JSON.
"""

from __future__ import annotations

import pytest

from tests.billing.realization_helpers import (
    assert_rerun_changes_nothing,
    import_catalog,
    list_blocked,
    list_fees,
    realize,
)
from tests.billing.realized_fees import catalog_without_std_dh
from tests.support.product_files import EXAMPLE_CATALOG

SEED = 5001  # the seed example's placement: Billto 110, 100000.00, STD_DH, 50/50 Day 1/Day 90


@pytest.fixture
def uncovered(ats, runner, tmp_path):
    """The CLI on the worked example, its catalog lacking the assignment the seed needs."""
    import_catalog(runner, tmp_path / "catalogs", catalog_without_std_dh())
    return runner


@pytest.mark.databases
def test_seed_example_realizes_the_worked_example_exactly(ats, runner):
    assert runner("catalog", "import", str(EXAMPLE_CATALOG)).exit_code == 0

    summary = realize(runner)

    assert {k: summary[k] for k in ("new", "changed", "cancelled", "blocked", "unchanged")} == {
        "new": 1, "changed": 0, "cancelled": 0, "blocked": 0, "unchanged": 0,
    }  # fmt: skip
    assert list_fees(runner) == [
        {
            "fee_id": 1, "source_type": "placement", "source_id": SEED, "occurrence": None,
            "billto_id": 110, "product_code": "STD_DH", "pay_plan_code": "SPLIT_50_50_D1_D90",
            "currency": "USD", "event_date": "2023-07-10", "amount": "25000.00",
            "status": "active",
            "installments": [
                {"seq": 1, "effective_date": "2023-07-10", "amount": "12500.00",
                 "status": "pending", "invoice_number": None},
                {"seq": 2, "effective_date": "2023-10-08", "amount": "12500.00",
                 "status": "pending", "invoice_number": None},
            ],
        }
    ]  # fmt: skip
    assert list_blocked(runner) == []
    assert_rerun_changes_nothing(runner)


def test_fees_blocked_json_lists_each_event_with_its_reason(uncovered):
    assert realize(uncovered)["blocked"] == 1

    assert list_fees(uncovered) == []
    assert list_blocked(uncovered) == [
        {
            "source_type": "placement", "source_id": SEED, "occurrence": None,
            "billto_id": 110, "product_code": "STD_DH", "event_date": "2023-07-10",
            "reason": "no customer assignment covers Billto 110 'Acme Engineering' for product "
            "STD_DH on 2023-07-10: add one for this Billto (or a Billto above it) to the catalog",
        }
    ]  # fmt: skip


def test_realize_text_counts_the_run_and_points_at_what_is_blocked(uncovered):
    result = uncovered("realize", "--as-of", "2023-12-31")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("Realized fees are up to date") == 1
    assert "(every ATS event was evaluated)" in result.stdout
    assert "1 ATS event(s) are blocked: run `backoffice fees blocked`" in result.stdout


def test_realize_exits_1_on_an_ats_without_its_tables(sqlite_runner):
    assert sqlite_runner("db", "upgrade").exit_code == 0

    result = sqlite_runner("realize", "--as-of", "2023-12-31", "--json")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "ats_placement" in result.stderr
    assert "Traceback" not in result.stderr


def test_realize_exits_2_on_a_date_that_is_not_one(sqlite_runner):
    result = sqlite_runner("realize", "--as-of", "2023-02-30", "--json")

    assert result.exit_code == 2
    assert "--as-of" in result.stderr
    assert result.stdout == ""
