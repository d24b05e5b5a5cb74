"""Intuit webhook notifications: verify ``intuit-signature``, then read which records changed.

The signature is base64(HMAC-SHA256(verifier token, exact body bytes)): the
body must be verified as received, before any parsing or re-encoding, and
compared in constant time. Two body formats arrive: the legacy
``{"eventNotifications": [...]}`` and a JSON array of CloudEvents 1.0 objects
(``type`` like ``qbo.invoice.updated.v1``). A notification only tells the
service to pull: the records themselves are read through CDC.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from adapters.qbo.records import utc
from backoffice.secret import Secret

SIGNATURE_HEADER = "intuit-signature"
_CLOUD_OPERATIONS = {
    "created": "Create",
    "updated": "Update",
    "deleted": "Delete",
    "voided": "Void",
    "merged": "Merge",
    "emailed": "Emailed",
}
_ENTITY_NAMES = {
    name.lower(): name
    for name in (
        "Account",
        "Bill",
        "BillPayment",
        "Class",
        "CreditMemo",
        "Customer",
        "Department",
        "Deposit",
        "Employee",
        "Estimate",
        "Invoice",
        "Item",
        "JournalEntry",
        "Payment",
        "PaymentMethod",
        "Preferences",
        "Purchase",
        "PurchaseOrder",
        "RefundReceipt",
        "SalesReceipt",
        "TaxAgency",
        "Term",
        "TimeActivity",
        "Transfer",
        "Vendor",
        "VendorCredit",
    )
}


@dataclass(frozen=True)
class EntityChange:
    """One record a notification says changed."""

    realm_id: str
    entity: str  # QBO's entity name: "Invoice", "Payment", "Customer"...
    entity_id: str
    operation: str  # "Create", "Update", "Delete", "Void", "Merge", "Emailed"
    changed_at: dt.datetime | None  # naive UTC


def verify_signature(body: bytes, signature: str | None, verifier_token: Secret) -> bool:
    """Whether ``signature`` is Intuit's for exactly these body bytes."""
    if not signature or not verifier_token:
        return False
    try:
        given = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(verifier_token.reveal().encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


class MalformedNotification(ValueError):
    """Raised when a (verified) body is not a notification in either of Intuit's formats."""


def parse_notification(body: bytes) -> tuple[EntityChange, ...]:
    """The changes a (verified) notification reports, in either format.

    Raises:
        MalformedNotification: the body is neither format; the message says
            what is wrong without quoting the body.
    """
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise MalformedNotification("the body is not JSON (or is nested too deep)") from error
    if isinstance(document, list):
        return tuple(_cloud_event(_object(event, "an event")) for event in document)
    if isinstance(document, dict) and "eventNotifications" in document:
        return tuple(_legacy(_list(document["eventNotifications"], "eventNotifications")))
    raise MalformedNotification("the body is neither a list of events nor eventNotifications")


def changed_realms(changes: Iterable[EntityChange]) -> dict[str, frozenset[str]]:
    """Which realms to pull, and which entities changed in each."""
    found: dict[str, set[str]] = {}
    for change in changes:
        found.setdefault(change.realm_id, set()).add(change.entity)
    return {realm: frozenset(entities) for realm, entities in found.items()}


def _legacy(notifications: list[Any]) -> Iterable[EntityChange]:
    for item in notifications:
        notification = _object(item, "a notification")
        realm_id = _text(notification, "realmId")
        change = _object(notification.get("dataChangeEvent", {}), "dataChangeEvent")
        for entity in _list(change.get("entities", []), "entities"):
            entity = _object(entity, "an entity")
            yield EntityChange(
                realm_id=realm_id,
                entity=_entity_name(_text(entity, "name")),
                entity_id=_text(entity, "id"),
                operation=_text(entity, "operation"),
                changed_at=_time(entity.get("lastUpdated")),
            )


def _cloud_event(event: dict[str, Any]) -> EntityChange:
    """``type`` is ``qbo.<entity>.<operation>.v<n>``."""
    parts = _text(event, "type").split(".")
    if len(parts) < 3 or parts[0] != "qbo" or not parts[1]:
        raise MalformedNotification("an event's type is not qbo.<entity>.<operation>")
    return EntityChange(
        realm_id=_text(event, "intuitaccountid"),
        entity=_entity_name(parts[1]),
        entity_id=_text(event, "intuitentityid"),
        operation=_CLOUD_OPERATIONS.get(parts[2], parts[2].capitalize()),
        changed_at=_time(event.get("time")),
    )


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedNotification(f"{what} is not a JSON object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise MalformedNotification(f"{what} is not a JSON list")
    return value


def _text(item: dict[str, Any], name: str) -> str:
    """A field that must be there, as text (Intuit sends ids as strings or numbers)."""
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise MalformedNotification(f"{name} is missing or not text")
    return str(value)


def _entity_name(name: str) -> str:
    return _ENTITY_NAMES.get(name.lower(), name[:1].upper() + name[1:])


def _time(value: Any) -> dt.datetime | None:
    """An ISO time (``Z`` or offset; CloudEvents carry nanoseconds) as naive UTC."""
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    head, _, rest = text.partition(".")
    if rest:
        digits = "".join(c for c in rest if c.isdigit())
        text = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    try:
        return utc(dt.datetime.fromisoformat(text))
    except ValueError as error:
        raise MalformedNotification("a change time is not an ISO date and time") from error
