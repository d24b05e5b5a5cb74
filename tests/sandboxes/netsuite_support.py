"""Helpers for the NetSuite sandbox tests: a stepping clock, a signing client, a live server.

Requests are signed by requests-oauthlib, as a real client signs them, so
every test that passes also proves the sandbox verifies genuine signatures.
(No tests here: the module only holds what the ``test_netsuite_*`` files share.)
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import Flask
from flask.testing import FlaskClient
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
from requests_oauthlib import OAuth1
from werkzeug.test import TestResponse

from adapters.jsonbody import dumps
from sandboxes.netsuite import SandboxOptions, create_app
from tests.sandboxes import support

ACCOUNT = "1234567_SB1"
START = dt.datetime(2024, 3, 1, 17, 30, 15, tzinfo=dt.UTC)


class StepClock(support.StepClock):
    """The shared stepping clock, starting at this system's ``START``."""

    def __init__(self, now: dt.datetime = START) -> None:
        super().__init__(now)


HOST = "http://localhost"
RECORDS = "/services/rest/record/v1"
SUITEQL = "/services/rest/query/v1/suiteql"


def tba(info: dict[str, str], clock: StepClock | None = None, **signing: Any) -> OAuth1:
    """requests-oauthlib's OAuth1, HMAC-SHA256 with the realm, as the NetSuite adapter signs."""
    if clock is not None:
        signing.setdefault("timestamp", str(int(clock().timestamp())))
    return OAuth1(
        info["consumer_key"],
        client_secret=info["consumer_secret"],
        resource_owner_key=info["token_id"],
        resource_owner_secret=info["token_secret"],
        signature_method=SIGNATURE_HMAC_SHA256,
        realm=info["account_id"].upper().replace("-", "_"),
        **signing,
    )


class NetSuite:
    """Flask's test client speaking to the sandbox as a TBA client would."""

    def __init__(self, app: Flask, clock: StepClock) -> None:
        self.app = app
        self.clock = clock
        self.client: FlaskClient = app.test_client()
        self.info = self.client.get("/_sandbox/info").get_json()

    def signed(self, method: str, path: str, body: str | None, params: dict[str, str]) -> str:
        """The Authorization header requests-oauthlib would send."""
        prepared = requests.Request(
            method,
            HOST + path,
            params=params,
            data=body,
            headers={"Content-Type": "application/json"} if body is not None else {},
        ).prepare()
        tba(self.info, self.clock)(prepared)
        header = prepared.headers["Authorization"]
        return header.decode() if isinstance(header, bytes) else str(header)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> TestResponse:
        data = body if body is None or isinstance(body, str) else dumps(body)
        params = params or {}
        authorization = self.signed(method, path, data, params)
        return self.client.open(
            path,
            method=method,
            data=data,
            query_string=params,
            content_type="application/json" if data is not None else None,
            headers={"Authorization": authorization, **(headers or {})},
        )

    def create(self, record_type: str, body: dict[str, Any]) -> str:
        response = self.call("POST", f"{RECORDS}/{record_type}", body)
        assert response.status_code == 204, response.get_data(as_text=True)
        return str(response.headers["Location"]).rsplit("/", 1)[-1]

    def get(self, record_type: str, key: str, expand: bool = False) -> dict[str, Any]:
        params = {"expandSubResources": "true"} if expand else None
        response = self.call("GET", f"{RECORDS}/{record_type}/{key}", params=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return json.loads(response.get_data(as_text=True), parse_float=Decimal)

    def query(self, statement: str, **params: str) -> TestResponse:
        return self.call(
            "POST", SUITEQL, {"q": statement}, params=params, headers={"Prefer": "transient"}
        )

    def rows(self, statement: str) -> list[dict[str, Any]]:
        response = self.query(statement)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = json.loads(response.get_data(as_text=True), parse_float=Decimal)
        return [{k: v for k, v in row.items() if k != "links"} for row in body["items"]]

    def customer(self, name: str = "Acme Staffing Client LLC", **fields: Any) -> str:
        return self.create("customer", {"companyName": name, "subsidiary": {"id": "1"}, **fields})

    def item(self, name: str = "Temp Staffing Hourly") -> str:
        return self.create("serviceSaleItem", {"itemId": name, "incomeAccount": {"id": "3"}})

    def invoice(self, customer_id: str, item_id: str, *amounts: str, **fields: Any) -> str:
        lines = [
            {"item": {"id": item_id}, "quantity": 1, "rate": Decimal(a), "amount": Decimal(a)}
            for a in amounts or ("100.00",)
        ]
        body = {"entity": {"id": customer_id}, "item": {"items": lines}, **fields}
        return self.create("invoice", body)


def make_netsuite(clock: StepClock | None = None, **options: Any) -> NetSuite:
    clock = clock or StepClock()
    app = create_app(SandboxOptions(account_id=ACCOUNT, **options), clock=clock)
    app.testing = True
    return NetSuite(app, clock)


def certificate_pem(key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "backoffice")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()
