"""The control API: credentials, injected faults and reset (CONTRACT.md section 5)."""

from __future__ import annotations

import pytest

from tests.sandboxes.netsuite_support import RECORDS, make_netsuite
from tests.support.payloads import payload


@pytest.fixture
def ns():
    return make_netsuite(retry_after=7)


def test_info_holds_exactly_the_contract_keys(ns):
    assert set(ns.info) == {
        "base_url",
        "account_id",
        "consumer_key",
        "consumer_secret",
        "token_id",
        "token_secret",
    }
    assert ns.info["base_url"] == "http://localhost"
    assert ns.info["account_id"] == "1234567_SB1"


def test_a_429_fault_answers_the_concurrency_body_with_retry_after(ns, shared):
    ns.client.post(
        "/_sandbox/faults", json={"kind": "429", "count": 1, "method": "POST", "path": "/customer$"}
    )

    refused = ns.call(
        "POST", f"{RECORDS}/customer", {"companyName": "A", "subsidiary": {"id": "1"}}
    )
    accepted = ns.call(
        "POST", f"{RECORDS}/customer", {"companyName": "A", "subsidiary": {"id": "1"}}
    )

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "7"
    assert refused.get_json() == payload(
        "netsuite", "error_429_concurrency_limit_exceeded.json", exact=True
    )
    assert accepted.status_code == 204


@pytest.mark.parametrize(
    ("kind", "status", "code"), [("500", 500, "UNEXPECTED_ERROR"), ("401", 401, "INVALID_LOGIN")]
)
def test_500_and_401_faults_answer_netsuites_bodies(ns, kind, status, code):
    ns.client.post("/_sandbox/faults", json={"kind": kind, "count": 2, "path": "/subsidiary/"})

    answers = [ns.call("GET", f"{RECORDS}/subsidiary/1") for _ in range(3)]

    assert [a.status_code for a in answers] == [status, status, 200]
    assert answers[0].get_json()["o:errorDetails"][0]["o:errorCode"] == code


def test_a_fault_hits_only_its_method_and_path(ns):
    ns.client.post("/_sandbox/faults", json={"kind": "500", "method": "POST", "path": "/invoice"})

    assert ns.call("GET", f"{RECORDS}/subsidiary/1").status_code == 200


def test_apply_then_drop_under_the_test_client_commits_then_aborts(ns):
    ns.client.post("/_sandbox/faults", json={"kind": "apply_then_drop", "method": "POST"})

    with pytest.raises(ConnectionAbortedError):
        ns.customer("Dropped")

    assert ns.rows("SELECT companyname FROM customer") == [{"companyname": "Dropped"}]


def test_deleting_faults_clears_them(ns):
    ns.client.post("/_sandbox/faults", json={"kind": "500", "count": 5})

    ns.client.delete("/_sandbox/faults")

    assert ns.call("GET", f"{RECORDS}/subsidiary/1").status_code == 200


def test_a_bad_fault_is_refused(ns):
    response = ns.client.post("/_sandbox/faults", json={"kind": "403"})

    assert response.status_code == 400


def test_reset_empties_the_account_but_keeps_what_a_new_one_holds(ns):
    ns.customer()

    ns.client.post("/_sandbox/reset")

    assert ns.rows("SELECT id FROM customer") == []
    assert ns.rows("SELECT symbol FROM currency") == [{"symbol": "USD"}]
    assert ns.client.get("/_sandbox/info").get_json() == ns.info
