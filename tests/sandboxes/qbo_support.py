"""Helpers for the QBO sandbox tests: a stepping clock, an authorized client, a live server."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from adapters.jsonbody import dumps
from sandboxes.qbo import SandboxOptions, create_app
from tests.sandboxes import support

REALM = "9130357766900456"
START = dt.datetime(2023, 2, 18, 20, 0, tzinfo=dt.UTC)


class StepClock(support.StepClock):
    """The shared stepping clock, starting at this system's ``START``."""

    def __init__(self, now: dt.datetime = START) -> None:
        super().__init__(now)


class Webhooks:
    """A webhook sender that records what it was given (sent inline)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, dict[str, str]]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        self.sent.append((url, body, headers))


class Qbo:
    """Flask's test client speaking to the sandbox as an adapter would (token, realm path)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.info = self.client.get("/_sandbox/info").get_json()
        self.base = f"/v3/company/{self.info['realm_id']}"

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.info['access_token']}",
            "Accept": "application/json",
        }

    def post(self, path: str, body: Any, **params: str) -> TestResponse:
        data = body if isinstance(body, str | bytes) else dumps(body)
        return self.client.post(
            f"{self.base}/{path}",
            data=data,
            query_string={"minorversion": "75", **params},
            headers=self.headers,
            content_type="application/json",
        )

    def get(self, path: str, **params: str) -> TestResponse:
        return self.client.get(
            f"{self.base}/{path}",
            query_string={"minorversion": "75", **params},
            headers=self.headers,
        )

    def query(self, statement: str) -> TestResponse:
        return self.client.post(
            f"{self.base}/query",
            data=statement,
            query_string={"minorversion": "75"},
            headers=self.headers,
            content_type="application/text",
        )

    def create(self, entity: str, body: dict[str, Any], **params: str) -> dict[str, Any]:
        response = self.post(entity.lower(), body, **params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()[entity]

    def customer(self, name: str = "Amy's Bird Sanctuary") -> dict[str, Any]:
        return self.create("Customer", {"DisplayName": name})

    def invoice(self, customer_id: str, *amounts: str, **fields: Any) -> dict[str, Any]:
        lines = [
            {
                "Amount": Decimal(amount),
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
            }
            for amount in amounts or ("100.00",)
        ]
        body = {"CustomerRef": {"value": customer_id}, "Line": lines, **fields}
        return self.create("Invoice", body)


def make_qbo(
    clock: StepClock | None = None, webhooks: Webhooks | None = None, **options: Any
) -> Qbo:
    app = create_app(
        SandboxOptions(realm_id=REALM, **options),
        clock=clock or StepClock(),
        webhook_sender=webhooks or Webhooks(),
    )
    app.testing = True
    return Qbo(app)
