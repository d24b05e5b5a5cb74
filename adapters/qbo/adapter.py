"""``QboAdapter``: the ``AccountingAdapter`` protocol over QuickBooks Online.

Built with (config, TokenStore, limiter, clock, sleep): the service passes its
encrypted token store and the realm's shared limiter (500 requests a minute,
10 at once), tests pass a memory store, a fixed clock and a sleep that only
records. Faults QBO lets us resolve are resolved here, once:

- 5010 stale SyncToken on an update: re-read the record and send again once;
- 6240 duplicate name on a create: link the existing customer (or item) of
  that name; when no customer has it (a vendor or employee does) a person
  must rename;
- 6140 duplicate DocNumber: link the existing document when it is ours (same
  customer, same total), else a person must renumber the other one.

Mapping pickers: QBO has no separate locations. Its departments are what
QBO's screens call "Location" in most companies, so ``OptionKind.LOCATION``
and ``OptionKind.DEPARTMENT`` both list departments, and either id becomes
the document's ``DepartmentRef``. QBO has no subsidiaries: that list is empty.

``find_document(key=...)``: QBO cannot be queried by requestid, so each
document carries its key at the end of PrivateNote ("Back Office key <key>",
kept when QBO prepends "Voided"); the read-back looks through documents
created in the last ``KEY_LOOKBACK``. The same read-back follows a batch that
went unanswered: QBO refuses a batch sent again under its requestid, so only
the invoices not found go again, in a new batch with a new requestid.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests

from adapters.auth import BearerAuth
from adapters.base import (
    MAX_KEY_LENGTH,
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
from adapters.jsonbody import dumps
from adapters.limits import RequestLimiter, Sleep
from adapters.qbo.changes import format_cursor, pull_changes
from adapters.qbo.client import MAX_BATCH_REQUEST_ID, QboClient
from adapters.qbo.config import QboConfig
from adapters.qbo.errors import (
    DUPLICATE_DOC_NUMBER,
    DUPLICATE_NAME,
    OBJECT_NOT_FOUND,
    QBO_TABLE,
    STALE_OBJECT,
    SYSTEM,
    TITLE,
    errors_of_fault,
    failure_of,
    read_fault,
)
from adapters.qbo.oauth import Clock, QboOAuth
from adapters.qbo.payloads import (
    KEY_NOTE_PREFIX,
    credit_application_body,
    customer_body,
    invoice_body,
    item_body,
    sparse_update,
)
from adapters.qbo.query import Select, query_all, query_page, quote, rows_of
from adapters.qbo.records import (
    ENTITY_OF,
    amount,
    deleted_state,
    document_state_of,
    option_of,
    ref_of,
)
from adapters.resolution import error_for
from adapters.tokens import TokenStore
from backoffice.errors import BackofficeError, NeedsUserAction, RetryableError, UncertainWrite

logger = logging.getLogger(__name__)

PICKER_PAGE = 200
BATCH_LIMIT = 30  # QBO's maximum items per batch request
KEY_LOOKBACK = dt.timedelta(days=7)
BATCH_ID_PREFIX = "batch-"


@dataclass(frozen=True)
class _OptionSource:
    """Where a picker's choices come from in QBO."""

    entity: str
    name_field: str
    where: tuple[str, ...] = ()
    detail: Callable[[dict[str, Any]], str | None] = lambda _row: None


def _ref_name(field: str) -> Callable[[dict[str, Any]], str | None]:
    return lambda row: (row.get(field) or {}).get("name")


