"""Intuit's webhooks: a verified notification leaves a pull request; anything else, 401."""

import json

import pytest
import responses
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin import create_app
from backoffice.settings import load_settings
from sync.pull_requests import PullRequest
from tests.mapping.test_connections import QBO_INFO


@pytest.fixture
def vector(shared):
    folder = shared / "fixtures" / "qbo"
    spec = json.loads((folder / "webhook_signature_vector.json").read_text())
    return spec, (folder / spec["payload_file"]).read_bytes()


@pytest.fixture
def app(sqlite_runner, vector):
    spec, _ = vector
    assert sqlite_runner("db", "upgrade").exit_code == 0
    info = {**QBO_INFO, "realm_id": "1269959970", "webhook_verifier": spec["verifier_token"]}
    with responses.RequestsMock() as mock:
        mock.get("http://127.0.0.1:8001/_sandbox/info", json=info)
        added = sqlite_runner("connection", "add", "books", "--system", "qbo-sandbox",
                              "--url", "http://127.0.0.1:8001")  # fmt: skip
    assert added.exit_code == 0, added.output
    return create_app(load_settings(sqlite_runner.env))


def pull_requests(app):
    engine = app.extensions["backoffice"].engine
    with Session(engine) as session:
        return [r.reason for r in session.scalars(select(PullRequest))]


def test_a_signed_notification_asks_for_a_pull(app, vector):
    spec, body = vector

    response = app.test_client().post(
        "/webhooks/qbo", data=body, headers={spec["header_name"]: spec["intuit_signature"]}
    )

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "pulls_requested": 1}
    assert pull_requests(app) == ["webhook: Customer, Vendor"]


@pytest.mark.parametrize("tamper", ["signature", "body", "missing"])
def test_an_unverified_notification_is_refused_and_changes_nothing(app, vector, tamper):
    spec, body = vector
    headers = {spec["header_name"]: spec["intuit_signature"]}
    if tamper == "signature":
        headers = {spec["header_name"]: "AAAA" + spec["intuit_signature"][4:]}
    elif tamper == "body":
        body = json.dumps(json.loads(body), indent=1).encode()  # same JSON, other bytes
    else:
        headers = {}

    response = app.test_client().post("/webhooks/qbo", data=body, headers=headers)

    assert response.status_code == 401
    assert pull_requests(app) == []
