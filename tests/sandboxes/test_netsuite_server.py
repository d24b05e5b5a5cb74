"""The sandbox on a real threaded werkzeug server: dropped answers, slow answers, concurrency,
and the NetSuite adapter itself driven against it (TBA and OAuth 2.0)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.base import (
    ChangeKind,
    CreditMemoDoc,
    CustomerDoc,
    DocumentLine,
    DocumentType,
    InvoiceDoc,
    ItemDoc,
)
from adapters.limits import RequestLimiter
from adapters.netsuite.adapter import NetSuiteAdapter
from adapters.netsuite.config import ClientCredentials, NetSuiteConfig, TbaCredentials
from adapters.tokens import MemoryTokenStore
from backoffice.secret import Secret
from sandboxes.netsuite import SandboxOptions, create_app
from tests.sandboxes.netsuite_support import RECORDS, certificate_pem, tba
from tests.sandboxes.support import live_server
from tests.support.payloads import payload

TIMEOUT = 5.0


class Live:
    """A live sandbox and a TBA-signed client for it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.info = requests.get(f"{base_url}/_sandbox/info", timeout=TIMEOUT).json()

    def fault(self, **spec: object) -> None:
        requests.post(f"{self.base_url}/_sandbox/faults", json=spec, timeout=TIMEOUT)

    def upsert_customer(self, key: str, timeout: float = TIMEOUT) -> requests.Response:
        return requests.put(
            f"{self.base_url}{RECORDS}/customer/eid:{key}",
            json={"companyName": f"Customer {key}", "subsidiary": {"id": "1"}},
            auth=tba(self.info),
            timeout=timeout,
        )

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.base_url}{path}", auth=tba(self.info), timeout=TIMEOUT)


@pytest.fixture
def live(request: pytest.FixtureRequest) -> Iterator[Live]:
    concurrency = getattr(request, "param", 5)
    app = create_app(SandboxOptions(timeout_delay=0.3, concurrency=concurrency))
    with live_server(app) as base_url:
        yield Live(base_url)


def test_apply_then_drop_commits_the_write_and_closes_without_an_answer(live):
    live.fault(kind="apply_then_drop", count=1, method="PUT", path="/customer/")

    with pytest.raises(requests.ConnectionError):
        live.upsert_customer("CUST-1")
    read_back = live.get(f"{RECORDS}/customer/eid:CUST-1")

    assert read_back.status_code == 200
    assert read_back.json()["companyName"] == "Customer CUST-1"


def test_timeout_fault_commits_and_answers_after_the_client_gave_up(live):
    live.fault(kind="timeout", count=1, method="PUT", path="/customer/")

    with pytest.raises(requests.ReadTimeout):
        live.upsert_customer("CUST-2", timeout=0.05)
    resent = live.upsert_customer("CUST-2")

    assert resent.status_code == 204
    assert resent.headers["Location"].endswith("/customer/1")


@pytest.mark.parametrize("live", [1], indirect=True)
def test_requests_beyond_the_concurrency_limit_get_429(live, shared):
    live.fault(kind="timeout", count=1, method="GET", path="/subsidiary/1$")
    slow = threading.Thread(target=live.get, args=(f"{RECORDS}/subsidiary/1",))
    slow.start()

    answers = []
    for _attempt in range(100):
        answers.append(live.get(f"{RECORDS}/currency/1"))
        if answers[-1].status_code == 429:
            break
        time.sleep(0.002)
    slow.join(TIMEOUT)

    assert answers[-1].status_code == 429
    assert answers[-1].json() == payload(
        "netsuite", "error_429_concurrency_limit_exceeded.json", exact=True
    )
    assert live.get(f"{RECORDS}/currency/1").status_code == 200


