"""The record types the sandbox serves, and what each field of theirs is.

Field names are NetSuite's, spelled as the record service answers them
(including its mixed case: ``trandate`` and ``tranId`` on a transaction,
``isinactive`` on a customer but ``isInactive`` on an item, as recorded in
``shared/fixtures/netsuite``); a request may spell them in any case. A
reference field holds ``{"id": ...}`` of a record of one of the named types;
a multi-select (an item's subsidiaries) holds ``{"items": [{"id": ...}]}``.
Fields not listed are kept as sent (as custom fields would be). Never
imports ``adapters.netsuite``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ITEM_TYPES = ("serviceSaleItem", "nonInventorySaleItem")
TXN_SEGMENTS = {
    "department": ("department",),
    "class": ("classification",),
    "location": ("location",),
}


@dataclass(frozen=True)
class Sublist:
    """A sublist of a transaction: its line fields, references and amounts."""

    name: str
    fields: tuple[str, ...]
    refs: Mapping[str, tuple[str, ...]]
    amounts: tuple[str, ...]

    def canonical(self, name: str) -> str:
        """A line field's canonical spelling (unknown names kept as sent)."""
        return _canonical(self.fields, name)


@dataclass(frozen=True)
class RecordType:
    """One record type of the REST record service."""

    name: str  # the REST name in URLs, e.g. "serviceSaleItem"
    link_name: str  # how links spell it, lower case, e.g. "serviceitem"
    family: str  # the internal id sequence it shares
    display: str  # the type as SuiteQL's deletedrecord names it
    fields: tuple[str, ...]
    refs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    multi_refs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    sublists: tuple[Sublist, ...] = ()
    amounts: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    transaction_type: str | None = None  # SuiteQL transaction.type (CustInvc...)
    item_type: str | None = None  # SuiteQL item.itemtype (Service, NonInvtPart)

    def canonical(self, name: str) -> str:
        """A field's canonical spelling (unknown names kept as sent)."""
        known = self.fields + tuple(s.name for s in self.sublists)
        return _canonical(known, name)

    def sublist(self, name: str) -> Sublist | None:
        """The sublist called ``name``, if this type has one."""
        return next((s for s in self.sublists if s.name == name), None)

    @property
    def is_transaction(self) -> bool:
        """Whether it is a transaction (dated, with lines or applications)."""
        return self.transaction_type is not None


def _canonical(known: tuple[str, ...], name: str) -> str:
    lowered = name.lower()
    return next((k for k in known if k.lower() == lowered), name)


ITEM_LINES = Sublist(
    "item",
    (
        "item",
        "description",
        "quantity",
        "rate",
        "amount",
        "taxCode",
        "department",
        "class",
        "location",
        "line",
    ),
    {"item": ITEM_TYPES, "taxCode": ("salestaxitem",), **TXN_SEGMENTS},
    ("quantity", "rate", "amount"),
)
APPLY_LINES = Sublist(
    "apply", ("doc", "apply", "amount", "line"), {"doc": ("invoice",)}, ("amount",)
)
_TXN_FIELDS = (
    "externalId",
    "tranId",
    "trandate",
    "currency",
    "subsidiary",
    "department",
    "class",
    "location",
    "memo",
    "otherRefNum",
    "exchangeRate",
)
_TXN_REFS = {"currency": ("currency",), "subsidiary": ("subsidiary",), **TXN_SEGMENTS}
_LIST_FIELDS = ("externalId", "name", "parent", "isInactive", "subsidiary", "includeChildren")


def _item(name: str, link_name: str, item_type: str, display: str) -> RecordType:
    return RecordType(
        name,
        link_name,
        "item",
        display,
        (
            "externalId",
            "itemId",
            "displayName",
            "salesDescription",
            "incomeAccount",
            "subsidiary",
            "isInactive",
            "includeChildren",
            "taxSchedule",
        ),
        refs={"incomeAccount": ("account",)},
        multi_refs={"subsidiary": ("subsidiary",)},
        required=("itemId", "incomeAccount"),
        defaults={
            "isInactive": False,
            "includeChildren": False,
            "subtype": "Sale",
            "itemType": item_type,
        },
        item_type=item_type,
    )


