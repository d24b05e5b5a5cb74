from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import jwt
import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.limits import RequestLimiter
from adapters.netsuite.adapter import NetSuiteAdapter
from adapters.netsuite.auth import ClientCredentialsTokens
from adapters.netsuite.config import ClientCredentials, NetSuiteConfig, TbaCredentials
from adapters.tokens import MemoryTokenStore, OAuthTokens
from backoffice.errors import NeedsUserAction
from backoffice.secret import Secret
from tests.adapters.netsuite.conftest import (
    ACCESS,
    CERTIFICATE_ID,
    CLIENT_ID,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    NOW,
    RECORD,
    TOKEN_ID,
    TOKEN_SECRET,
    TOKEN_URL,
)

FIXTURE_HOST = "https://123456-sb1.suitetalk.api.netsuite.com"
NONCE = "fjaLirsIcCGVZWzBX0pg"
TIMESTAMP = "1508242306"


def header_params(header: str | bytes) -> dict[str, str]:
    header = header.decode() if isinstance(header, bytes) else header
    assert header.startswith("OAuth ")
    return {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', header)}


def fixture_params(text: str) -> dict[str, str]:
    lines = [line.strip() for line in text.splitlines() if not line.startswith("#")]
    return header_params(" ".join(lines).removeprefix("Authorization: "))


def signed_tba_request(rsps: responses.RequestsMock, sleeps: list[float], path: str) -> Any:
    credentials = TbaCredentials(
        Secret(CONSUMER_KEY), Secret(CONSUMER_SECRET), Secret(TOKEN_ID), Secret(TOKEN_SECRET)
    )
    config = NetSuiteConfig("123456_SB1", credentials)  # no override: the real host
    limiter = RequestLimiter(600, 5, clock=lambda: 0.0, sleep=sleeps.append)
    adapter = NetSuiteAdapter(
        config,
        None,
        limiter,
        lambda: NOW,
        sleeps.append,
        signing={"nonce": NONCE, "timestamp": TIMESTAMP},
    )
    rsps.put(f"{FIXTURE_HOST}{path}", status=204, headers={"Location": f"{FIXTURE_HOST}/x/1"})
    adapter.client.request("PUT", path, json={"memo": "x"}, params={"replace": "item"})
    return rsps.calls[-1].request


def test_tba_header_has_the_fixture_shape_and_realm(
    rsps: responses.RequestsMock, sleeps: list[float], ns_text: Callable[[str], str]
) -> None:
    expected = fixture_params(ns_text("oauth1_tba_authorization_header.txt"))
    request = signed_tba_request(rsps, sleeps, "/services/rest/record/v1/invoice/eid:INV-1")
    sent = header_params(request.headers["Authorization"])
    assert set(sent) == set(expected)
    for name in (
        "realm",
        "oauth_consumer_key",
        "oauth_token",
        "oauth_signature_method",
        "oauth_timestamp",
        "oauth_nonce",
        "oauth_version",
    ):
        assert sent[name] == expected[name]
    assert bytes(request.headers["Authorization"]).startswith(b'OAuth realm="123456_SB1"')


def test_tba_signature_matches_an_independently_derived_hmac_sha256_vector(
    rsps: responses.RequestsMock, sleeps: list[float]
) -> None:
    path = "/services/rest/record/v1/invoice/eid:INV-1"
    request = signed_tba_request(rsps, sleeps, path)
    params = {
        "oauth_consumer_key": CONSUMER_KEY,
        "oauth_nonce": NONCE,
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": TIMESTAMP,
        "oauth_token": TOKEN_ID,
        "oauth_version": "1.0",
        "replace": "item",
    }

    def pct(text: str) -> str:
        return quote(text, safe="~")

    normalized = "&".join(f"{pct(k)}={pct(v)}" for k, v in sorted(params.items()))
    base = "&".join(["PUT", pct(FIXTURE_HOST + path), pct(normalized)])
    key = f"{pct(CONSUMER_SECRET)}&{pct(TOKEN_SECRET)}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode()
    assert header_params(request.headers["Authorization"])["oauth_signature"] == expected


def test_tba_does_not_sign_the_json_body(rsps: responses.RequestsMock, sleeps: list[float]) -> None:
    request = signed_tba_request(rsps, sleeps, "/services/rest/record/v1/invoice/eid:INV-1")
    assert bytes(request.headers["Content-Type"]) == b"application/json"
    assert b"oauth_body_hash" not in request.headers["Authorization"]


def make_auth(
    m2m_config: NetSuiteConfig,
    store: MemoryTokenStore,
    clock: Callable[[], dt.datetime] = lambda: NOW,
    sleep: Callable[[float], None] = lambda _s: None,
) -> ClientCredentialsTokens:
    assert isinstance(m2m_config.auth, ClientCredentials)
    return ClientCredentialsTokens(
        m2m_config.auth, TOKEN_URL, store, session=requests.Session(), clock=clock, sleep=sleep
    )


def test_client_assertion_has_the_header_and_claims_netsuite_requires(
    m2m_config: NetSuiteConfig, private_key: rsa.RSAPrivateKey
) -> None:
    assertion = make_auth(m2m_config, MemoryTokenStore()).assertion()
    header = jwt.get_unverified_header(assertion)
    claims = jwt.decode(
        assertion,
        private_key.public_key(),
        algorithms=["PS256"],
        audience=TOKEN_URL,
        options={"verify_exp": False},
    )
    assert header == {"typ": "JWT", "alg": "PS256", "kid": CERTIFICATE_ID}
    iat = int(NOW.replace(tzinfo=dt.UTC).timestamp())
    assert claims == {
        "iss": CLIENT_ID,
        "scope": "restlets,rest_webservices",
        "aud": TOKEN_URL,
        "iat": iat,
        "exp": iat + 30 * 60,
    }
    assert claims["exp"] - claims["iat"] < 3600


def test_rs256_is_refused_for_a_client_assertion(private_pem: str) -> None:
    with pytest.raises(ValueError, match="PS256"):
        ClientCredentials(CLIENT_ID, CERTIFICATE_ID, Secret(private_pem), algorithm="RS256")


def test_token_is_fetched_with_a_client_assertion_and_saved(
    m2m_config: NetSuiteConfig, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    answer = ns_payload("oauth2_token_response.json")
    rsps.post(TOKEN_URL, json=answer)
    store = MemoryTokenStore()
    token = make_auth(m2m_config, store).access_token()
    form = dict(parse_qsl(rsps.calls[0].request.body))
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert jwt.get_unverified_header(form["client_assertion"])["kid"] == CERTIFICATE_ID
    assert token.reveal() == answer["access_token"]
    assert store.tokens is not None and store.tokens.expires_at == NOW + dt.timedelta(hours=1)
    assert store.saves == 1


def test_stored_token_is_used_until_shortly_before_it_expires(
    m2m_config: NetSuiteConfig, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    rsps.post(TOKEN_URL, json=ns_payload("oauth2_token_response.json"))
    store = MemoryTokenStore(OAuthTokens(Secret(ACCESS), NOW + dt.timedelta(minutes=6)))
    assert make_auth(m2m_config, store).access_token().reveal() == ACCESS
    soon = make_auth(m2m_config, store, clock=lambda: NOW + dt.timedelta(minutes=2))
    assert soon.access_token().reveal() != ACCESS  # within 5 minutes of expiry: renewed
    assert len(rsps.calls) == 1


def test_refresh_after_a_refusal_skips_the_fetch_when_another_worker_renewed(
    m2m_config: NetSuiteConfig, rsps: responses.RequestsMock
) -> None:
    store = MemoryTokenStore(
        OAuthTokens(Secret("old-token-0123456789"), NOW + dt.timedelta(hours=1))
    )
    tokens = make_auth(m2m_config, store)
    token = tokens.refresh(refused=Secret("older-token-refused-0123"))  # what this worker sent
    assert token.reveal() == "old-token-0123456789"
    assert len(rsps.calls) == 0  # the stored token is another one: no fetch
    assert store.saves == 0


def test_401_fetches_a_new_token_once_and_sends_again(
    adapter: NetSuiteAdapter,
    store: MemoryTokenStore,
    rsps: responses.RequestsMock,
    ns_payload: Callable[[str], Any],
) -> None:
    rsps.get(f"{RECORD}/invoice/1227", status=401, json=ns_payload("error_401_invalid_login.json"))
    rsps.get(f"{RECORD}/invoice/1227", json=ns_payload("invoice_get_response.json"))
    rsps.post(TOKEN_URL, json=ns_payload("oauth2_token_response.json"))
    adapter.records.get("invoice", "1227")
    sent = [
        c.request.headers.get("Authorization") for c in rsps.calls if "invoice" in c.request.url
    ]
    assert sent == [
        f"Bearer {ACCESS}",
        f"Bearer {ns_payload('oauth2_token_response.json')['access_token']}",
    ]
    assert store.saves == 1


def test_401_on_tba_needs_a_person_and_never_refreshes(
    tba_adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    rsps.get(f"{RECORD}/invoice/1227", status=401, json=ns_payload("error_401_invalid_login.json"))
    with pytest.raises(NeedsUserAction) as raised:
        tba_adapter.records.get("invoice", "1227")
    assert raised.value.code == "netsuite:INVALID_LOGIN"
    assert "TBA tokens and role" in raised.value.action
    assert len(rsps.calls) == 1


def test_refused_assertion_needs_a_person(
    m2m_config: NetSuiteConfig, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    rsps.post(TOKEN_URL, status=400, json=ns_payload("error_400_token_invalid_grant.json"))
    with pytest.raises(NeedsUserAction) as raised:
        make_auth(m2m_config, MemoryTokenStore()).access_token()
    assert raised.value.code == "netsuite:invalid_grant"
    assert "certificate" in raised.value.action
    assert json.dumps(ns_payload("error_400_token_invalid_grant.json")) not in str(raised.value)


def test_token_endpoint_503_waits_retry_after_and_logs_each_attempt_without_secrets(
    m2m_config: NetSuiteConfig,
    private_pem: str,
    rsps: responses.RequestsMock,
    ns_payload: Callable[[str], Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = ns_payload("oauth2_token_response.json")
    rsps.post(TOKEN_URL, status=503, body=b"", headers={"Retry-After": "2"})
    rsps.post(TOKEN_URL, json=answer)
    sleeps: list[float] = []
    with caplog.at_level(logging.DEBUG):
        token = make_auth(m2m_config, MemoryTokenStore(), sleep=sleeps.append).access_token()
    assert token.reveal() == answer["access_token"]
    assert sleeps == [2.0]
    lines = [r.getMessage() for r in caplog.records if r.name == "adapters.http"]
    assert [line.split(" ")[:4] for line in lines] == [
        ["netsuite", "POST", "/services/rest/auth/oauth2/v1/token", "503"],
        ["netsuite", "POST", "/services/rest/auth/oauth2/v1/token", "200"],
    ]
    assertions = [dict(parse_qsl(c.request.body))["client_assertion"] for c in rsps.calls]
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    for secret in (answer["access_token"], private_pem.splitlines()[1], *assertions):
        assert secret not in logged


def test_refused_client_credentials_on_the_token_endpoint_are_not_fetched_again(
    m2m_config: NetSuiteConfig, rsps: responses.RequestsMock
) -> None:
    rsps.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(NeedsUserAction) as raised:
        make_auth(m2m_config, MemoryTokenStore()).access_token()
    assert raised.value.code == "netsuite:invalid_client"
    assert len(rsps.calls) == 1


def test_a_401_without_a_code_on_the_token_endpoint_needs_a_person(
    m2m_config: NetSuiteConfig, rsps: responses.RequestsMock
) -> None:
    rsps.post(TOKEN_URL, status=401, body=b"")
    with pytest.raises(NeedsUserAction) as raised:
        make_auth(m2m_config, MemoryTokenStore()).access_token()
    assert "certificate" in raised.value.action
    assert len(rsps.calls) == 1
