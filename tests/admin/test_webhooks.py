"""Intuit's webhooks: a verified notification leaves a pull request; anything else, 401."""

import base64
import hashlib
import hmac
import importlib
import io
import json
import logging

import pytest
import responses
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin import MAX_REQUEST_BYTES, create_app
from backoffice.settings import load_settings
from sync.pull_requests import PullRequest
from tests.support.connections import QBO_INFO


@pytest.fixture
def vector(shared):
    folder = shared / "qbo"
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


def signed(spec, body):
    digest = hmac.new(spec["verifier_token"].encode(), body, hashlib.sha256).digest()
    return {spec["header_name"]: base64.b64encode(digest).decode()}


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes, never held in memory, that counts what is read of it."""

    def __init__(self, size):
        self.size = size
        self.position = 0
        self.read_bytes = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.position

    def seek(self, offset, whence=io.SEEK_SET):
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[
            whence
        ] + offset
        return self.position

    def readinto(self, buffer):
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"x" * count
        self.position += count
        self.read_bytes += count
        return count


def test_a_huge_body_is_refused_413_from_its_length_before_it_is_read(app, vector):
    spec, _ = vector
    stream = CountingStream(50 * 1024 * 1024)

    response = app.test_client().post(
        "/webhooks/qbo", input_stream=stream, content_length=50 * 1024 * 1024,
        headers={spec["header_name"]: "AAAA"},
    )  # fmt: skip

    assert response.status_code == 413
    assert stream.read_bytes == 0
    assert pull_requests(app) == []


def test_a_streamed_body_without_a_length_is_cut_off_at_the_cap(app, vector):
    spec, _ = vector
    stream = CountingStream(50 * 1024 * 1024)

    response = app.test_client().post(
        "/webhooks/qbo", input_stream=stream, headers={spec["header_name"]: "AAAA"},
        environ_overrides={"wsgi.input_terminated": True},
    )  # fmt: skip

    assert response.status_code == 413
    assert stream.read_bytes <= MAX_REQUEST_BYTES + 64 * 1024
    assert pull_requests(app) == []


MALFORMED = {
    "not json": b"not json at all",
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "list of numbers": b"[1, 2]",
    "event without account": b'[{"type": "qbo.invoice.updated.v1", "intuitentityid": "1"}]',
    "event type not text": b'[{"type": 5, "intuitaccountid": "1", "intuitentityid": "1"}]',
    "notifications not a list": b'{"eventNotifications": "x"}',
    "entity without id": b'{"eventNotifications": [{"realmId": "1269959970", '
    b'"dataChangeEvent": {"entities": [{"name": "Invoice", "operation": "Update"}]}}]}',
    "bad time": b'{"eventNotifications": [{"realmId": "1269959970", "dataChangeEvent": '
    b'{"entities": [{"name": "Invoice", "id": "1", "operation": "Update", '
    b'"lastUpdated": "yesterday"}]}}]}',
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_malformed_body_is_400_and_logged_without_body_or_secret(
    app, vector, body, caplog
):
    spec, _ = vector

    with caplog.at_level(logging.WARNING, logger="services.webhooks"):
        response = app.test_client().post("/webhooks/qbo", data=body, headers=signed(spec, body))

    assert response.status_code == 400
    assert response.get_json()["status"] == "malformed"
    assert pull_requests(app) == []
    [record] = [r for r in caplog.records if r.name == "services.webhooks"]
    logged = record.getMessage()
    assert "refused a signed QBO notification" in logged and "books" in logged
    assert spec["verifier_token"] not in logged
    assert body.decode()[:20] not in logged


def test_an_unexpected_failure_answers_500_with_an_id_and_logs_the_traceback(
    app, vector, monkeypatch
):
    spec, body = vector

    def explode(_changes):
        raise RuntimeError("a bug in the webhook")

    monkeypatch.setattr(importlib.import_module("services.webhooks"), "changed_realms", explode)

    response = app.test_client().post("/webhooks/qbo", data=body, headers=signed(spec, body))

    assert response.status_code == 500
    answer = response.get_json()
    assert answer["status"] == "error"
    assert "Traceback" not in response.get_data(as_text=True)
    data_dir = app.extensions["backoffice"].settings.data_dir
    assert str(data_dir) not in response.get_data(as_text=True)
    log = (data_dir / "errors.log").read_text()
    assert f"unexpected error {answer['error_id']} in POST /webhooks/qbo" in log
    assert "RuntimeError: a bug in the webhook" in log


def test_an_unreachable_database_answers_503_naming_the_setting(tmp_path, vector):
    spec, body = vector
    url = "postgresql+psycopg://u:sekrit-pw@127.0.0.1:1/db"
    settings = load_settings({"BACKOFFICE_DATA_DIR": str(tmp_path), "BACKOFFICE_DATABASE_URL": url})

    response = (
        create_app(settings)
        .test_client()
        .post("/webhooks/qbo", data=body, headers=signed(spec, body))
    )

    assert response.status_code == 503
    assert "BACKOFFICE_DATABASE_URL" in response.get_json()["reason"]
    assert "sekrit-pw" not in response.get_data(as_text=True)