def _list(name: str, display: str, **extra: Any) -> RecordType:
    return RecordType(
        name,
        name.lower(),
        name,
        display,
        _LIST_FIELDS,
        refs={"parent": (name,)},
        multi_refs={"subsidiary": ("subsidiary",)},
        required=("name",),
        defaults={"isInactive": False},
        **extra,
    )


RECORD_TYPES: dict[str, RecordType] = {
    t.name: t
    for t in (
        RecordType(
            "customer",
            "customer",
            "entity",
            "Customer",
            (
                "externalId",
                "entityId",
                "companyName",
                "firstName",
                "lastName",
                "isPerson",
                "email",
                "phone",
                "comments",
                "subsidiary",
                "currency",
                "terms",
                "isinactive",
            ),
            refs={"subsidiary": ("subsidiary",), "currency": ("currency",), "terms": ("term",)},
            required=("companyName", "subsidiary"),
            defaults={"isPerson": False, "isinactive": False},
        ),
        _item("serviceSaleItem", "serviceitem", "Service", "Service Item"),
        _item("nonInventorySaleItem", "noninventoryitem", "NonInvtPart", "Non-inventory Item"),
        RecordType(
            "invoice",
            "invoice",
            "transaction",
            "Invoice",
            (*_TXN_FIELDS, "entity", "dueDate", "terms", "email"),
            refs={"entity": ("customer",), "terms": ("term",), **_TXN_REFS},
            required=("entity",),
            sublists=(ITEM_LINES,),
            transaction_type="CustInvc",
        ),
        RecordType(
            "creditMemo",
            "creditmemo",
            "transaction",
            "Credit Memo",
            (*_TXN_FIELDS, "entity", "autoApply"),
            refs={"entity": ("customer",), **_TXN_REFS},
            required=("entity",),
            sublists=(ITEM_LINES, APPLY_LINES),
            transaction_type="CustCred",
        ),
        RecordType(
            "customerPayment",
            "customerpayment",
            "transaction",
            "Customer Payment",
            (*_TXN_FIELDS, "customer", "payment"),
            refs={"customer": ("customer",), **_TXN_REFS},
            required=("customer",),
            sublists=(APPLY_LINES,),
            amounts=("payment",),
            transaction_type="CustPymt",
        ),
        RecordType(
            "term",
            "term",
            "term",
            "Term",
            ("externalId", "name", "daysUntilNetDue", "dateDriven", "isInactive", "preferred"),
            required=("name",),
            defaults={"dateDriven": False, "isInactive": False, "preferred": False},
        ),
        RecordType(
            "account",
            "account",
            "account",
            "Account",
            (
                "externalId",
                "acctname",
                "acctnumber",
                "accttype",
                "currency",
                "description",
                "isinactive",
                "subsidiary",
                "includechildren",
            ),
            refs={"currency": ("currency",)},
            multi_refs={"subsidiary": ("subsidiary",)},
            required=("acctname", "accttype"),
            defaults={"isinactive": False, "includechildren": False},
        ),
        RecordType(
            "subsidiary",
            "subsidiary",
            "subsidiary",
            "Subsidiary",
            ("externalId", "name", "parent", "currency", "isInactive", "country"),
            refs={"parent": ("subsidiary",), "currency": ("currency",)},
            required=("name", "currency"),
            defaults={"isInactive": False},
        ),
        RecordType(
            "currency",
            "currency",
            "currency",
            "Currency",
            ("externalId", "name", "symbol", "isBaseCurrency", "exchangeRate", "isInactive"),
            required=("name", "symbol"),
            amounts=("exchangeRate",),
            defaults={"isBaseCurrency": False, "isInactive": False},
        ),
        _list("department", "Department"),
        _list("classification", "Class"),
        _list("location", "Location"),
    )
}
ALIASES = {"noninventoryitem": "nonInventorySaleItem", "serviceitem": "serviceSaleItem"}


def record_type(name: str) -> RecordType | None:
    """The record type a URL names (any case; links' spellings too), if served."""
    lowered = name.lower()
    found = next((t for t in RECORD_TYPES.values() if t.name.lower() == lowered), None)
    return found or RECORD_TYPES.get(ALIASES.get(lowered, ""))
