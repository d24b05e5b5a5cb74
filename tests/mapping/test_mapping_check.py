"""The accounting mappings in invoicing's health check: what is unmapped stops approval."""

import datetime as dt

import pytest
import responses
from sqlalchemy import insert, select, update

from billing.invoicing.models import Invoice
from mapping.connections import Connection
from mapping.models import MappingRule
from tests.billing.realization_helpers import run_json
from tests.support.connections import NETSUITE_INFO, QBO_INFO


def connect(runner, system, info):
    with responses.RequestsMock() as mock:
        mock.get(f"{info['base_url']}/_sandbox/info", json=info)
        added = runner("connection", "add", "books", "--system", system, "--url", info["base_url"])
    assert added.exit_code == 0, added.output


def add_rules(engine, *rules):
    if not rules:
        return
    with engine.begin() as connection:
        connection_id = connection.scalar(select(Connection.id))
        connection.execute(insert(MappingRule), [
            {"connection_id": connection_id, "field": field, "scope": scope, "scope_key": key,
             "remote_id": remote_id, "remote_name": None, "updated_at": dt.datetime(2026, 1, 1)}
            for field, scope, key, remote_id in rules
        ])  # fmt: skip


def test_unmapped_terms_and_product_stop_approval_until_mapped(realized, runner):
    connect(runner, "qbo-sandbox", QBO_INFO)
    built = run_json(runner, "invoice", "run", "--through", "2023-12-31")
    warned = [w for w in built["warnings"] if "mapping" in w or "mapped" in w]
    assert len(warned) == 2  # terms NET30 and product STD_DH, each once

    refused = runner("invoice", "approve", str(built["batch_id"]))

    assert refused.exit_code == 1
    assert "terms NET30 are not mapped" in refused.stderr
    assert "product STD_DH has no item and no income account" in refused.stderr
    add_rules(realized, ("terms", "terms", "NET30", "3"),
              ("income_account", "connection", "", "79"))  # fmt: skip
    assert runner("invoice", "approve", str(built["batch_id"])).exit_code == 0


@pytest.mark.parametrize(
    ("rules", "missing"),
    [
        ([], {"subsidiary", "currency USD", "terms NET30", "product STD_DH"}),
        ([("subsidiary", "connection", "", "1"), ("currency", "currency", "USD", "1"),
          ("terms", "terms", "NET30", "2"), ("item", "family", "DIRECT_HIRE", "55")], set()),
    ],
)  # fmt: skip
def test_netsuite_needs_a_subsidiary_and_currency_too(realized, runner, rules, missing):
    connect(runner, "netsuite-sandbox", NETSUITE_INFO)
    add_rules(realized, *rules)

    built = run_json(runner, "invoice", "run", "--through", "2023-12-31")

    found = {what for what in missing for w in built["warnings"] if what in w}
    assert found == missing
    assert (runner("invoice", "approve", str(built["batch_id"])).exit_code == 0) == (not missing)


def set_po_numbers(engine, po_number):
    with engine.begin() as connection:
        connection.execute(update(Invoice).values(po_number=po_number))


def test_po_number_quickbooks_cannot_keep_holds_approval_with_the_reason(realized, runner):
    connect(runner, "qbo-sandbox", QBO_INFO)
    add_rules(realized, ("terms", "terms", "NET30", "3"),
              ("income_account", "connection", "", "79"))  # fmt: skip
    built = run_json(runner, "invoice", "run", "--through", "2023-12-31")
    set_po_numbers(realized, "PO-1234567890123")

    refused = runner("invoice", "approve", str(built["batch_id"]))

    assert refused.exit_code == 1
    assert "po_number" in refused.stderr
    assert "PO number 'PO-1234567890123' has 16 characters but QuickBooks keeps at most 15" in (
        refused.stderr
    )
    assert "shorten it in the catalog file's assignment for Billto" in refused.stderr
    set_po_numbers(realized, "PO-123456789012")
    assert runner("invoice", "approve", str(built["batch_id"])).exit_code == 0


def test_netsuite_takes_a_long_po_number(realized, runner):
    connect(runner, "netsuite-sandbox", NETSUITE_INFO)
    add_rules(realized, ("subsidiary", "connection", "", "1"),
              ("currency", "currency", "USD", "1"), ("terms", "terms", "NET30", "2"),
              ("item", "family", "DIRECT_HIRE", "55"))  # fmt: skip
    built = run_json(runner, "invoice", "run", "--through", "2023-12-31")
    set_po_numbers(realized, "PO-1234567890123")

    assert runner("invoice", "approve", str(built["batch_id"])).exit_code == 0
