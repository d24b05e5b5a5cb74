"""What every write shares: the write session, references, properties and amounts.

A ``Session`` is one request's work on a company at one instant; it collects
the changes the webhook notifier reports once the lock is released. A
reference (``{"value": "3"}``) must name a record that exists (else 2500
naming the element, as QBO does) and is active (else 2500 "made inactive");
QBO fills in its ``name`` when it answers. Amounts are ``Decimal`` with two
places.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sandboxes.qbo import errors
from sandboxes.qbo.schema import EntityKind
from sandboxes.qbo.state import Company, Record

CENT = Decimal("0.01")
_NAME_FIELDS = {"Customer": "DisplayName", "Account": "FullyQualifiedName"}
_UNNAMED_REFS = {"TaxCode"}  # QBO answers {"value": "NON"} without a name


@dataclass(frozen=True)
class Change:
    """One record a request changed, for the webhook notification."""

    entity: str
    record_id: str
    operation: str  # "Create", "Update", "Delete", "Void"
    last_updated: dt.datetime


@dataclass
class Session:
    """One request's writes: the company, the instant, and what changed."""

    company: Company
    now: dt.datetime
    changes: list[Change] = field(default_factory=list)

    def note(self, entity: str, record_id: str, operation: str) -> None:
        """Remember a change for the webhook (a record changed twice is reported twice)."""
        self.changes.append(Change(entity, record_id, operation, self.now))

    def preference(self, group: str, name: str) -> Any:
        """One company preference (``SalesFormsPrefs``, ``CustomTxnNumbers``)."""
        prefs = self.company.get("Preferences", "1") or {}
        return (prefs.get(group) or {}).get(name)


def check_properties(kind: EntityKind, body: Record) -> None:
    """Refuse a property the entity does not have (2010), as QBO's parser does."""
    for name in body:
        if name not in kind.properties:
            raise errors.unsupported_property(name, kind.name, kind.properties)


def resolve(session: Session, entity: str, ref: Any, element: str) -> Record:
    """The active record a reference names; the ref gets its ``name`` filled in."""
    value = ref.get("value") if isinstance(ref, dict) else None
    target = session.company.get(entity, str(value)) if value not in (None, "") else None
    if target is None:
        raise errors.invalid_reference(element)
    if target.get("Active") is False:
        raise errors.inactive_reference()
    ref["value"] = str(value)
    if entity not in _UNNAMED_REFS:
        ref["name"] = target.get(_NAME_FIELDS.get(entity, "Name"))
    return target


def resolve_optional(session: Session, record: Record, field_name: str, entity: str) -> None:
    """Resolve ``record[field_name]`` when present."""
    if record.get(field_name) is not None:
        resolve(session, entity, record[field_name], field_name)


def money(value: Any, element: str) -> Decimal:
    """An amount as ``Decimal`` with two places (QBO answers amounts that way)."""
    try:
        return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as error:
        raise _illegal_number(element) from error


def number(value: Any, element: str) -> Decimal:
    """A quantity or unit price, exact as sent."""
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise _illegal_number(element) from error


def is_same_name(left: Any, right: Any) -> bool:
    """Names compare case-insensitively and ignoring surrounding spaces, as QBO does."""
    return str(left).strip().casefold() == str(right).strip().casefold()


def _illegal_number(element: str) -> errors.ApiError:
    """2080, as QBO answers a value that is not a number."""
    return errors.validation(
        "2080", "Illegal number format", f"{element} should be a number", element
    )
