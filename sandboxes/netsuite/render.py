"""Records as the record service answers them: links, references with names, sublists.

Shapes follow the recorded answers in ``shared/fixtures/netsuite``: a
``links`` list first (``self``, spelled with the type's lower-case link
name), then fields in case-insensitive alphabetical order; a reference is
``{"links", "id", "refName"}``; a sublist is only a ``links`` stub unless
``expandSubResources=true`` was asked for, when it carries ``items`` (each
line with its own links) and ``totalResults``; a multi-select is a stub.
A customer shows ``dateCreated``, other records ``createdDate``. Derived
amounts are camelCase as the record service spells its fields today
(``amountRemaining``, ``amountPaid``); only SuiteQL answers lower-case
column names (``tables``). Amounts are ``Decimal`` (written as exact JSON
numbers).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandboxes.netsuite import transactions
from sandboxes.netsuite.schema import RECORD_TYPES, RecordType, Sublist
from sandboxes.netsuite.state import CREATED, MODIFIED, Account, Record, record_time


class Renderer:
    """Renders records of one account for answers under ``base`` (``.../record/v1``)."""

    def __init__(self, account: Account, base: str) -> None:
        self.account = account
        self.base = base

    def record(self, kind: RecordType, record: Record, expand: bool = False) -> dict[str, Any]:
        """The record's JSON."""
        href = f"{self.base}/{kind.link_name}/{record['id']}"
        body: dict[str, Any] = {}
        for name, value in record.items():
            if name in (CREATED, MODIFIED) or value is None:
                continue
            body[name] = self._field(kind, name, value, href, expand)
        created = "dateCreated" if kind.name == "customer" else CREATED
        body[created] = record_time(record[CREATED])
        body[MODIFIED] = record_time(record[MODIFIED])
        body.update(self._computed(kind, record))
        ordered = dict(sorted(body.items(), key=lambda item: item[0].lower()))
        return {"links": [_self(href)], **ordered}

    def ref(self, targets: tuple[str, ...], record_id: str) -> dict[str, Any]:
        """A reference to a record of one of ``targets``."""
        for target in targets:
            found = self.account.get(target, record_id)
            if found is not None:
                kind = RECORD_TYPES[target]
                href = f"{self.base}/{kind.link_name}/{record_id}"
                return {"links": [_self(href)], "id": record_id, "refName": ref_name(kind, found)}
        return {"links": [], "id": record_id}

    def _field(self, kind: RecordType, name: str, value: Any, href: str, expand: bool) -> Any:
        sublist = kind.sublist(name)
        if sublist is not None:
            return self._sublist(sublist, value, f"{href}/{name}", expand)
        if name in kind.refs:
            return self.ref(kind.refs[name], value["id"])
        if name in kind.multi_refs:
            return {"links": [_self(f"{href}/{name}")]}
        return value

    def _sublist(
        self, sublist: Sublist, value: dict[str, Any], href: str, expand: bool
    ) -> dict[str, Any]:
        if not expand:
            return {"links": [_self(href)]}
        items = [self._line(sublist, line, href) for line in value.get("items") or []]
        return {"links": [_self(href)], "items": items, "totalResults": len(items)}

    def _line(self, sublist: Sublist, line: dict[str, Any], href: str) -> dict[str, Any]:
        body = {
            name: self.ref(sublist.refs[name], value["id"]) if name in sublist.refs else value
            for name, value in line.items()
            if value is not None
        }
        if sublist.name == "item":
            body.update(self._item_line_extras(line, href))
        ordered = dict(sorted(body.items(), key=lambda item: item[0].lower()))
        return {"links": [_self(f"{href}/{line.get('line')}")], **ordered}

    def _item_line_extras(self, line: dict[str, Any], href: str) -> dict[str, Any]:
        owner = href.rsplit("/", 2)[-2]
        extras: dict[str, Any] = {"id": f"{owner}_{line.get('line')}", "isTaxable": False}
        item = next(
            (
                (RECORD_TYPES[t], found)
                for t in RECORD_TYPES
                if (found := self.account.get(t, line["item"]["id"])) is not None
                and RECORD_TYPES[t].item_type is not None
            ),
            None,
        )
        if item is not None:
            kind, record = item
            extras.update({"itemType": kind.item_type, "itemSubType": "Sale"})
            if record.get("incomeAccount"):
                extras["account"] = self.ref(("account",), record["incomeAccount"]["id"])
        return extras

    def _computed(self, kind: RecordType, record: Record) -> dict[str, Any]:
        """Read-only fields NetSuite derives: totals, balances, status, item type."""
        if kind.name == "customer":
            return {"balance": customer_balance(self.account, record["id"])}
        if not kind.is_transaction:
            return {}
        total = transactions.total(record, kind.name)
        if kind.name == "invoice":
            open_amount = transactions.remaining(self.account, record)
            status = "Open" if open_amount > 0 else "Paid In Full"
            return {
                "total": total,
                "subtotal": total,
                "amountRemaining": open_amount,
                "amountPaid": total - open_amount,
                "status": status,
            }
        applied = transactions.applied(record)
        computed: dict[str, Any] = {
            "total": total,
            "applied": applied,
            "unapplied": total - applied,
        }
        if kind.name == "creditMemo":
            computed["status"] = "Open" if total > applied else "Fully Applied"
        return computed


def ref_name(kind: RecordType, record: Record) -> str:
    """The name a reference to ``record`` shows."""
    if kind.name == "customer":
        return str(record.get("entityId") or record["id"])
    if kind.item_type is not None:
        return str(record.get("itemId"))
    if kind.name == "account":
        return f"{record.get('acctnumber') or ''} {record.get('acctname')}".strip()
    if kind.is_transaction:
        return f"{kind.display} #{record.get('tranId') or record['id']}"
    return str(record.get("name"))


def customer_balance(account: Account, customer_id: str) -> Decimal:
    """What the customer owes: open invoices less unapplied credits and payments."""
    owed = transactions.ZERO
    for record_type, sign in (("invoice", 1), ("creditMemo", -1), ("customerPayment", -1)):
        for record in account.all(record_type):
            party = record.get("entity") or record.get("customer") or {}
            if party.get("id") != customer_id:
                continue
            if record_type == "invoice":
                owed += transactions.remaining(account, record)
            else:
                unapplied = transactions.total(record, record_type) - transactions.applied(record)
                owed += sign * unapplied
    return owed


def _self(href: str) -> dict[str, str]:
    return {"rel": "self", "href": href}
