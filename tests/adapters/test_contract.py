"""The protocol's contract, run against each adapter pointed at its live sandbox.

End to end as the service runs it: a sandbox on a real threaded server,
`backoffice connection add NAME --system <x>-sandbox --url`, then the adapter
built from the stored (sealed) connection by ``sync.connect.adapter_for``.
The same tests run for every system; where the real systems differ (a
refreshable token or not), the system's entry says what to expect.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal

import pytest
import requests
from flask import Flask
from sqlalchemy.orm import Session

from adapters.base import (
    CreditMemoDoc,
    CustomerDoc,
    DocumentLine,
    DocumentType,
    InvoiceDoc,
    ItemDoc,
    OptionKind,
    RemoteRef,
)
from backoffice.errors import NeedsUserAction, UncertainWrite
from backoffice.secret import Secret
from backoffice.vault import Vault
from mapping.connections import load_connection
from sync.connect import adapter_for
from tests.adapters.sandbox_apps import netsuite_app, netsuite_dup_codes_app, qbo_app
from tests.sandboxes.support import live_server

TIMEOUT = 5.0


@dataclass(frozen=True)
class SystemUnderTest:
    """One accounting system: its sandbox and what differs in its contract."""

    name: str
    make_app: Callable[[], Flask]
    refreshes_on_401: bool
    read_method: str  # how its lists are read (SuiteQL queries are POSTs)
    write_method: str  # how documents are written (NetSuite upserts by external id: PUT)


SYSTEMS = [
    SystemUnderTest("qbo", qbo_app, refreshes_on_401=True, read_method="GET", write_method="POST"),
    # A TBA token cannot be refreshed: a 401 is for a person to fix.
    SystemUnderTest(
        "netsuite", netsuite_app, refreshes_on_401=False, read_method="POST", write_method="PUT"
    ),
]

# NetSuite as older accounts answer a duplicate (DUP_ENTITY / DUP_ITEM, not USER_ERROR)
NETSUITE_DUP_CODES = SystemUnderTest(
    "netsuite", netsuite_dup_codes_app, refreshes_on_401=False, read_method="POST",
    write_method="PUT",
)  # fmt: skip


class Sleeps(list[float]):
    """A sleep that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@dataclass
class Harness:
    """The live sandbox, the stored connection and the adapter built from it."""

    base_url: str
    system: SystemUnderTest
    adapter: object
    sleeps: Sleeps

    def fault(self, kind: str, path: str, count: int = 1, method: str | None = None) -> None:
        spec = {"kind": kind, "count": count, "path": path,
                "method": method or self.system.write_method}  # fmt: skip
        requests.post(f"{self.base_url}/_sandbox/faults", json=spec, timeout=TIMEOUT)


@pytest.fixture(params=SYSTEMS, ids=lambda s: s.name)
def harness(request, sqlite_runner, sqlite_url, make_engine) -> Iterator[Harness]:
    system: SystemUnderTest = request.param
    server: AbstractContextManager[str] = live_server(system.make_app())
    with server as base_url:
        assert sqlite_runner("db", "upgrade").exit_code == 0
        added = sqlite_runner("connection", "add", "books", "--system", f"{system.name}-sandbox",
                              "--url", base_url)  # fmt: skip
        assert added.exit_code == 0, added.output
        engine = make_engine(sqlite_url)
        key = (sqlite_runner.data_dir / "encryption_key").read_text().strip()
        vault = Vault(Secret(key))
        with Session(engine) as session:
            record = load_connection(session, vault)
        sleeps = Sleeps()
        adapter = adapter_for(engine, vault, record, sleep=sleeps)
        yield Harness(base_url, system, adapter, sleeps)


def subsidiary(adapter) -> str | None:
    """The first subsidiary, where the system has them (the mapping's default in the service)."""
    found = adapter.list_options(OptionKind.SUBSIDIARY).items
    return found[0].id if found else None


def a_customer(adapter, name: str = "Acme Engineering") -> CustomerDoc:
    return CustomerDoc(display_name=name, email="ap-eng@acme.example", currency="USD",
                       subsidiary_id=subsidiary(adapter))  # fmt: skip


def income_account(adapter) -> str:
    accounts = adapter.list_options(OptionKind.INCOME_ACCOUNT).items
    assert accounts, "a new company has income accounts"
    return accounts[0].id


