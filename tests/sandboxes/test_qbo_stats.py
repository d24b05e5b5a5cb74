"""The QBO sandbox's request counts and delay fault (CONTRACT.md section 5)."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from sandboxes.qbo import create_app
from tests.sandboxes.qbo_support import Qbo, make_qbo
from tests.sandboxes.support import inject_fault, live_server, sandbox_stats

CUSTOMERS = "POST /v3/company/{realm}/customer"
ONE_CUSTOMER = "GET /v3/company/{realm}/customer/{id}"
QUERY = "POST /v3/company/{realm}/query"


@pytest.fixture
def qbo() -> Qbo:
    return make_qbo()


def test_a_new_sandbox_has_counted_nothing(qbo):
    assert sandbox_stats(qbo.client) == {"requests": 0, "writes": 0, "throttled": 0, "by_path": {}}


def test_counts_requests_writes_and_injected_429s_per_endpoint(qbo):
    customer = qbo.customer()
    assert qbo.get(f"customer/{customer['Id']}").status_code == 200
    assert qbo.query("select * from Customer").status_code == 200
    inject_fault(qbo.client, kind="429", count=1, method="GET", path="/customer/")
    assert qbo.get(f"customer/{customer['Id']}").status_code == 429

    assert sandbox_stats(qbo.client) == {
        "requests": 4,
        "writes": 1,
        "throttled": 1,
        "by_path": {CUSTOMERS: 1, ONE_CUSTOMER: 2, QUERY: 1},
    }


def test_a_refused_write_is_not_a_write(qbo):
    assert qbo.post("customer", {"DisplayName": ""}).status_code == 400

    assert sandbox_stats(qbo.client)["writes"] == 0
    assert sandbox_stats(qbo.client)["requests"] == 1


def test_going_over_the_per_minute_limit_counts_as_throttled():
    qbo = make_qbo(per_minute=1)
    qbo.customer()

    assert qbo.query("select * from Customer").status_code == 429
    assert sandbox_stats(qbo.client)["throttled"] == 1
    assert sandbox_stats(qbo.client)["requests"] == 2


def test_reset_starts_counting_afresh(qbo):
    qbo.customer()
    assert qbo.client.post("/_sandbox/reset").status_code == 204

    assert sandbox_stats(qbo.client) == {"requests": 0, "writes": 0, "throttled": 0, "by_path": {}}
    qbo.customer()
    assert sandbox_stats(qbo.client)["by_path"] == {CUSTOMERS: 1}


def test_a_delayed_write_is_visible_before_its_answer_arrives(qbo):
    inject_fault(qbo.client, kind="delay", seconds=1.0, count=1, method="POST", path="/customer")
    writer = Qbo(qbo.app)
    answers = []
    started = time.monotonic()
    call = threading.Thread(target=lambda: answers.append(writer.customer("Delayed")))
    call.start()

    rows: list = []
    while not rows and time.monotonic() - started < 5:
        found = qbo.query("select * from Customer").get_json()["QueryResponse"]
        rows = found.get("Customer", [])
    answered_when_seen = not call.is_alive() or bool(answers)
    call.join(timeout=10)

    assert [row["DisplayName"] for row in rows] == ["Delayed"]
    assert not answered_when_seen
    assert answers[0]["DisplayName"] == "Delayed"
    assert time.monotonic() - started >= 1.0


@pytest.mark.parametrize("seconds", [None, 0, -1, "2", True, 601, float("inf")])
def test_a_delay_needs_positive_bounded_seconds(qbo, seconds):
    spec = {"kind": "delay", "count": 1} | ({} if seconds is None else {"seconds": seconds})

    response = qbo.client.post("/_sandbox/faults", json=spec)

    assert response.status_code == 400
    assert "seconds" in response.get_json()["error"]


def test_clearing_faults_drops_a_pending_delay(qbo):
    inject_fault(qbo.client, kind="delay", seconds=30, count=1, method="POST", path="/customer")
    assert qbo.client.delete("/_sandbox/faults").status_code == 204
    started = time.monotonic()

    qbo.customer()

    assert time.monotonic() - started < 5


def test_on_a_real_server_a_client_that_gives_up_during_a_delay_leaves_the_write_applied():
    with live_server(create_app()) as base_url:
        info = requests.get(f"{base_url}/_sandbox/info", timeout=5).json()
        company = f"{base_url}/v3/company/{info['realm_id']}"
        headers = {"Authorization": f"Bearer {info['access_token']}", "Accept": "application/json"}
        spec = {"kind": "delay", "seconds": 1.0, "method": "POST", "path": "/customer$"}
        requests.post(f"{base_url}/_sandbox/faults", json=spec, timeout=5)

        with pytest.raises(requests.Timeout):
            requests.post(
                f"{company}/customer", json={"DisplayName": "Cut"}, headers=headers, timeout=0.2
            )
        found = requests.get(
            f"{company}/query",
            params={"query": "SELECT * FROM Customer"},
            headers=headers,
            timeout=5,
        ).json()["QueryResponse"]["Customer"]
        counted = requests.get(f"{base_url}/_sandbox/stats", timeout=5).json()

    assert [customer["DisplayName"] for customer in found] == ["Cut"]
    assert (counted["requests"], counted["writes"]) == (2, 1)


def test_requests_from_many_threads_at_once_are_all_counted():
    with live_server(create_app()) as base_url:
        info = requests.get(f"{base_url}/_sandbox/info", timeout=5).json()
        url = f"{base_url}/v3/company/{info['realm_id']}/preferences"
        headers = {"Authorization": f"Bearer {info['access_token']}", "Accept": "application/json"}

        def read_ten() -> None:
            with requests.Session() as session:
                for _read in range(10):
                    assert session.get(url, headers=headers, timeout=5).status_code == 200

        readers = [threading.Thread(target=read_ten) for _reader in range(8)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(timeout=30)
        counted = requests.get(f"{base_url}/_sandbox/stats", timeout=5).json()

    assert (counted["requests"], counted["throttled"]) == (80, 0)
    assert counted["by_path"] == {"GET /v3/company/{realm}/preferences": 80}
