"""The sandbox on a real threaded werkzeug server: dropped connections, slow answers, limits."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests
from intuitlib.client import AuthClient

from adapters.base import CustomerDoc, DocumentLine, DocumentType, InvoiceDoc, ItemDoc
from adapters.limits import RequestLimiter
from adapters.qbo.adapter import QboAdapter
from adapters.qbo.config import QboConfig
from adapters.tokens import MemoryTokenStore, OAuthTokens
from backoffice.secret import Secret
from sandboxes.qbo import SandboxOptions, create_app
from tests.sandboxes.support import live_server

TIMEOUT = 5.0


class Live:
    """A live sandbox and what a client needs to call it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.info = requests.get(f"{base_url}/_sandbox/info", timeout=TIMEOUT).json()
        self.company = f"{base_url}/v3/company/{self.info['realm_id']}"
        self.headers = {
            "Authorization": f"Bearer {self.info['access_token']}",
            "Accept": "application/json",
        }

    def fault(self, **spec: object) -> None:
        requests.post(f"{self.base_url}/_sandbox/faults", json=spec, timeout=TIMEOUT)

    def create_customer(
        self, name: str, request_id: str, timeout: float = TIMEOUT
    ) -> requests.Response:
        return requests.post(
            f"{self.company}/customer",
            params={"requestid": request_id, "minorversion": "75"},
            json={"DisplayName": name},
            headers=self.headers,
            timeout=timeout,
        )

    def count(self, entity: str) -> int:
        response = requests.get(
            f"{self.company}/query",
            params={"query": f"SELECT COUNT(*) FROM {entity}"},
            headers=self.headers,
            timeout=TIMEOUT,
        )
        return int(response.json()["QueryResponse"]["totalCount"])


@pytest.fixture
def live(request: pytest.FixtureRequest) -> Iterator[Live]:
    concurrent = getattr(request, "param", 10)
    app = create_app(SandboxOptions(timeout_delay=0.3, concurrent=concurrent))
    with live_server(app) as base_url:
        yield Live(base_url)


def test_apply_then_drop_commits_the_write_and_closes_without_an_answer(live):
    live.fault(kind="apply_then_drop", count=1, method="POST", path="/customer$")

    with pytest.raises(requests.ConnectionError):
        live.create_customer("Dropped", "outbox-1")
    resent = live.create_customer("Dropped", "outbox-1")

    assert resent.status_code == 200
    assert resent.json()["Customer"]["DisplayName"] == "Dropped"
    assert live.count("Customer") == 1


def test_timeout_fault_answers_after_the_client_gave_up(live):
    live.fault(kind="timeout", count=1, method="POST", path="/customer$")

    with pytest.raises(requests.ReadTimeout):
        live.create_customer("Slow", "outbox-2", timeout=0.05)
    resent = live.create_customer("Slow", "outbox-2")

    assert resent.status_code == 200
    assert live.count("Customer") == 1


@pytest.mark.parametrize("live", [1], indirect=True)
def test_requests_beyond_the_concurrent_limit_are_throttled(live):
    live.fault(kind="timeout", count=1, method="GET", path="/preferences$")
    slow = threading.Thread(
        target=requests.get,
        args=(f"{live.company}/preferences",),
        kwargs={"headers": live.headers, "timeout": TIMEOUT},
    )
    slow.start()

    statuses = []
    for _attempt in range(100):
        statuses.append(
            requests.get(
                f"{live.company}/companyinfo/1", headers=live.headers, timeout=TIMEOUT
            ).status_code
        )
        if statuses[-1] == 429:
            break
        time.sleep(0.002)
    slow.join(TIMEOUT)

    assert statuses[-1] == 429


def test_intuit_oauth_client_refreshes_through_the_discovery_document(live):
    client = AuthClient(
        live.info["client_id"],
        live.info["client_secret"],
        "https://backoffice.example/qbo/callback",
        environment=f"{live.base_url}/.well-known/openid_sandbox_configuration",
    )

    client.refresh(refresh_token=live.info["refresh_token"])

    assert client.refresh_token != live.info["refresh_token"]
    response = requests.get(
        f"{live.company}/preferences",
        headers={"Authorization": f"Bearer {client.access_token}", "Accept": "application/json"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200


def test_qbo_adapter_pushes_and_reads_back_against_the_sandbox(live):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    store = MemoryTokenStore(
        OAuthTokens(
            access_token=Secret(live.info["access_token"]),
            expires_at=now + dt.timedelta(minutes=50),
            refresh_token=Secret(live.info["refresh_token"]),
            refresh_expires_at=now + dt.timedelta(days=100),
        )
    )
    config = QboConfig(
        client_id=live.info["client_id"],
        client_secret=Secret(live.info["client_secret"]),
        realm_id=live.info["realm_id"],
        redirect_uri="https://backoffice.example/qbo/callback",
        environment="sandbox",
        api_base_url=live.base_url,
    )
    limiter = RequestLimiter(500, 10)
    adapter = QboAdapter(config, store, limiter, lambda: now, lambda _seconds: None)

    customer = adapter.upsert_customer(
        CustomerDoc(display_name="Amy's Bird Sanctuary", email=None, currency="USD"), "c-1"
    )
    item = adapter.upsert_item(ItemDoc(name="Placement fee", income_account_id="1"), "i-1")
    invoice = InvoiceDoc(
        number="INV-000101",
        customer_id=customer.id,
        currency="USD",
        txn_date=dt.date(2023, 7, 10),
        due_date=dt.date(2023, 8, 9),
        lines=(
            DocumentLine(
                item_id=item.id,
                description="Placement",
                quantity=Decimal("1"),
                rate=Decimal("12500.00"),
                amount=Decimal("12500.00"),
            ),
        ),
    )
    created = adapter.create_invoice(invoice, "inv-1")

    assert adapter.find_document(DocumentType.INVOICE, number="INV-000101") == created
    state = adapter.get_document_state(DocumentType.INVOICE, created.id)
    assert (state.total, state.balance) == (Decimal("12500.00"), Decimal("12500.00"))
    assert adapter.check_health().ok
