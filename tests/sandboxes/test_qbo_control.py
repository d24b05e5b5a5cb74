from __future__ import annotations

import json
from decimal import Decimal

import pytest

from adapters.qbo.webhooks import parse_notification, verify_signature
from backoffice.secret import Secret
from sandboxes.qbo.webhooks import SIGNATURE_HEADER, sign
from tests.sandboxes.qbo_support import Qbo, StepClock, Webhooks, make_qbo


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def webhooks() -> Webhooks:
    return Webhooks()


@pytest.fixture
def qbo(clock: StepClock, webhooks: Webhooks) -> Qbo:
    return make_qbo(clock, webhooks)


def add_fault(qbo: Qbo, **spec) -> None:
    assert qbo.client.post("/_sandbox/faults", json=spec).status_code == 201


def test_info_has_exactly_the_contract_keys(qbo):
    assert set(qbo.info) == {
        "base_url",
        "realm_id",
        "access_token",
        "refresh_token",
        "client_id",
        "client_secret",
        "webhook_verifier",
    }
    assert qbo.info["base_url"] == "http://localhost"


def test_429_fault_answers_the_genuine_xml_with_retry_after(qbo, shared):
    add_fault(qbo, kind="429", count=2, method="POST", path="/customer")

    answers = [qbo.post("customer", {"DisplayName": f"C{n}"}) for n in range(3)]

    genuine = (shared / "qbo" / "error_429_throttle.xml").read_text()
    assert [answer.status_code for answer in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "5"
    assert answers[0].content_type == "application/xml"
    mine = answers[0].get_data(as_text=True)
    assert _without_time(mine) == _without_time(genuine)


def test_500_fault_answers_a_system_fault(qbo):
    add_fault(qbo, kind="500", count=1)

    response = qbo.get("preferences")

    assert response.status_code == 500
    assert response.get_json()["Fault"]["type"] == "SystemFault"
    assert qbo.get("preferences").status_code == 200


def test_401_fault_answers_the_authentication_body_once(qbo):
    add_fault(qbo, kind="401", count=1, path="preferences")

    refused = qbo.get("preferences")

    assert refused.status_code == 401
    assert refused.get_json()["fault"]["error"][0]["code"] == "3200"
    assert qbo.get("preferences").status_code == 200


def test_fault_hits_only_matching_method_and_path(qbo):
    add_fault(qbo, kind="500", count=1, method="POST", path=r"/invoice$")

    assert qbo.get("preferences").status_code == 200
    assert qbo.post("customer", {"DisplayName": "A"}).status_code == 200
    assert qbo.post("invoice", {"CustomerRef": {"value": "1"}}).status_code == 500


def test_cleared_faults_no_longer_fire(qbo):
    add_fault(qbo, kind="500", count=5)

    qbo.client.delete("/_sandbox/faults")

    assert qbo.get("preferences").status_code == 200


def test_bad_fault_kind_is_refused(qbo):
    assert qbo.client.post("/_sandbox/faults", json={"kind": "teapot"}).status_code == 400


def test_apply_then_drop_under_the_test_client_applies_and_raises(qbo):
    add_fault(qbo, kind="apply_then_drop", count=1, method="POST", path="/customer")

    with pytest.raises(ConnectionAbortedError):
        qbo.post("customer", {"DisplayName": "Dropped"})

    found = qbo.query("SELECT * FROM Customer WHERE DisplayName = 'Dropped'").get_json()
    assert len(found["QueryResponse"]["Customer"]) == 1


def test_reset_empties_the_company_and_keeps_the_credentials(qbo):
    qbo.customer()

    qbo.client.post("/_sandbox/reset")

    count = qbo.query("SELECT COUNT(*) FROM Customer").get_json()["QueryResponse"]["totalCount"]
    accounts = qbo.query("SELECT COUNT(*) FROM Account").get_json()["QueryResponse"]["totalCount"]
    assert (count, accounts > 0) == (0, True)


def test_repeated_requestid_answers_the_first_answer_and_applies_once(qbo, webhooks):
    qbo.client.post("/_sandbox/webhooks", json={"url": "http://hooks.example/qbo"})
    first = qbo.post("customer", {"DisplayName": "Once"}, requestid="outbox-17")

    again = qbo.post("customer", {"DisplayName": "Once"}, requestid="outbox-17")

    count = qbo.query("SELECT COUNT(*) FROM Customer").get_json()["QueryResponse"]["totalCount"]
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert count == 1
    assert len(webhooks.sent) == 1


def test_refused_write_may_be_resent_with_the_same_requestid(qbo):
    refused = qbo.post("invoice", {"CustomerRef": {"value": "9"}, "Line": []}, requestid="k1")
    qbo.customer()

    response = qbo.post(
        "invoice",
        {"CustomerRef": {"value": "1"}, "Line": [_line()]},
        requestid="k1",
    )

    assert (refused.status_code, response.status_code) == (400, 200)


def test_requests_past_the_minute_budget_are_throttled(clock, webhooks):
    qbo = make_qbo(clock, webhooks, per_minute=3)

    statuses = [qbo.get("preferences").status_code for _ in range(4)]
    clock.advance(seconds=60)

    assert statuses == [200, 200, 200, 429]
    assert qbo.get("preferences").status_code == 200


def test_signature_matches_intuits_vector(shared):
    vector = json.loads((shared / "qbo" / "webhook_signature_vector.json").read_text())
    payload = (shared / "qbo" / vector["payload_file"]).read_bytes()

    assert sign(payload, vector["verifier_token"]) == vector["intuit_signature"]
    assert vector["header_name"] == SIGNATURE_HEADER


def test_change_is_notified_signed_in_the_legacy_format(qbo, webhooks):
    qbo.client.post("/_sandbox/webhooks", json={"url": "http://hooks.example/qbo"})

    customer = qbo.customer()

    url, body, headers = webhooks.sent[0]
    verifier = Secret(qbo.info["webhook_verifier"])
    changes = parse_notification(body)
    assert url == "http://hooks.example/qbo"
    assert verify_signature(body, headers["intuit-signature"], verifier)
    assert [(c.realm_id, c.entity, c.entity_id, c.operation) for c in changes] == [
        (qbo.info["realm_id"], "Customer", customer["Id"], "Create")
    ]


def test_change_is_notified_as_cloudevents_when_asked(qbo, webhooks):
    qbo.client.post(
        "/_sandbox/webhooks", json={"url": "http://hooks.example/qbo", "format": "cloudevents"}
    )
    customer = qbo.customer()
    qbo.invoice(customer["Id"])

    changes = parse_notification(webhooks.sent[-1][1])

    assert isinstance(json.loads(webhooks.sent[-1][1]), list)
    assert [(c.entity, c.operation) for c in changes] == [("Invoice", "Create")]


def test_no_notification_without_a_webhook_url(qbo, webhooks):
    qbo.customer()

    assert webhooks.sent == []


def _without_time(xml: str) -> str:
    head, _, rest = xml.partition(' time="')
    return head + rest.partition('"')[2].strip()


def _line() -> dict:
    return {
        "Amount": Decimal("10.00"),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
    }