def an_invoice(adapter, number: str, key_prefix: str) -> InvoiceDoc:
    customer = adapter.upsert_customer(a_customer(adapter), f"{key_prefix}-customer")
    item = adapter.upsert_item(
        ItemDoc(name="Placement fee", income_account_id=income_account(adapter),
                subsidiary_id=subsidiary(adapter)),
        f"{key_prefix}-item",
    )  # fmt: skip
    line = DocumentLine(item_id=item.id, description="Placement fee – Jordan Rivera",
                        quantity=Decimal("1"), rate=Decimal("12500.00"),
                        amount=Decimal("12500.00"))  # fmt: skip
    return InvoiceDoc(number=number, customer_id=customer.id, currency="USD",
                      txn_date=dt.date(2023, 7, 10), due_date=dt.date(2023, 8, 9),
                      lines=(line,), subsidiary_id=subsidiary(adapter))  # fmt: skip


def test_health_and_pickers(harness):
    adapter = harness.adapter

    assert adapter.check_health().ok
    assert "Net 30" in {o.name for o in adapter.list_options(OptionKind.TERMS).items}
    assert adapter.list_options(OptionKind.INCOME_ACCOUNT).items


def test_customer_upsert_is_idempotent_by_key_and_links_by_name(harness):
    adapter = harness.adapter

    first = adapter.upsert_customer(a_customer(adapter), "cust-1")
    again = adapter.upsert_customer(a_customer(adapter), "cust-1")
    same_name = adapter.upsert_customer(a_customer(adapter), "cust-2")

    assert again.id == first.id == same_name.id


@pytest.mark.parametrize("harness", [NETSUITE_DUP_CODES], ids=["netsuite-dup-codes"],
                         indirect=True)  # fmt: skip
def test_netsuite_duplicates_reported_with_dup_codes_link_too(harness):
    adapter = harness.adapter

    first = adapter.upsert_customer(a_customer(adapter), "cust-1")
    same_name = adapter.upsert_customer(a_customer(adapter), "cust-2")
    invoice = an_invoice(adapter, "INV-000201", "x")
    again = an_invoice(adapter, "INV-000202", "y")

    assert first.id == same_name.id
    assert invoice.lines[0].item_id == again.lines[0].item_id


def test_invoice_is_created_once_and_found_by_number_and_key(harness):
    adapter = harness.adapter
    invoice = an_invoice(adapter, "INV-000101", "a")

    created = adapter.create_invoice(invoice, "inv-000101")
    again = adapter.create_invoice(invoice, "inv-000101")

    assert again.id == created.id
    assert adapter.find_document(DocumentType.INVOICE, number="INV-000101").id == created.id
    assert adapter.find_document(DocumentType.INVOICE, key="inv-000101").id == created.id
    state = adapter.get_document_state(DocumentType.INVOICE, created.id)
    assert (state.total, state.balance, state.voided) == (
        Decimal("12500.00"), Decimal("12500.00"), False,
    )  # fmt: skip


def test_a_write_whose_answer_is_lost_is_found_again_not_doubled(harness):
    adapter = harness.adapter
    invoice = an_invoice(adapter, "INV-000102", "b")
    harness.fault("apply_then_drop", r"invoice", count=99)

    with pytest.raises(UncertainWrite):
        adapter.create_invoice(invoice, "inv-000102")
    requests.delete(f"{harness.base_url}/_sandbox/faults", timeout=TIMEOUT)

    found = adapter.find_document(DocumentType.INVOICE, key="inv-000102")
    assert isinstance(found, RemoteRef)
    assert adapter.create_invoice(invoice, "inv-000102").id == found.id


def test_throttling_and_server_errors_are_retried(harness):
    adapter = harness.adapter
    invoice = an_invoice(adapter, "INV-000103", "c")
    harness.fault("429", r"invoice", count=2)
    harness.fault("500", r"invoice", count=1)

    created = adapter.create_invoice(invoice, "inv-000103")

    assert created.id
    assert len(harness.sleeps) >= 3  # waited (without waiting) before each retry


def test_an_expired_token_is_refreshed_or_reported(harness):
    adapter = harness.adapter
    adapter.check_health()
    harness.fault("401", r".", count=1, method=harness.system.read_method)

    if harness.system.refreshes_on_401:
        assert adapter.list_options(OptionKind.TERMS).items
    else:
        with pytest.raises(NeedsUserAction):
            adapter.list_options(OptionKind.TERMS)


