"""Connect, refresh under the store's lock, rotated refresh tokens, revoked authorizations."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from adapters.qbo.oauth import QboOAuth
from adapters.tokens import MemoryTokenStore, OAuthTokens
from backoffice.errors import NeedsUserAction
from backoffice.secret import Secret
from tests.adapters.qbo.conftest import ACCESS, CLIENT_SECRET, NOW, REFRESH, TOKEN_URL


def oauth_of(
    config: Any, store: MemoryTokenStore, sleep: Callable[[float], None] = lambda _s: None
) -> QboOAuth:
    return QboOAuth(config, store, session=requests.Session(), clock=lambda: NOW, sleep=sleep)


def test_authorization_url_names_app_scope_redirect_and_state(config: Any) -> None:
    url = oauth_of(config, MemoryTokenStore()).authorization_url("state-123")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("http://127.0.0.1:8765/connect/oauth2?")
    assert query["scope"] == ["com.intuit.quickbooks.accounting"]
    assert query["state"] == ["state-123"]
    assert query["redirect_uri"] == [config.redirect_uri]
    assert query["response_type"] == ["code"]


def test_callback_with_wrong_state_is_refused(config: Any) -> None:
    oauth = oauth_of(config, MemoryTokenStore())
    with pytest.raises(NeedsUserAction) as raised:
        oauth.complete_authorization({"state": "forged", "code": "c", "realmId": "9130357"}, "mine")
    assert raised.value.code == "qbo:state"


def test_callback_exchanges_code_and_saves_tokens(
    config: Any, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    body = qbo_payload("oauth2_token_response.json")
    call = rsps.post(TOKEN_URL, json=body)
    store = MemoryTokenStore()
    realm = oauth_of(config, store).complete_authorization(
        {"state": "s", "code": "auth-code-1", "realmId": config.realm_id}, "s"
    )
    assert realm == config.realm_id
    assert store.tokens is not None
    assert store.tokens.refresh_token == Secret(body["refresh_token"])
    assert store.tokens.expires_at == NOW + dt.timedelta(seconds=3600)
    assert store.tokens.refresh_expires_at == NOW + dt.timedelta(seconds=15552000)
    sent = parse_qs(call.calls[0].request.body)
    assert sent["grant_type"] == ["authorization_code"] and sent["code"] == ["auth-code-1"]
    assert call.calls[0].request.headers["Authorization"].startswith("Basic ")


def test_rotated_refresh_token_is_saved_before_the_access_token_is_used(
    config: Any, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    body = qbo_payload("oauth2_token_response.json")
    rsps.post(TOKEN_URL, json=body)
    store = MemoryTokenStore(
        OAuthTokens(Secret(ACCESS), NOW - dt.timedelta(minutes=1), Secret(REFRESH))
    )
    token = oauth_of(config, store).access_token()
    assert token == Secret(body["access_token"])
    assert store.saves == 1
    assert store.tokens is not None and store.tokens.refresh_token == Secret(body["refresh_token"])
    sent = parse_qs(rsps.calls[0].request.body)
    assert sent["grant_type"] == ["refresh_token"] and sent["refresh_token"] == [REFRESH]


def test_revoked_refresh_token_asks_to_reconnect_quickbooks(
    config: Any, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.post(TOKEN_URL, status=400, json=qbo_payload("oauth2_token_error_response.json"))
    store = MemoryTokenStore(OAuthTokens(Secret(ACCESS), NOW, Secret(REFRESH)))
    with pytest.raises(NeedsUserAction) as raised:
        oauth_of(config, store).access_token()
    assert raised.value.code == "qbo:reconnect"
    assert "Reconnect QuickBooks" in raised.value.action
    assert store.saves == 0


def test_expired_refresh_token_asks_to_reconnect_without_calling(
    config: Any, rsps: responses.RequestsMock
) -> None:
    expired = OAuthTokens(Secret(ACCESS), NOW, Secret(REFRESH), NOW - dt.timedelta(days=1))
    with pytest.raises(NeedsUserAction) as raised:
        oauth_of(config, MemoryTokenStore(expired)).access_token()
    assert raised.value.code == "qbo:reconnect"
    assert len(rsps.calls) == 0


def test_two_threads_refreshing_at_once_refresh_once(
    config: Any, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    rsps.post(TOKEN_URL, json=qbo_payload("oauth2_token_response.json"))
    store = MemoryTokenStore(
        OAuthTokens(Secret(ACCESS), NOW + dt.timedelta(hours=1), Secret(REFRESH))
    )
    oauth = oauth_of(config, store)
    barrier = threading.Barrier(2)
    results: list[OAuthTokens] = []

    def refused_by_qbo() -> None:
        barrier.wait()
        results.append(oauth.refresh(refused=Secret(ACCESS)))

    threads = [threading.Thread(target=refused_by_qbo) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(rsps.calls) == 1
    assert store.saves == 1
    assert results[0] == results[1]


def test_not_connected_asks_to_connect(config: Any) -> None:
    with pytest.raises(NeedsUserAction) as raised:
        oauth_of(config, MemoryTokenStore()).access_token()
    assert raised.value.code == "qbo:not_connected"


def expired_store() -> MemoryTokenStore:
    return MemoryTokenStore(OAuthTokens(Secret(ACCESS), NOW, Secret(REFRESH)))


def token_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "adapters.http"]


def test_throttled_token_call_waits_retry_after_and_logs_each_attempt_without_secrets(
    config: Any,
    rsps: responses.RequestsMock,
    qbo_payload: Callable[[str], Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = qbo_payload("oauth2_token_response.json")
    rsps.post(TOKEN_URL, status=429, json={"error": "rate_limited"}, headers={"Retry-After": "7"})
    rsps.post(TOKEN_URL, json=body)
    sleeps: list[float] = []
    oauth = oauth_of(config, expired_store(), sleeps.append)
    with caplog.at_level(logging.DEBUG):
        token = oauth.access_token()
    assert token == Secret(body["access_token"])
    assert sleeps == [7.0]
    lines = token_lines(caplog)
    assert len(lines) == 2
    assert lines[0].startswith("qbo POST /oauth2/v1/tokens/bearer 429 ")
    assert lines[0].endswith("requestid=- attempt 1")
    assert lines[1].startswith("qbo POST /oauth2/v1/tokens/bearer 200 ")
    assert lines[1].endswith("attempt 2")
    assert all(c.request.headers["Authorization"].startswith("Basic ") for c in rsps.calls)
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    for secret in (CLIENT_SECRET, REFRESH, body["access_token"], body["refresh_token"], "Basic"):
        assert secret not in logged


def test_token_endpoint_down_is_retried_then_left_to_a_person(
    config: Any, rsps: responses.RequestsMock
) -> None:
    rsps.post(TOKEN_URL, status=503, body=b"")
    sleeps: list[float] = []
    store = expired_store()
    oauth = oauth_of(config, store, sleeps.append)
    with pytest.raises(NeedsUserAction) as raised:
        oauth.access_token()
    assert raised.value.code == "retries_exhausted"
    assert "sign-in service is unavailable" in raised.value.message
    assert len(rsps.calls) == 5
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert store.saves == 0


def test_unanswered_token_call_is_sent_again_not_left_uncertain(
    config: Any, rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]
) -> None:
    body = qbo_payload("oauth2_token_response.json")
    rsps.post(TOKEN_URL, body=requests.ConnectionError("reset by peer"))
    rsps.post(TOKEN_URL, json=body)
    oauth = oauth_of(config, expired_store())
    assert oauth.access_token() == Secret(body["access_token"])
    assert len(rsps.calls) == 2


def test_refused_app_credentials_are_not_retried_and_name_the_app_keys(
    config: Any, rsps: responses.RequestsMock
) -> None:
    rsps.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(NeedsUserAction) as raised:
        oauth_of(config, expired_store()).access_token()
    assert raised.value.code == "qbo:invalid_client"
    assert "app keys" in raised.value.action
    assert len(rsps.calls) == 1
