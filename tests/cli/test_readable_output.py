"""What the commands print for a person, and the JSON they keep for programs."""

import json
import re
from decimal import Decimal

import pytest

from ats import tables
from backoffice.storage import create_database_engine
from tests.billing.realization_helpers import update_row

DEMO_AS_OF = "2024-06-30"


@pytest.fixture
def demo(sqlite_runner):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    assert sqlite_runner("demo-data", "--placements", "40").exit_code == 0
    return sqlite_runner


@pytest.fixture
def realized_demo(demo):
    assert demo("realize", "--as-of", DEMO_AS_OF).exit_code == 0
    return demo


def test_db_upgrade_says_it_created_the_schema_then_that_it_is_current(sqlite_runner):
    created = sqlite_runner("db", "upgrade")
    again = sqlite_runner("db", "upgrade")

    assert (created.exit_code, again.exit_code) == (0, 0)
    assert "Created the service's schema" in created.stdout
    assert "already up to date" in again.stdout


def test_a_second_realize_says_how_many_events_are_blocked_after_it(realized_demo):
    blocked = len(json.loads(realized_demo("fees", "blocked", "--json").stdout))

    second = realized_demo("realize", "--as-of", DEMO_AS_OF)

    assert second.exit_code == 0
    assert "0 new" in second.stdout
    assert f"{blocked:,} ATS event(s) are blocked" in second.stdout
    assert "backoffice fees blocked" in second.stdout


def test_realize_prints_its_summary_once(demo):
    result = demo("realize", "--as-of", DEMO_AS_OF)

    assert result.stdout.count("Realized fees are up to date") == 1
    assert "{'new'" not in result.output


def test_realize_json_keeps_the_summary_keys_and_adds_what_is_still_blocked(realized_demo):
    document = json.loads(realized_demo("realize", "--as-of", DEMO_AS_OF, "--json").stdout)

    assert list(document["summary"])[:5] == ["new", "changed", "cancelled", "blocked", "unchanged"]
    assert document["still_blocked"] == len(
        json.loads(realized_demo("fees", "blocked", "--json").stdout)
    )


def test_fees_list_of_an_unknown_billto_says_there_are_none(realized_demo):
    result = realized_demo("fees", "list", "--billto", "999")

    assert result.exit_code == 0
    assert result.stdout.strip() == "No realized fees for Billto 999."


def test_fees_list_shows_billto_names_money_and_totals_per_currency(realized_demo):
    fees = json.loads(realized_demo("fees", "list", "--json").stdout)
    billtos = {
        b["id"]: b["name"] for b in json.loads(realized_demo("billtos", "list", "--json").stdout)
    }

    text = realized_demo("fees", "list").stdout

    first = fees[0]
    assert f"{billtos[first['billto_id']]} ({first['billto_id']})" in text
    assert f"{float(first['amount']):,.2f}" in text
    for currency in {f["currency"] for f in fees}:
        assert f"Total {currency}" in text


def test_fees_blocked_names_each_cause_once_with_its_count_and_fix(realized_demo):
    events = json.loads(realized_demo("fees", "blocked", "--json").stdout)

    text = realized_demo("fees", "blocked").stdout

    assert f"{len(events):,} blocked ATS event(s)" in text
    assert text.count("No customer assignment covers") == 1
    assert text.count("Add one for this Billto") == 1
    assert "--all" in text


def test_fees_blocked_all_lists_every_event(realized_demo):
    events = json.loads(realized_demo("fees", "blocked", "--json").stdout)

    text = realized_demo("fees", "blocked", "--all").stdout

    assert f"{len(events):,} blocked ATS event(s)." in text
    sources = [f"{e['source_type'].replace('_', ' ')} {e['source_id']}" for e in events]
    assert all(source in text for source in sources)


def test_fees_blocked_json_keeps_the_contract_keys(realized_demo):
    (first, *_) = json.loads(realized_demo("fees", "blocked", "--json").stdout)

    assert list(first) == [
        "source_type", "source_id", "occurrence", "billto_id", "product_code", "event_date",
        "reason",
    ]  # fmt: skip


def test_billtos_list_shows_ids_names_parents_and_whether_active(demo):
    billtos = json.loads(demo("billtos", "list", "--json").stdout)
    text = demo("billtos", "list").stdout

    child = next(b for b in billtos if b["parent_id"] is not None)
    parent = next(b for b in billtos if b["id"] == child["parent_id"])
    assert set(child) == {"id", "name", "parent_id", "active"}
    assert f"{parent['name']} ({parent['id']})" in text
    assert "Active" in text and "yes" in text


def test_billtos_list_without_an_ats_says_which_tables_are_missing(sqlite_runner):
    result = sqlite_runner("billtos", "list")

    assert result.exit_code == 1
    assert "ats_billto" in result.stderr


def test_demo_data_refuses_to_rewrite_a_book_with_approved_invoices(realized_demo):
    built = json.loads(realized_demo("invoice", "run", "--through", DEMO_AS_OF, "--json").stdout)
    assert realized_demo("invoice", "approve", str(built["batch_id"])).exit_code == 0
    before = realized_demo("fees", "list", "--json").stdout

    result = realized_demo("demo-data", "--placements", "40")

    assert result.exit_code == 1
    assert "approved invoice" in result.stderr
    assert "BACKOFFICE_DATABASE_URL" in result.stderr
    assert realized_demo("fees", "list", "--json").stdout == before


def test_fees_list_totals_say_they_leave_cancelled_fees_out(realized_demo, sqlite_url):
    fee = next(
        f
        for f in json.loads(realized_demo("fees", "list", "--json").stdout)
        if f["source_type"] == "placement"
    )
    engine = create_database_engine(sqlite_url)
    try:
        update_row(engine, tables.placement, fee["source_id"], status="cancelled")
    finally:
        engine.dispose()
    assert realized_demo("realize", "--as-of", DEMO_AS_OF).exit_code == 0

    text = realized_demo("fees", "list", "--status", "cancelled").stdout

    assert f"placement {fee['source_id']}" in text
    assert "Totals count active fees only." in text


def test_a_long_fee_list_shows_its_first_rows_and_totals_them_all(realized_demo, monkeypatch):
    monkeypatch.setattr("cli.fees.TEXT_ROWS", 2)
    fees = json.loads(realized_demo("fees", "list", "--status", "active", "--json").stdout)
    usd = sum(Decimal(f["amount"]) for f in fees if f["currency"] == "USD")

    text = realized_demo("fees", "list", "--status", "active").stdout

    assert f"Showing the first 2 of {len(fees):,} fees" in text
    assert f"{usd:,.2f}" in text
    fee_rows = re.findall(r"^\d+ +(?:placement|timecard|service fee) \d+", text, re.MULTILINE)
    assert len(fee_rows) == 2
