"""``NetSuiteAdapter``: the ``AccountingAdapter`` protocol over NetSuite's REST web services.

Built with (config, TokenStore, limiter, clock, sleep), in the order of
``QboAdapter``'s: the token store serves OAuth 2.0 only (None for TBA), the
limiter is the account's shared one (``account_limiter``), clock and sleep
are injected so tests never wait. Every call, the OAuth 2.0 token call
included, goes through ``adapters.http.HttpClient``; API calls hold a slot of
the account's limiter and are resolved by NetSuite's table for the
connection's kind of authentication.

Writes (``records``): a customer, item or document is created with
``PUT <type>/eid:<key>``, so resending the same key never creates a second
one; after an ``UncertainWrite`` the caller reads back with
``find_document(..., key=...)``. A linked record (``remote_id``) is updated
with PATCH. A duplicate name links the existing customer or item, as QBO's
adapter does. A credit memo is applied to its invoice in the same write, up to
the invoice's open balance (nothing when it is paid); a credit memo already
written under its key is returned as is, so a resend cannot change what was
applied. Reads for pickers, look-ups and changes are SuiteQL
(``suiteql``/``changes``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import requests

from adapters.auth import Authenticator, BearerAuth
from adapters.base import (
    ChangeSet,
    ConnectionHealth,
    CreditMemoDoc,
    CustomerDoc,
    DocumentState,
    DocumentType,
    InvoiceDoc,
    ItemDoc,
    OptionKind,
    Page,
    RemoteOption,
    RemoteRef,
)
from adapters.http import DEFAULT_POLICY, HttpClient, RetryPolicy
from adapters.limits import RequestLimiter, Sleep, limiter_for
from adapters.netsuite.auth import ClientCredentialsTokens, Clock, tba_auth
from adapters.netsuite.changes import pull_changes
from adapters.netsuite.config import NetSuiteConfig, TbaCredentials
from adapters.netsuite.documents import (
    CUSTOMER,
    ITEM,
    LINES,
    RECORD_TYPE_OF,
    TRANSACTION_TYPE_OF,
    credit_memo_body,
    customer_body,
    invoice_body,
    item_body,
)
from adapters.netsuite.errors import SYSTEM, TITLE, is_duplicate, read_fault, table_for
from adapters.netsuite.hosts import api_base, realm_of, token_endpoint
from adapters.netsuite.options import OPTION_SOURCES, OptionSource, option_of
from adapters.netsuite.records import RecordService, is_not_found
from adapters.netsuite.suiteql import fetch_page, quote
from adapters.tokens import TokenStore
from backoffice.errors import NeedsUserAction, RetryableError

logger = logging.getLogger(__name__)

PICKER_PAGE = 200
HEALTH = (
    "SELECT s.id, s.name, c.symbol AS currency FROM subsidiary s "
    "LEFT JOIN currency c ON c.id = s.currency WHERE s.parent IS NULL ORDER BY s.id"
)
CURRENCIES = "SELECT id, symbol FROM currency ORDER BY id"
# REST record bodies spell fields in camelCase; records captured from the 2019-2020
# REST beta spelled this one in lower case, still read as a fallback
REMAINING = ("amountRemaining", "amountremaining")


class NetSuiteAdapter:
    """NetSuite for one account; see the module docstring."""

    def __init__(
        self,
        config: NetSuiteConfig,
        store: TokenStore | None,
        limiter: RequestLimiter,
        clock: Clock,
        sleep: Sleep,
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
        signing: Mapping[str, Any] | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        session = requests.Session()
        auth = _authenticator(config, store, session, clock, sleep, policy, signing or {})
        self.client = HttpClient(
            SYSTEM,
            TITLE,
            session,
            api_base(config.account_id, config.base_url),
            table_for(config.uses_tba),
            read_fault,
            limiter,
            policy,
            sleep,
            auth=auth,
        )
        self.records = RecordService(self.client)
        self._currency_ids: dict[str, str] | None = None

    def check_health(self) -> ConnectionHealth:
        """SuiteQL answers: the top subsidiary's name and currency, and whether several exist."""
        try:
            rows = fetch_page(self.client, HEALTH, 0, 1).rows
            multicurrency = len(self.currency_ids()) > 1
        except (NeedsUserAction, RetryableError) as error:
            return ConnectionHealth(ok=False, message=str(error))
        top = rows[0] if rows else {}
        return ConnectionHealth(True, top.get("name"), top.get("currency"), multicurrency)

    def list_options(self, kind: OptionKind, start: int = 0) -> Page[RemoteOption]:
        """A page of picker choices from ``start`` (0-based), 200 at a time."""
        source = OPTION_SOURCES[kind]
        try:
            page = fetch_page(self.client, source.statement, start, PICKER_PAGE)
        except NeedsUserAction as error:
            if not source.optional:
                raise
            logger.info("netsuite %s list unavailable (%s): none offered", kind, error.code)
            return Page((), None)
        return Page(tuple(option_of(row) for row in page.rows), page.next_position)

    def upsert_customer(self, customer: CustomerDoc, key: str) -> RemoteRef:
        """Create the customer under ``key`` (a duplicate name links), or update ``remote_id``."""
        body = customer_body(customer, self.currency_id(customer.currency))
        if customer.remote_id:
            body.pop("currency", None)  # fixed once the customer has transactions
            self.records.update(CUSTOMER, customer.remote_id, body)
            return RemoteRef(customer.remote_id)
        source = OptionSource("customer", "entityid")
        return self._upsert_or_link(CUSTOMER, key, body, source, customer.display_name)

    def upsert_item(self, item: ItemDoc, key: str) -> RemoteRef:
        """Create the service item under ``key`` (a duplicate name links), or update it."""
        body = item_body(item)
        if item.remote_id:
            self.records.update(ITEM, item.remote_id, body)
            return RemoteRef(item.remote_id)
        return self._upsert_or_link(ITEM, key, body, OptionSource("item", "itemid"), item.name)

    def create_invoice(self, invoice: InvoiceDoc, key: str) -> RemoteRef:
        """Upsert the invoice under ``key``: a resend replaces its lines, never adds to them."""
        body = invoice_body(invoice, self.currency_id(invoice.currency))
        return RemoteRef(self.records.upsert("invoice", key, body, replace=(LINES,)))

    def create_credit_memo(self, memo: CreditMemoDoc, key: str) -> RemoteRef:
        """Upsert the credit memo, applied to ``applies_to`` up to the invoice's open balance."""
        existing = self.find_document(DocumentType.CREDIT_MEMO, key=key)
        if existing is not None:
            return existing
        applied = self._applicable(memo)
        body = credit_memo_body(memo, self.currency_id(memo.currency), applied)
        return RemoteRef(self.records.upsert("creditMemo", key, body, replace=(LINES,)))

    def find_document(
        self, document_type: DocumentType, *, number: str | None = None, key: str | None = None
    ) -> RemoteRef | None:
        """A pushed document by its external id (our key), or by tranId (our number)."""
        if key is not None:
            record = self.records.get_by_key(RECORD_TYPE_OF[document_type], key)
            return _ref_of(record) if record is not None else None
        if number is None:
            raise ValueError("find_document needs a number or a key")
        statement = (
            "SELECT t.id, TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified "
            f"FROM transaction t WHERE t.type = {quote(TRANSACTION_TYPE_OF[document_type])} "
            f"AND t.tranid = {quote(number)} ORDER BY t.id"
        )
        rows = fetch_page(self.client, statement, 0, 10).rows
        return RemoteRef(str(rows[0]["id"]), rows[0].get("modified")) if rows else None

    def get_document_state(self, document_type: DocumentType, remote_id: str) -> DocumentState:
        """Total, open balance, voided; a record NetSuite no longer has is deleted."""
        try:
            record = self.records.get(RECORD_TYPE_OF[document_type], remote_id)
        except NeedsUserAction as error:
            if not is_not_found(error):
                raise
            zero = Decimal("0")
            return DocumentState(RemoteRef(remote_id), None, zero, zero, deleted=True)
        return DocumentState(
            ref=_ref_of(record),
            number=record.get("tranId"),
            total=_amount(record.get("total")),
            balance=_amount(_first(record, *REMAINING, "unapplied")),
            voided=_status_of(record) == "Voided",
        )

    def changes_since(self, cursor: str | None) -> ChangeSet:
        """Payments and document edits, voids and deletes since ``cursor`` (see ``changes``)."""
        return pull_changes(self.client, cursor, now=self.clock())

    def currency_ids(self) -> dict[str, str]:
        """ISO code → internal id of the account's currencies (read once per adapter)."""
        if self._currency_ids is None:
            rows = fetch_page(self.client, CURRENCIES, 0, 1000).rows
            self._currency_ids = {str(r["symbol"]).upper(): str(r["id"]) for r in rows}
        return self._currency_ids

    def currency_id(self, code: str) -> str:
        """The internal id of an ISO currency, or ``NeedsUserAction`` when NetSuite lacks it."""
        found = self.currency_ids().get(code.upper())
        if found is None:
            raise NeedsUserAction(
                f"{SYSTEM}:currency",
                f"NetSuite has no currency {code}.",
                "Add the currency in NetSuite (Lists > Accounting > Currencies) or change "
                "the Billto's currency.",
            )
        return found

    def _upsert_or_link(
        self, record_type: str, key: str, body: dict[str, Any], source: OptionSource, name: str
    ) -> RemoteRef:
        try:
            return RemoteRef(self.records.upsert(record_type, key, body))
        except NeedsUserAction as error:
            if not is_duplicate(error):
                raise
            return self._existing_by_name(source, name, error)

    def _existing_by_name(
        self, source: OptionSource, name: str, error: NeedsUserAction
    ) -> RemoteRef:
        """The record that already holds ``name``, to link instead of creating."""
        statement = (
            f"SELECT id FROM {source.table} WHERE {source.name_column} = {quote(name)} ORDER BY id"
        )
        rows = fetch_page(self.client, statement, 0, 10).rows
        if not rows:
            raise NeedsUserAction(
                error.code,
                f"{error.message} No {source.table} has it: another kind of record does.",
                error.action,
                detail=error.detail,
            ) from error
        logger.info(
            "netsuite %s name already existed: linked to id %s", source.table, rows[0]["id"]
        )
        return RemoteRef(str(rows[0]["id"]))

    def _applicable(self, memo: CreditMemoDoc) -> Decimal | None:
        """How much of the memo its invoice can take: up to its open balance, None when paid."""
        if memo.applies_to is None:
            return None
        invoice = self.records.get("invoice", memo.applies_to.id)
        applied = min(memo.total, _amount(_first(invoice, *REMAINING)))
        if applied <= 0:
            logger.info(
                "netsuite invoice %s has no open balance: credit memo left unapplied",
                memo.applies_to.id,
            )
            return None
        return applied