def test_a_credit_memo_lowers_its_invoice_balance(harness):
    adapter = harness.adapter
    invoice = an_invoice(adapter, "INV-000104", "d")
    created = adapter.create_invoice(invoice, "inv-000104")
    credit = Decimal("500.00")
    line = DocumentLine(item_id=invoice.lines[0].item_id, description="Credit: rate dispute",
                        quantity=Decimal("1"), rate=credit, amount=credit)  # fmt: skip
    memo = CreditMemoDoc(number="CM-000001", customer_id=invoice.customer_id, currency="USD",
                         txn_date=dt.date(2023, 7, 20), due_date=None, lines=(line,),
                         applies_to=created, subsidiary_id=subsidiary(adapter))  # fmt: skip

    adapter.create_credit_memo(memo, "cm-000001")

    state = adapter.get_document_state(DocumentType.INVOICE, created.id)
    assert state.balance == Decimal("12000.00")


def test_a_credit_memo_the_company_applied_in_part_is_applied_only_for_the_rest(harness):
    if harness.system.name != "qbo":
        pytest.skip("credits applied by a company preference are QuickBooks'")
    adapter = harness.adapter
    prefs = adapter.client.preferences()
    sales_forms = {**prefs["SalesFormsPrefs"], "AutoApplyCredit": True}
    adapter.client.update("Preferences", json.dumps(
        {"Id": prefs["Id"], "SyncToken": prefs["SyncToken"], "sparse": True,
         "SalesFormsPrefs": sales_forms}), "prefs-auto-apply")  # fmt: skip
    invoice = an_invoice(adapter, "INV-000105", "e")
    older_line = DocumentLine(item_id=invoice.lines[0].item_id, description="Earlier fee",
                              quantity=Decimal("1"), rate=Decimal("200.00"),
                              amount=Decimal("200.00"))  # fmt: skip
    older = adapter.create_invoice(
        InvoiceDoc(number="INV-000100", customer_id=invoice.customer_id, currency="USD",
                   txn_date=dt.date(2023, 6, 1), due_date=None, lines=(older_line,)),
        "inv-000100",
    )  # fmt: skip
    created = adapter.create_invoice(invoice, "inv-000105")
    line = DocumentLine(item_id=invoice.lines[0].item_id, description="Credit: rate dispute",
                        quantity=Decimal("1"), rate=Decimal("500.00"),
                        amount=Decimal("500.00"))  # fmt: skip
    memo = CreditMemoDoc(number="CM-000002", customer_id=invoice.customer_id, currency="USD",
                         txn_date=dt.date(2023, 7, 20), due_date=None, lines=(line,),
                         applies_to=created)  # fmt: skip

    adapter.create_credit_memo(memo, "cm-000002")

    # the company put 200.00 on the older invoice; the 300.00 left went to the one credited
    assert adapter.get_document_state(DocumentType.INVOICE, older.id).balance == Decimal("0")
    assert adapter.get_document_state(DocumentType.INVOICE, created.id).balance == Decimal(
        "12200.00"
    )


def test_connection_check_remembers_the_company(harness, sqlite_runner):
    checked = sqlite_runner("connection", "check", "books")

    assert checked.exit_code == 0, checked.output
    (listed,) = json.loads(sqlite_runner("connection", "list", "--json").stdout)
    assert (listed["settings"]["home_currency"], listed["settings"]["multicurrency"]) == (
        "USD", False,
    )  # fmt: skip


def sandbox_secrets(harness) -> set[str]:
    info = requests.get(f"{harness.base_url}/_sandbox/info", timeout=TIMEOUT).json()
    return {v for k, v in info.items() if k not in ("base_url", "realm_id", "account_id")}


def test_no_secret_reaches_the_logs(harness, caplog):
    secrets = sandbox_secrets(harness)
    harness.fault("401", r".", count=1, method=harness.system.read_method)

    with caplog.at_level(logging.DEBUG):
        harness.adapter.check_health()  # refreshes the token on the way
        harness.adapter.create_invoice(an_invoice(harness.adapter, "INV-000105", "e"), "inv-5")

    secrets |= sandbox_secrets(harness)  # the rotated tokens too
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged
    assert not [s for s in secrets if s and s in logged]
