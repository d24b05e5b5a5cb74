"""Fixtures for the NetSuite adapter: payloads read in place, both auth modes, no waits."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.http import RetryPolicy
from adapters.limits import RequestLimiter
from adapters.netsuite.adapter import NetSuiteAdapter
from adapters.netsuite.config import ClientCredentials, NetSuiteConfig, TbaCredentials
from adapters.tokens import MemoryTokenStore, OAuthTokens
from backoffice.secret import Secret
from tests.support.payloads import payload, payload_text

NOW = dt.datetime(2024, 3, 20, 12, 0, 0)  # naive UTC
ACCOUNT = "123456_SB1"
BASE = "http://127.0.0.1:8766"
RECORD = f"{BASE}/services/rest/record/v1"
SUITEQL = f"{BASE}/services/rest/query/v1/suiteql"
TOKEN_URL = f"{BASE}/services/rest/auth/oauth2/v1/token"
CONSUMER_KEY = "f40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4"
CONSUMER_SECRET = "consumer-secret-never-logged-0123456789"
TOKEN_ID = "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc"
TOKEN_SECRET = "token-secret-never-logged-0123456789"
CLIENT_ID = "client-id-1c343a716c1dceb60e7fc149fa6735929ef77d28"
CERTIFICATE_ID = "pvHJZk-siL5h1bm1pqypdH7dblr_ZYCE8gfODaKqAC4"
ACCESS = "stored-access-token-0123456789abcdef"
FAST = RetryPolicy(max_attempts=3, base_delay=1.0, max_delay=60.0)


@pytest.fixture(scope="session")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def private_pem(private_key: rsa.RSAPrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def ns_payload() -> Callable[[str], Any]:
    """A recorded NetSuite payload, by file name."""
    return partial(payload, "netsuite")


@pytest.fixture
def ns_text() -> Callable[[str], str]:
    """A recorded non-JSON file's text (headers, the TBA header)."""
    return partial(payload_text, "netsuite")


@pytest.fixture
def tba_config() -> NetSuiteConfig:
    credentials = TbaCredentials(
        Secret(CONSUMER_KEY), Secret(CONSUMER_SECRET), Secret(TOKEN_ID), Secret(TOKEN_SECRET)
    )
    return NetSuiteConfig(ACCOUNT, credentials, base_url=BASE)


@pytest.fixture
def m2m_config(private_pem: str) -> NetSuiteConfig:
    credentials = ClientCredentials(CLIENT_ID, CERTIFICATE_ID, Secret(private_pem))
    return NetSuiteConfig(ACCOUNT, credentials, base_url=BASE)


@pytest.fixture
def store() -> MemoryTokenStore:
    return MemoryTokenStore(OAuthTokens(Secret(ACCESS), NOW + dt.timedelta(minutes=50)))


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_adapter(
    store: MemoryTokenStore, sleeps: list[float]
) -> Callable[[NetSuiteConfig], NetSuiteAdapter]:
    def make(config: NetSuiteConfig) -> NetSuiteAdapter:
        limiter = RequestLimiter(600, 5, clock=lambda: 0.0, sleep=sleeps.append)
        return NetSuiteAdapter(config, store, limiter, lambda: NOW, sleeps.append, policy=FAST)

    return make


@pytest.fixture
def adapter(
    m2m_config: NetSuiteConfig, make_adapter: Callable[[NetSuiteConfig], NetSuiteAdapter]
) -> NetSuiteAdapter:
    """An OAuth 2.0 adapter whose stored access token is still good."""
    return make_adapter(m2m_config)


@pytest.fixture
def tba_adapter(
    tba_config: NetSuiteConfig, make_adapter: Callable[[NetSuiteConfig], NetSuiteAdapter]
) -> NetSuiteAdapter:
    return make_adapter(tba_config)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def suiteql_page(rows: list[dict[str, Any]], *, has_more: bool = False, offset: int = 0) -> dict:
    """A SuiteQL answer in the envelope of the genuine fixture."""
    items = [{"links": [], **row} for row in rows]
    return {
        "links": [],
        "count": len(items),
        "hasMore": has_more,
        "items": items,
        "offset": offset,
        "totalResults": offset + len(items) + (1 if has_more else 0),
    }


def route_suiteql(rsps: responses.RequestsMock, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Serve SuiteQL by the first key found in the statement; record each statement and params."""
    seen: list[dict[str, Any]] = []

    def callback(request: Any) -> tuple[int, dict[str, str], str]:
        statement = json.loads(request.body)["q"]
        seen.append({"q": statement, "url": request.url, "headers": dict(request.headers)})
        for marker, answer in answers.items():
            if marker in statement:
                return 200, {}, json.dumps(answer(request) if callable(answer) else answer)
        return 200, {}, json.dumps(suiteql_page([]))

    rsps.add_callback(responses.POST, SUITEQL, callback=callback)
    return seen


CURRENCIES = suiteql_page([{"id": "1", "symbol": "USD"}, {"id": "3", "symbol": "CAD"}])
