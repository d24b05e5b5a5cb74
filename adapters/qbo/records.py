"""QBO entity JSON read back into our values: refs, document states, payments, picker options.

Amounts are read through ``str`` into ``Decimal`` whatever JSON type carried
them. Timestamps become naive UTC, as everywhere in the service.

A void leaves the invoice in place with every amount zeroed and "Voided"
prepended to its PrivateNote. Neither is enough alone (a zero invoice is
legal, anyone can type "Voided" in a note), so a document counts as voided
when its TotalAmt and every line amount are zero **and** the note starts
with "Voided" (or, where QBO reports it, ``TxnStatus`` is "Voided").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from adapters.base import (
    DocumentState,
    DocumentType,
    PaymentApplication,
    PaymentDoc,
    RemoteOption,
    RemoteRef,
)

ENTITY_OF: dict[DocumentType, str] = {
    DocumentType.INVOICE: "Invoice",
    DocumentType.CREDIT_MEMO: "CreditMemo",
}
DOCUMENT_TYPE_OF: dict[str, DocumentType] = {name: kind for kind, name in ENTITY_OF.items()}


def amount(value: Any) -> Decimal:
    """A QBO amount as ``Decimal`` (missing is zero)."""
    return Decimal(str(value)) if value is not None else Decimal("0")


def ref_of(entity: dict[str, Any]) -> RemoteRef:
    """Id and SyncToken: what a later update must name."""
    return RemoteRef(str(entity["Id"]), str(entity.get("SyncToken", "0")))


def updated_at(entity: dict[str, Any]) -> dt.datetime:
    """``MetaData.LastUpdatedTime`` as naive UTC."""
    return utc(dt.datetime.fromisoformat(entity["MetaData"]["LastUpdatedTime"]))


def utc(moment: dt.datetime) -> dt.datetime:
    """An aware time as naive UTC (a naive one is taken as UTC already)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def is_voided(entity: dict[str, Any]) -> bool:
    """Whether QBO voided this invoice or credit memo (see the module docstring)."""
    if entity.get("TxnStatus") == "Voided":
        return True
    note = str(entity.get("PrivateNote") or "")
    lines = entity.get("Line") or []
    return (
        note.startswith("Voided")
        and amount(entity.get("TotalAmt")) == 0
        and all(amount(line.get("Amount")) == 0 for line in lines)
    )


def document_state_of(document_type: DocumentType, entity: dict[str, Any]) -> DocumentState:
    """Total, open balance (a credit memo's remaining credit) and void of a read document."""
    balance = entity.get("Balance")
    if document_type is DocumentType.CREDIT_MEMO and "RemainingCredit" in entity:
        balance = entity["RemainingCredit"]
    return DocumentState(
        ref=ref_of(entity),
        number=entity.get("DocNumber"),
        total=amount(entity.get("TotalAmt")),
        balance=amount(balance),
        voided=is_voided(entity),
    )


def deleted_state(remote_id: str) -> DocumentState:
    """A document QBO no longer has (read answers 610, CDC reports status Deleted)."""
    return DocumentState(RemoteRef(remote_id), None, Decimal("0"), Decimal("0"), deleted=True)


def payment_of(entity: dict[str, Any], home_currency: str) -> PaymentDoc:
    """A Payment and what each line applies it to (``Line[].LinkedTxn``)."""
    return PaymentDoc(
        ref=ref_of(entity),
        customer_id=str(entity["CustomerRef"]["value"]),
        txn_date=dt.date.fromisoformat(entity["TxnDate"]),
        total=amount(entity.get("TotalAmt")),
        currency=str((entity.get("CurrencyRef") or {}).get("value") or home_currency),
        applications=tuple(_applications(entity.get("Line") or [])),
    )


def _applications(lines: list[dict[str, Any]]) -> list[PaymentApplication]:
    """One application per linked invoice or credit memo; a line's amount is what it applies."""
    found = []
    for line in lines:
        for linked in line.get("LinkedTxn") or []:
            kind = DOCUMENT_TYPE_OF.get(str(linked.get("TxnType")))
            if kind is not None:
                found.append(PaymentApplication(kind, str(linked["TxnId"]), amount(line["Amount"])))
    return found


def option_of(entity: dict[str, Any], *, name_field: str, detail: str | None) -> RemoteOption:
    """A picker choice: Id, display name, whether active, and a hint."""
    return RemoteOption(
        id=str(entity["Id"]),
        name=str(entity.get(name_field) or entity.get("Name") or entity["Id"]),
        active=bool(entity.get("Active", True)),
        detail=detail,
    )
