"""The NetSuite sandbox's request counts and delay fault (CONTRACT.md section 5)."""

from __future__ import annotations

import threading
import time

import pytest

from tests.sandboxes.netsuite_support import RECORDS, NetSuite, make_netsuite
from tests.sandboxes.support import inject_fault, sandbox_stats

CUSTOMERS = "POST /services/rest/record/v1/customer"
READ_CUSTOMER = "GET /services/rest/record/v1/customer/{id}"
CHANGE_CUSTOMER = "PATCH /services/rest/record/v1/customer/{id}"
SUITEQL = "POST /services/rest/query/v1/suiteql"
NOTHING = {"requests": 0, "writes": 0, "throttled": 0, "by_path": {}}


@pytest.fixture
def ns() -> NetSuite:
    return make_netsuite()


def test_a_new_sandbox_has_counted_nothing(ns):
    assert sandbox_stats(ns.client) == NOTHING


def test_counts_requests_writes_and_injected_429s_per_endpoint(ns):
    customer_id = ns.customer()
    ns.get("customer", customer_id)
    changed = ns.call("PATCH", f"{RECORDS}/customer/{customer_id}", {"companyName": "Renamed"})
    assert changed.status_code == 204
    assert ns.query("select id from customer").status_code == 200
    inject_fault(ns.client, kind="429", count=1, method="GET", path="/customer/")
    assert ns.call("GET", f"{RECORDS}/customer/{customer_id}").status_code == 429

    assert sandbox_stats(ns.client) == {
        "requests": 5,
        "writes": 2,
        "throttled": 1,
        "by_path": {CUSTOMERS: 1, READ_CUSTOMER: 2, CHANGE_CUSTOMER: 1, SUITEQL: 1},
    }


def test_a_refused_write_is_not_a_write(ns):
    refused = ns.call("POST", f"{RECORDS}/customer", {"subsidiary": {"id": "999"}})

    assert refused.status_code == 400
    assert sandbox_stats(ns.client)["writes"] == 0
    assert sandbox_stats(ns.client)["requests"] == 1


def test_reset_starts_counting_afresh(ns):
    ns.customer()
    assert ns.client.post("/_sandbox/reset").status_code == 204

    assert sandbox_stats(ns.client) == NOTHING
    ns.customer()
    assert sandbox_stats(ns.client)["by_path"] == {CUSTOMERS: 1}


def test_a_delayed_write_is_visible_before_its_answer_arrives(ns):
    inject_fault(ns.client, kind="delay", seconds=1.0, count=1, method="POST", path="/customer$")
    writer = NetSuite(ns.app, ns.clock)
    answers = []
    started = time.monotonic()
    call = threading.Thread(target=lambda: answers.append(writer.customer("Delayed")))
    call.start()

    rows: list = []
    while not rows and time.monotonic() - started < 5:
        rows = ns.rows("select id from customer")
    answered_when_seen = not call.is_alive() or bool(answers)
    call.join(timeout=10)

    assert len(rows) == 1
    assert not answered_when_seen
    assert answers == [str(rows[0]["id"])]
    assert time.monotonic() - started >= 1.0
    assert sandbox_stats(ns.client)["writes"] == 1


def test_a_held_answer_keeps_its_slot_so_going_over_the_limit_counts_as_throttled():
    ns = make_netsuite(concurrency=1)
    inject_fault(ns.client, kind="delay", seconds=1.0, count=1, method="GET", path="/subsidiary/1$")
    slow = threading.Thread(target=NetSuite(ns.app, ns.clock).get, args=("subsidiary", "1"))
    slow.start()

    statuses: list[int] = []
    started = time.monotonic()
    while 429 not in statuses and time.monotonic() - started < 5:
        statuses.append(ns.call("GET", f"{RECORDS}/currency/1").status_code)
    slow.join(timeout=10)

    assert statuses[-1] == 429
    assert sandbox_stats(ns.client)["throttled"] == 1


@pytest.mark.parametrize("seconds", [None, 0, -0.5, "1", False, 600.5])
def test_a_delay_needs_positive_bounded_seconds(ns, seconds):
    spec = {"kind": "delay", "count": 1} | ({} if seconds is None else {"seconds": seconds})

    response = ns.client.post("/_sandbox/faults", json=spec)

    assert response.status_code == 400
    assert "seconds" in response.get_json()["error"]


def test_a_delay_fault_answers_its_seconds(ns):
    response = ns.client.post("/_sandbox/faults", json={"kind": "delay", "seconds": 2})

    assert response.status_code == 201
    assert response.get_json() == {"kind": "delay", "count": 1, "seconds": 2.0}


def test_clearing_faults_drops_a_pending_delay(ns):
    inject_fault(ns.client, kind="delay", seconds=30, count=1, method="POST", path="/customer$")
    assert ns.client.delete("/_sandbox/faults").status_code == 204
    started = time.monotonic()

    ns.customer()

    assert time.monotonic() - started < 5
