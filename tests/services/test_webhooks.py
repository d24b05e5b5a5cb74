"""The webhook service, called directly: only a body a connection signed asks for pulls."""

import base64
import hashlib
import hmac
import json

import pytest
import responses
from sqlalchemy import select

from services import connections
from services.webhooks import NotificationOutcome, Verdict, accept_qbo_notification
from sync.pull_requests import PullRequest
from tests.services.support import migrated_runtime
from tests.support.connections import QBO_INFO


@pytest.fixture
def vector(shared):
    folder = shared / "qbo"
    spec = json.loads((folder / "webhook_signature_vector.json").read_text())
    return spec, (folder / spec["payload_file"]).read_bytes()


def add_company(runtime, name, realm_id, verifier):
    info = {**QBO_INFO, "realm_id": realm_id, "webhook_verifier": verifier}
    with responses.RequestsMock() as mock:
        mock.get(f"{QBO_INFO['base_url']}/_sandbox/info", json=info)
        connections.add_sandbox_connection(
            runtime, name, connections.System.QBO_SANDBOX, QBO_INFO["base_url"]
        )


@pytest.fixture
def runtime(sqlite_runner, vector):
    spec, _ = vector
    with migrated_runtime(sqlite_runner) as runtime:
        add_company(runtime, "books", "1269959970", spec["verifier_token"])
        yield runtime


def pull_reasons(runtime):
    with runtime.transaction() as session:
        return [(r.connection_id, r.reason) for r in session.scalars(select(PullRequest))]


def signature(verifier, body):
    digest = hmac.new(verifier.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_a_signed_notification_asks_its_company_for_a_pull(runtime, vector):
    spec, body = vector

    outcome = accept_qbo_notification(runtime, body, spec["intuit_signature"])

    assert outcome == NotificationOutcome(Verdict.ACCEPTED, pulls_requested=1)
    assert pull_reasons(runtime) == [(1, "webhook: Customer, Vendor")]


def test_only_the_connection_whose_company_changed_is_asked(runtime, vector):
    spec, body = vector
    add_company(runtime, "other", "999", spec["verifier_token"])  # same app, another company

    outcome = accept_qbo_notification(runtime, body, spec["intuit_signature"])

    assert outcome.pulls_requested == 1
    assert pull_reasons(runtime) == [(1, "webhook: Customer, Vendor")]


@pytest.mark.parametrize("signed_with", [None, "another-verifier-token"])
def test_a_body_no_connection_signed_changes_nothing(runtime, vector, signed_with):
    _, body = vector
    given = None if signed_with is None else signature(signed_with, body)

    outcome = accept_qbo_notification(runtime, body, given)

    assert outcome == NotificationOutcome(Verdict.UNVERIFIED)
    assert pull_reasons(runtime) == []


def test_a_signed_body_that_is_no_notification_is_malformed(runtime, vector):
    spec, _ = vector
    body = b"[1, 2]"

    outcome = accept_qbo_notification(runtime, body, signature(spec["verifier_token"], body))

    assert outcome.verdict is Verdict.MALFORMED and outcome.reason
    assert pull_reasons(runtime) == []
