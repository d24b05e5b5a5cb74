"""The accounting mappings in invoicing's health check: what is unmapped stops approval."""

import datetime as dt

import pytest
import responses
from sqlalchemy import insert, select

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