_DEPARTMENTS = _OptionSource("Department", "FullyQualifiedName")
OPTION_SOURCES: dict[OptionKind, _OptionSource] = {
    OptionKind.CUSTOMER: _OptionSource(
        "Customer",
        "DisplayName",
        detail=lambda row: (row.get("PrimaryEmailAddr") or {}).get("Address"),
    ),
    OptionKind.ITEM: _OptionSource(
        "Item", "Name", ("Type = 'Service'",), _ref_name("IncomeAccountRef")
    ),
    OptionKind.INCOME_ACCOUNT: _OptionSource(
        "Account",
        "FullyQualifiedName",
        ("AccountType = 'Income'",),
        lambda row: row.get("AccountSubType"),
    ),
    OptionKind.TERMS: _OptionSource("Term", "Name"),
    OptionKind.TAX_CODE: _OptionSource(
        "TaxCode", "Name", detail=lambda row: row.get("Description")
    ),
    OptionKind.CLASS: _OptionSource("Class", "FullyQualifiedName"),
    OptionKind.DEPARTMENT: _DEPARTMENTS,
    OptionKind.LOCATION: _DEPARTMENTS,
    OptionKind.CURRENCY: _OptionSource(
        "CompanyCurrency", "Code", detail=lambda row: row.get("Name")
    ),
}


@dataclass(frozen=True)
class CompanySettings:
    """The preferences a push depends on."""

    home_currency: str
    multicurrency: bool


def derived_key(key: str, suffix: str) -> str:
    """A second requestid from ``key`` (a retry after re-reading, a follow-up write), ≤ 50."""
    candidate = f"{key}-{suffix}"
    if len(candidate) <= MAX_KEY_LENGTH:
        return candidate
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return f"{key[: MAX_KEY_LENGTH - len(suffix) - 12]}-{digest}-{suffix}"


def batch_request_id(keys: Sequence[str], attempt: int) -> str:
    """The requestid of a batch: its invoices' keys and the attempt, hashed to 32 characters.

    The same invoices give the same requestid, so a batch is recognisable in
    QBO's and our logs; a resend after an unanswered batch is a later
    ``attempt``, so it never repeats a requestid QBO may have seen. Hashing,
    never cutting, keeps two batches of long keys from sharing one.
    """
    digest = hashlib.sha256(json.dumps([attempt, *keys]).encode()).hexdigest()
    return BATCH_ID_PREFIX + digest[: MAX_BATCH_REQUEST_ID - len(BATCH_ID_PREFIX)]