def adapter_for(live: Live, credentials: ClientCredentials | None = None) -> NetSuiteAdapter:
    """The NetSuite adapter on the live sandbox: TBA with its credentials unless given others."""
    auth = credentials or TbaCredentials(
        *(
            Secret(live.info[k])
            for k in ("consumer_key", "consumer_secret", "token_id", "token_secret")
        )
    )
    config = NetSuiteConfig(live.info["account_id"], auth, base_url=live.base_url)
    store = MemoryTokenStore() if credentials is not None else None
    limiter = RequestLimiter(config.per_minute, config.concurrency)
    return NetSuiteAdapter(
        config,
        store,
        limiter,
        lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None),
        lambda _seconds: None,
    )


def test_netsuite_adapter_pushes_reads_back_and_pulls_changes(live):
    adapter = adapter_for(live)
    assert adapter.check_health().home_currency == "USD"
    customer = adapter.upsert_customer(
        CustomerDoc("Acme", "ap@acme.example", "USD", subsidiary_id="1", terms_id="2"), "cust-1"
    )
    item = adapter.upsert_item(ItemDoc("Temp Hourly", "3", subsidiary_id="1"), "item-1")
    line = DocumentLine(item.id, "40 h", Decimal("40"), Decimal("32.50"), Decimal("1300.00"))
    invoice = InvoiceDoc("INV-1", customer.id, "USD", dt.date(2024, 3, 1), None, (line,))

    first = adapter.create_invoice(invoice, "inv-1")
    again = adapter.create_invoice(invoice, "inv-1")
    credit_line = DocumentLine(item.id, "credit", Decimal(1), Decimal("300.00"), Decimal("300.00"))
    credit = CreditMemoDoc(
        "CM-1", customer.id, "USD", dt.date(2024, 3, 5), None, (credit_line,), applies_to=first
    )
    memo = adapter.create_credit_memo(credit, "cm-1")

    assert first.id == again.id
    state = adapter.get_document_state(DocumentType.INVOICE, first.id)
    assert (state.total, state.balance) == (Decimal("1300.00"), Decimal("1000.00"))
    assert adapter.find_document(DocumentType.INVOICE, number="INV-1").id == first.id
    assert adapter.find_document(DocumentType.CREDIT_MEMO, key="cm-1").id == memo.id
    changes = adapter.changes_since(None).changes
    assert {(c.kind, c.remote_id) for c in changes} == {
        (ChangeKind.UPDATED, first.id),
        (ChangeKind.UPDATED, memo.id),
    }


def test_netsuite_adapter_sees_a_payment_and_what_it_pays(live):
    adapter = adapter_for(live)
    customer = adapter.upsert_customer(CustomerDoc("Acme", None, "USD", subsidiary_id="1"), "c-1")
    item = adapter.upsert_item(ItemDoc("Temp Hourly", "3"), "i-1")
    line = DocumentLine(item.id, "40 h", Decimal("1"), Decimal("500.00"), Decimal("500.00"))
    invoice = adapter.create_invoice(
        InvoiceDoc("INV-2", customer.id, "USD", dt.date(2024, 3, 1), None, (line,)), "inv-2"
    )
    payment = {
        "customer": {"id": customer.id},
        "payment": 200,
        "apply": {"items": [{"doc": {"id": invoice.id}, "apply": True, "amount": 200}]},
    }
    requests.post(
        f"{live.base_url}{RECORDS}/customerPayment",
        json=payment,
        auth=tba(live.info),
        timeout=TIMEOUT,
    ).raise_for_status()

    paid = [c for c in adapter.changes_since(None).changes if c.kind is ChangeKind.PAYMENT]

    assert len(paid) == 1 and paid[0].payment is not None
    assert paid[0].payment.total == Decimal("200")
    assert [(a.document_id, a.amount) for a in paid[0].payment.applications] == [
        (invoice.id, Decimal("200"))
    ]


def test_netsuite_adapter_authenticates_with_client_credentials(live):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    mapped = requests.post(
        f"{live.base_url}/_sandbox/certificates",
        json={"certificate": certificate_pem(key)},
        timeout=TIMEOUT,
    ).json()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    credentials = ClientCredentials(mapped["client_id"], mapped["certificate_id"], Secret(private))

    health = adapter_for(live, credentials=credentials).check_health()

    assert health.ok and health.home_currency == "USD"