def account_limiter(config: NetSuiteConfig, sleep: Sleep) -> RequestLimiter:
    """The account's process-wide limiter: its concurrency cap and per-minute bound."""
    return limiter_for(
        SYSTEM,
        realm_of(config.account_id),
        per_minute=config.per_minute,
        concurrent=config.concurrency,
        sleep=sleep,
    )


def _authenticator(
    config: NetSuiteConfig,
    store: TokenStore | None,
    session: requests.Session,
    clock: Clock,
    sleep: Sleep,
    policy: RetryPolicy,
    signing: Mapping[str, Any],
) -> Authenticator:
    """TBA's fixed signature, or a bearer over the OAuth 2.0 client-credentials tokens."""
    if isinstance(config.auth, TbaCredentials):
        return tba_auth(config.auth, realm_of(config.account_id), **signing)
    if store is None:
        raise ValueError("OAuth 2.0 client credentials need a TokenStore")
    token_url = token_endpoint(config.account_id, config.base_url)
    tokens = ClientCredentialsTokens(
        config.auth, token_url, store, session=session, clock=clock, sleep=sleep, policy=policy
    )
    return BearerAuth(tokens)


def _ref_of(record: dict[str, Any]) -> RemoteRef:
    return RemoteRef(str(record["id"]), record.get("lastModifiedDate"))


def _first(record: dict[str, Any], *names: str) -> Any:
    return next((record[n] for n in names if record.get(n) is not None), None)


def _status_of(record: dict[str, Any]) -> str | None:
    status = record.get("status")
    return status.get("refName") if isinstance(status, dict) else status


def _amount(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal("0")
