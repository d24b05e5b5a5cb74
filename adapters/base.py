"""The one protocol every accounting adapter speaks, and the values it speaks in.

The sync engine talks only to ``AccountingAdapter``; QuickBooks Online and
NetSuite each implement it over their real API. Values are frozen dataclasses
with ``Decimal`` amounts already quantized by the caller and ISO currency
codes; no ORM rows and no raw payloads cross this line.

Every write takes an idempotency ``key`` derived from the sync engine's
outbox entry (at most 50 characters). QBO sends it as ``requestid``, NetSuite
as the record's ``externalId``: retrying a write with the same key never
applies it twice, and ``find_document(..., key=...)`` reads a write back after
an ``UncertainWrite``.

Errors (``backoffice.errors``), by what the caller does next:

- ``RetryableError`` (429, 5xx, timeouts before sending): wait ``retry_after``
  seconds (or back off) and retry;
- ``AuthExpired``: the adapter already refreshed once and failed again, or the
  caller must refresh: see each adapter;
- ``NeedsUserAction``: a mapping, a closed period, a duplicate name... with the
  system's code, its message and what a person should do;
- ``UncertainWrite``: the request may have been applied: read back first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")

MAX_KEY_LENGTH = 50  # QBO's requestid limit; NetSuite external ids are longer


class OptionKind(StrEnum):
    """What a mapping picker lists from the remote system."""

    CUSTOMER = "customer"
    ITEM = "item"
    INCOME_ACCOUNT = "income_account"
    TERMS = "terms"
    TAX_CODE = "tax_code"
    CLASS = "class"
    DEPARTMENT = "department"
    LOCATION = "location"
    SUBSIDIARY = "subsidiary"
    CURRENCY = "currency"


class DocumentType(StrEnum):
    """The documents we push and read back."""

    INVOICE = "invoice"
    CREDIT_MEMO = "credit_memo"


@dataclass(frozen=True)
class RemoteRef:
    """A remote record: its id and the version a later update must name (QBO SyncToken)."""

    id: str
    version: str | None = None


@dataclass(frozen=True)
class RemoteOption:
    """One choice in a mapping picker: a remote record's id and name."""

    id: str
    name: str
    active: bool = True
    detail: str | None = None  # e.g. an account's type, an item's income account


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; ``next_start`` is None on the last page."""

    items: tuple[T, ...]
    next_start: int | None


@dataclass(frozen=True)
class ConnectionHealth:
    """Whether the connection answers, and as which company."""

    ok: bool
    company_name: str | None = None
    home_currency: str | None = None
    multicurrency: bool = False
    message: str | None = None


@dataclass(frozen=True)
class CustomerDoc:
    """A Billto as the accounting system's customer."""

    display_name: str
    email: str | None
    currency: str
    remote_id: str | None = None  # set to update a linked customer
    company_name: str | None = None
    country: str | None = None
    subsidiary_id: str | None = None  # NetSuite
    terms_id: str | None = None


@dataclass(frozen=True)
class ItemDoc:
    """A product variant as a service item selling to an income account."""

    name: str
    income_account_id: str
    description: str | None = None
    remote_id: str | None = None
    subsidiary_id: str | None = None  # NetSuite


@dataclass(frozen=True)
class DocumentLine:
    """One line of an invoice or credit memo (amounts positive on both)."""

    item_id: str
    description: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    tax_code_id: str | None = None
    class_id: str | None = None
    department_id: str | None = None
    location_id: str | None = None


@dataclass(frozen=True)
class InvoiceDoc:
    """An approved invoice, numbered; ``number`` becomes QBO's DocNumber / NetSuite's tranId."""

    number: str
    customer_id: str
    currency: str
    txn_date: dt.date
    due_date: dt.date | None
    lines: tuple[DocumentLine, ...]
    terms_id: str | None = None
    memo: str | None = None
    po_number: str | None = None
    subsidiary_id: str | None = None
    class_id: str | None = None
    department_id: str | None = None
    location_id: str | None = None

    @property
    def total(self) -> Decimal:
        """The sum of the lines."""
        return sum((line.amount for line in self.lines), Decimal(0))


@dataclass(frozen=True)
class CreditMemoDoc(InvoiceDoc):
    """A credit memo; ``applies_to`` is the remote invoice it credits, where known."""

    applies_to: RemoteRef | None = None


@dataclass(frozen=True)
class DocumentState:
    """A pushed document as the accounting system has it now."""

    ref: RemoteRef
    number: str | None
    total: Decimal
    balance: Decimal
    voided: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class PaymentApplication:
    """Part of a payment applied to one of our documents."""

    document_type: DocumentType
    document_id: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentDoc:
    """A customer payment and what it pays."""

    ref: RemoteRef
    customer_id: str
    txn_date: dt.date
    total: Decimal
    currency: str
    applications: tuple[PaymentApplication, ...] = ()


class ChangeKind(StrEnum):
    """What happened to a remote record since the last pull."""

    PAYMENT = "payment"
    UPDATED = "updated"
    VOIDED = "voided"
    DELETED = "deleted"


@dataclass(frozen=True)
class RemoteChange:
    """One change: a payment (with its applications) or an edit, void or delete of a document."""

    kind: ChangeKind
    document_type: DocumentType | None
    remote_id: str
    changed_at: dt.datetime
    payment: PaymentDoc | None = None
    state: DocumentState | None = None


@dataclass(frozen=True)
class ChangeSet:
    """Changes since a cursor, and the cursor to pass next time."""

    changes: tuple[RemoteChange, ...]
    cursor: str
    full_resync: bool = False  # the cursor was too old: the changes were read in full
    notes: tuple[str, ...] = field(default_factory=tuple)


class AccountingAdapter(Protocol):
    """What the sync engine needs of an accounting system."""

    def check_health(self) -> ConnectionHealth:
        """Whether the connection answers (and refreshes its token if it must)."""

    def list_options(self, kind: OptionKind, start: int = 0) -> Page[RemoteOption]:
        """A page of remote records for a mapping picker, from ``start`` (0-based)."""

    def upsert_customer(self, customer: CustomerDoc, key: str) -> RemoteRef:
        """Create the customer, or update the one at ``remote_id``; a duplicate name links."""

    def upsert_item(self, item: ItemDoc, key: str) -> RemoteRef:
        """Create the service item, or update the one at ``remote_id``."""

    def create_invoice(self, invoice: InvoiceDoc, key: str) -> RemoteRef:
        """Create the invoice; the same ``key`` never creates it twice."""

    def create_credit_memo(self, memo: CreditMemoDoc, key: str) -> RemoteRef:
        """Create the credit memo, applied to ``applies_to`` where the system can."""

    def find_document(
        self, document_type: DocumentType, *, number: str | None = None, key: str | None = None
    ) -> RemoteRef | None:
        """A pushed document by our number or by the key it was written with."""

    def get_document_state(self, document_type: DocumentType, remote_id: str) -> DocumentState:
        """Total, balance and whether it was voided or deleted."""

    def changes_since(self, cursor: str | None) -> ChangeSet:
        """Payments and edits, voids and deletes of documents since ``cursor``."""