class QboAdapter:
    """QuickBooks Online for one company (realm); see the module docstring."""

    def __init__(
        self,
        config: QboConfig,
        store: TokenStore,
        limiter: RequestLimiter,
        clock: Clock,
        sleep: Sleep,
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
    ) -> None:
        self.config = config
        self.clock = clock
        session = requests.Session()
        self.oauth = QboOAuth(
            config, store, session=session, clock=clock, sleep=sleep, policy=policy
        )
        http = HttpClient(
            SYSTEM,
            TITLE,
            session,
            config.api_base,
            QBO_TABLE,
            read_fault,
            limiter,
            policy,
            sleep,
            auth=BearerAuth(self.oauth),
            idempotency_param="requestid",
        )
        self.client = QboClient(config, http)
        self._settings: CompanySettings | None = None

    def check_health(self) -> ConnectionHealth:
        """CompanyInfo answers, and Preferences say the home currency and multicurrency."""
        try:
            info = self.client.company_info()
            settings = self.settings()
        except (NeedsUserAction, RetryableError) as error:
            return ConnectionHealth(ok=False, message=str(error))
        return ConnectionHealth(
            True, info.get("CompanyName"), settings.home_currency, settings.multicurrency
        )

    def settings(self) -> CompanySettings:
        """The company's currency preferences (read once per adapter)."""
        if self._settings is None:
            prefs = self.client.preferences().get("CurrencyPrefs") or {}
            self._settings = CompanySettings(
                home_currency=str((prefs.get("HomeCurrency") or {}).get("value") or "USD"),
                multicurrency=bool(prefs.get("MultiCurrencyEnabled", False)),
            )
        return self._settings

    def list_options(self, kind: OptionKind, start: int = 0) -> Page[RemoteOption]:
        """A page of picker choices; ``start`` is 0-based, QBO's STARTPOSITION 1-based."""
        source = OPTION_SOURCES.get(kind)
        if source is None:
            return Page((), None)
        page = query_page(self.client, Select(source.entity, source.where), start + 1, PICKER_PAGE)
        options = tuple(
            option_of(row, name_field=source.name_field, detail=source.detail(row))
            for row in page.rows
        )
        return Page(options, page.next_position - 1 if page.next_position else None)

    def upsert_customer(self, customer: CustomerDoc, key: str) -> RemoteRef:
        """Create the customer (a duplicate name links), or update the one at ``remote_id``."""
        body = customer_body(customer, multicurrency=self.settings().multicurrency)
        if customer.remote_id:
            body.pop("CurrencyRef", None)  # QBO fixes a customer's currency at creation
            return self._update("Customer", customer.remote_id, body, key)
        return self._create_or_link("Customer", "DisplayName", customer.display_name, body, key)

    def upsert_item(self, item: ItemDoc, key: str) -> RemoteRef:
        """Create the service item (a duplicate name links), or update it."""
        body = item_body(item)
        if item.remote_id:
            return self._update("Item", item.remote_id, body, key)
        return self._create_or_link("Item", "Name", item.name, body, key)

    def create_invoice(self, invoice: InvoiceDoc, key: str) -> RemoteRef:
        """Create the invoice; ``key`` is its requestid, so a resend is not applied twice."""
        return self._create_document(DocumentType.INVOICE, invoice, key)

    def create_invoices(
        self, invoices: Sequence[tuple[InvoiceDoc, str]]
    ) -> list[RemoteRef | BackofficeError]:
        """Create many invoices in batches of 30; each item's fault is returned in its place."""
        results: list[RemoteRef | BackofficeError] = []
        for first in range(0, len(invoices), BATCH_LIMIT):
            results.extend(self._create_batch(invoices[first : first + BATCH_LIMIT]))
        return results

    def create_credit_memo(self, memo: CreditMemoDoc, key: str) -> RemoteRef:
        """Create the credit memo, then apply it to ``applies_to`` with a zero payment."""
        created = self._create_document(DocumentType.CREDIT_MEMO, memo, key)
        if memo.applies_to is not None:
            self._apply_credit(memo, created, memo.applies_to, key)
        return created

    def find_document(
        self, document_type: DocumentType, *, number: str | None = None, key: str | None = None
    ) -> RemoteRef | None:
        """A pushed document by DocNumber, or by the key in its PrivateNote."""
        entity = ENTITY_OF[document_type]
        if number is not None:
            rows = self._rows(Select(entity, (f"DocNumber = {quote(number)}",)))
            return ref_of(rows[0]) if rows else None
        if key is None:
            raise ValueError("find_document needs a number or a key")
        return self._find_by_keys(entity, [key]).get(key)

    def _find_by_keys(self, entity: str, keys: Sequence[str]) -> dict[str, RemoteRef]:
        """The documents created in the last ``KEY_LOOKBACK`` whose PrivateNote ends with a key.

        One pass over the recent documents answers a whole batch's keys.
        """
        since = format_cursor(self.clock() - KEY_LOOKBACK)
        select = Select(entity, (f"MetaData.CreateTime >= {quote(since)}",))
        wanted = {KEY_NOTE_PREFIX + key: key for key in keys}
        found: dict[str, RemoteRef] = {}
        for row in query_all(self.client, select):
            note = str(row.get("PrivateNote") or "")
            for marker, key in wanted.items():
                if key not in found and note.endswith(marker):
                    found[key] = ref_of(row)
        return found

    def get_document_state(self, document_type: DocumentType, remote_id: str) -> DocumentState:
        """Total, balance, voided; a document QBO no longer finds (610) is deleted."""
        try:
            entity = self.client.read(ENTITY_OF[document_type], remote_id)
        except NeedsUserAction as error:
            if error.code != f"{SYSTEM}:{OBJECT_NOT_FOUND}":
                raise
            return deleted_state(remote_id)
        return document_state_of(document_type, entity)

    def changes_since(self, cursor: str | None) -> ChangeSet:
        """Payments and document edits, voids and deletes since ``cursor`` (see ``changes``)."""
        return pull_changes(
            self.client, cursor, now=self.clock(), home_currency=self.settings().home_currency
        )

    def _rows(self, select: Select, max_results: int = 10) -> tuple[dict[str, Any], ...]:
        return rows_of(self.client.query(select.statement(1, max_results)), select.entity)

    def _update(self, entity: str, remote_id: str, body: dict[str, Any], key: str) -> RemoteRef:
        """A sparse update at the current SyncToken; a stale one (5010) is re-read once."""
        current = ref_of(self.client.read(entity, remote_id))
        try:
            return ref_of(self.client.update(entity, dumps(sparse_update(body, current)), key))
        except NeedsUserAction as error:
            if error.code != f"{SYSTEM}:{STALE_OBJECT}":
                raise
        logger.info("qbo %s %s changed meanwhile (5010): read again", entity, remote_id)
        current = ref_of(self.client.read(entity, remote_id))
        update = dumps(sparse_update(body, current))
        return ref_of(self.client.update(entity, update, derived_key(key, "r1")))

    def _create_or_link(
        self, entity: str, name_field: str, name: str, body: dict[str, Any], key: str
    ) -> RemoteRef:
        try:
            return ref_of(self.client.create(entity, dumps(body), key))
        except NeedsUserAction as error:
            if error.code != f"{SYSTEM}:{DUPLICATE_NAME}":
                raise
            return self._existing_by_name(entity, name_field, name, error)

    def _existing_by_name(
        self, entity: str, name_field: str, name: str, error: NeedsUserAction
    ) -> RemoteRef:
        """The record that holds ``name`` (active or not), to link instead of creating."""
        where = (f"{name_field} = {quote(name)}", "Active IN (true, false)")
        rows = self._rows(Select(entity, where))
        if not rows:
            raise NeedsUserAction(
                error.code,
                f"{error.message} No {entity.lower()} has it: a vendor, employee "
                "or other list already uses the name.",
                error.action,
                detail=error.detail,
            ) from error
        logger.info("qbo %s name already existed: linked to Id %s", entity, rows[0]["Id"])
        return ref_of(rows[0])

    def _create_document(self, document_type: DocumentType, doc: InvoiceDoc, key: str) -> RemoteRef:
        entity = ENTITY_OF[document_type]
        body = invoice_body(doc, multicurrency=self.settings().multicurrency, key=key)
        try:
            return ref_of(self.client.create(entity, dumps(body), key))
        except NeedsUserAction as error:
            if error.code != f"{SYSTEM}:{DUPLICATE_DOC_NUMBER}":
                raise
            return self._ours_by_number(document_type, doc, error)

    def _ours_by_number(
        self, document_type: DocumentType, doc: InvoiceDoc, error: NeedsUserAction
    ) -> RemoteRef:
        """The document already numbered ``doc.number`` when it is ours: same customer and total."""
        rows = self._rows(Select(ENTITY_OF[document_type], (f"DocNumber = {quote(doc.number)}",)))
        for row in rows:
            same_customer = str((row.get("CustomerRef") or {}).get("value")) == doc.customer_id
            if same_customer and amount(row.get("TotalAmt")) == doc.total:
                logger.info("qbo %s %s already existed: linked", document_type, doc.number)
                return ref_of(row)
        raise error

    def _apply_credit(
        self, memo: CreditMemoDoc, created: RemoteRef, invoice: RemoteRef, key: str
    ) -> None:
        """Apply what is left of the memo, up to the invoice's open balance.

        A company with "automatically apply credits" on may already have
        applied the new memo (to this invoice or another of the customer's),
        so the memo's own ``RemainingCredit`` is read back rather than trusted
        to be its total; a paid invoice leaves the credit unapplied.
        """
        remaining = amount(self.client.read("CreditMemo", created.id).get("RemainingCredit"))
        balance = amount(self.client.read("Invoice", invoice.id).get("Balance"))
        applied = min(remaining, balance)
        if applied <= Decimal("0"):
            logger.info(
                "qbo credit memo %s left unapplied: %s of it remains, invoice %s owes %s",
                created.id,
                remaining,
                invoice.id,
                balance,
            )
            return
        currency = memo.currency if self.settings().multicurrency else None
        body = credit_application_body(
            customer_id=memo.customer_id,
            invoice_id=invoice.id,
            credit_memo_id=created.id,
            amount=applied,
            currency=currency,
        )
        self.client.create("Payment", dumps(body), derived_key(key, "apply"))

    def _create_batch(
        self, chunk: Sequence[tuple[InvoiceDoc, str]]
    ) -> list[RemoteRef | BackofficeError]:
        """One batch request; an invoice QuickBooks cannot take is refused in its place, unsent.

        A batch that went unanswered is never sent again under its requestid
        (QBO answers that with a 6000 fault on every item): each of its
        invoices is looked for by its key, and only the ones not found are
        sent, once, in a new batch with a new requestid. When that one goes
        unanswered too, those invoices are left uncertain, to be read back.
        """
        multicurrency = self.settings().multicurrency
        results: dict[int, RemoteRef | BackofficeError] = {}
        bodies: dict[int, dict[str, Any]] = {}
        for index, (doc, key) in enumerate(chunk):
            try:
                bodies[index] = invoice_body(doc, multicurrency=multicurrency, key=key)
            except NeedsUserAction as error:
                results[index] = error
        if bodies:
            try:
                results.update(self._send_batch(chunk, bodies, attempt=0))
            except UncertainWrite as unanswered:
                results.update(self._recover_batch(chunk, bodies, unanswered))
        return [results[index] for index in range(len(chunk))]

    def _recover_batch(
        self,
        chunk: Sequence[tuple[InvoiceDoc, str]],
        bodies: dict[int, dict[str, Any]],
        unanswered: UncertainWrite,
    ) -> dict[int, RemoteRef | BackofficeError]:
        """After an unanswered batch: what QBO saved, then the rest in a new batch."""
        found = self._find_by_keys(ENTITY_OF[DocumentType.INVOICE], [key for _doc, key in chunk])
        results: dict[int, RemoteRef | BackofficeError] = {}
        missing: dict[int, dict[str, Any]] = {}
        for index, body in bodies.items():
            ref = found.get(chunk[index][1])
            if ref is not None:
                results[index] = ref
            else:
                missing[index] = body
        logger.info(
            "qbo batch unanswered (%s): %d invoices found by key, %d sent again",
            unanswered.detail,
            len(results),
            len(missing),
        )
        if not missing:
            return results
        try:
            results.update(self._send_batch(chunk, missing, attempt=1))
        except UncertainWrite as again:
            results.update(dict.fromkeys(missing, again))
        return results

    def _send_batch(
        self,
        chunk: Sequence[tuple[InvoiceDoc, str]],
        bodies: dict[int, dict[str, Any]],
        *,
        attempt: int,
    ) -> dict[int, RemoteRef | BackofficeError]:
        """Each invoice's result, by its place in ``chunk`` (its bId is ``b<place>``)."""
        request = {
            "BatchItemRequest": [
                {"bId": f"b{index}", "operation": "create", "Invoice": body}
                for index, body in bodies.items()
            ]
        }
        request_id = batch_request_id([chunk[index][1] for index in bodies], attempt)
        answers = {item.get("bId"): item for item in self.client.batch(dumps(request), request_id)}
        return {
            index: self._batch_result(chunk[index][0], answers.get(f"b{index}")) for index in bodies
        }

    def _batch_result(
        self, doc: InvoiceDoc, answer: dict[str, Any] | None
    ) -> RemoteRef | BackofficeError:
        if answer is None:
            return RetryableError(f"QuickBooks' batch answer left out invoice {doc.number}.")
        if "Invoice" in answer:
            return ref_of(answer["Invoice"])
        error = error_for(QBO_TABLE, failure_of(errors_of_fault(answer.get("Fault")), status=None))
        if isinstance(error, NeedsUserAction) and error.code == f"{SYSTEM}:{DUPLICATE_DOC_NUMBER}":
            try:
                return self._ours_by_number(DocumentType.INVOICE, doc, error)
            except NeedsUserAction as unresolved:
                return unresolved
        return error
