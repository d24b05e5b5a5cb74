"""Fixtures for the QBO adapter: genuine payloads read in place, a memory token store, no waits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
import responses

from adapters.limits import RequestLimiter
from adapters.qbo.adapter import QboAdapter
from adapters.qbo.config import QboConfig
from adapters.tokens import MemoryTokenStore, OAuthTokens
from backoffice.secret import Secret
from tests.support.payloads import payload, payload_bytes

NOW = dt.datetime(2023, 2, 20, 12, 0, 0)  # naive UTC
BASE = "http://127.0.0.1:8765"
REALM = "9130357"
COMPANY = f"{BASE}/v3/company/{REALM}"
TOKEN_URL = f"{BASE}/oauth2/v1/tokens/bearer"
CLIENT_SECRET = "client-secret-never-logged-0123"
ACCESS = "access-token-current-0123456789"
REFRESH = "refresh-token-current-0123456789"


@pytest.fixture
def qbo_payload() -> Callable[[str], Any]:
    """A genuine QBO payload, by file name."""
    return partial(payload, "qbo")


@pytest.fixture
def qbo_bytes() -> Callable[[str], bytes]:
    """A QBO payload's exact bytes (webhook bodies, the XML throttle answer)."""
    return partial(payload_bytes, "qbo")


@pytest.fixture
def config() -> QboConfig:
    return QboConfig(
        client_id="client-id",
        client_secret=Secret(CLIENT_SECRET),
        realm_id=REALM,
        redirect_uri="https://backoffice.example/qbo/callback",
        environment="sandbox",
        api_base_url=BASE,
    )


@pytest.fixture
def store() -> MemoryTokenStore:
    return MemoryTokenStore(
        OAuthTokens(
            access_token=Secret(ACCESS),
            expires_at=NOW + dt.timedelta(hours=1),
            refresh_token=Secret(REFRESH),
            refresh_expires_at=NOW + dt.timedelta(days=100),
        )
    )


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def adapter(config: QboConfig, store: MemoryTokenStore, sleeps: list[float]) -> QboAdapter:
    limiter = RequestLimiter(500, 10, clock=lambda: 0.0, sleep=sleeps.append)
    return QboAdapter(config, store, limiter, lambda: NOW, sleeps.append)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def preferences(rsps: responses.RequestsMock, qbo_payload: Callable[[str], Any]) -> None:
    """The company's Preferences (USD, single currency), read before any push."""
    rsps.get(f"{COMPANY}/preferences", json=qbo_payload("preferences_read.json"))
