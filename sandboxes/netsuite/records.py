"""Creating, updating, finding and deleting records, with NetSuite's validation.

A body's fields are matched to the type's fields whatever their case;
references (``{"id"}`` or ``{"externalId"}``) must name an existing record
of the right type (else INVALID_KEY_OR_REF on a body field, INVALID_CONTENT
on a sublist line, as Oracle's example shows); mandatory fields missing
answer FIELD_PARAM_REQD. Customers' ``entityId`` and items' ``itemId`` are
unique and so is an external id within a type: a duplicate answers
USER_ERROR "... already exists", as REST does, or the older DUP_ENTITY /
DUP_ITEM / DUP_RCRD codes when the account is set to. A transaction
without a subsidiary or currency takes its customer's, and an invoice's
due date follows its terms. Sublists sent on an update are merged into
the existing lines (a line with a known ``line`` number is updated, others
are added) unless named in ``replace``, which replaces them whole.
Read-only fields sent are ignored. Callers hold the sandbox lock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sandboxes.netsuite import errors, transactions
from sandboxes.netsuite.schema import RECORD_TYPES, RecordType, Sublist
from sandboxes.netsuite.state import CREATED, MODIFIED, Account, Deleted, Record

READ_ONLY = {
    "id",
    "links",
    "total",
    "subtotal",
    "amountremaining",
    "amountpaid",
    "applied",
    "unapplied",
    "status",
    "createddate",
    "lastmodifieddate",
    "datecreated",
    "balance",
    "itemtype",
    "subtype",
}
DATES = ("trandate", "dueDate")
EXTERNAL_ID = "eid:"


def find(account: Account, kind: RecordType, key: str) -> Record:
    """The record at ``<id>`` or ``eid:<externalId>``, or NONEXISTENT_ID."""
    if key.startswith(EXTERNAL_ID):
        found = account.by_external_id(kind.name, key[len(EXTERNAL_ID) :])
    else:
        found = account.get(kind.name, key)
    if found is None:
        raise errors.nonexistent_id()
    return found


def create(
    account: Account, kind: RecordType, body: Any, now: dt.datetime, external_id: str | None = None
) -> Record:
    """A new record from ``body`` (``external_id`` from an upsert URL wins over the body's)."""
    fields = normalize(account, kind, body)
    if external_id is not None:
        fields["externalId"] = external_id
    if fields.get("externalId") and account.by_external_id(kind.name, fields["externalId"]):
        raise errors.duplicate("DUP_RCRD", "This record already exists.", account.legacy_duplicates)
    record = {**kind.defaults, **fields, "id": account.next_id(kind.family)}
    record = _complete(account, kind, record, now)
    record[CREATED] = record[MODIFIED] = now
    account.put(kind.name, record)
    return record


def update(
    account: Account,
    kind: RecordType,
    record: Record,
    body: Any,
    now: dt.datetime,
    replace: set[str],
) -> Record:
    """``record`` with ``body``'s fields set (its sublists merged unless in ``replace``)."""
    fields = normalize(account, kind, body)
    if record.get("externalId"):
        fields.pop("externalId", None)  # set once; an upsert never renames its key
    changed = {**record}
    for name, value in fields.items():
        sublist = kind.sublist(name)
        if sublist is not None and name not in replace:
            value = {"items": _merge(transactions.lines(record, name), value["items"])}
        changed[name] = value
    transactions.touch_applied(account, record, now)
    changed = _complete(account, kind, changed, now)
    changed[MODIFIED] = now
    account.put(kind.name, changed)
    return changed


def delete(account: Account, kind: RecordType, record: Record, now: dt.datetime) -> None:
    """Remove the record, unless another record depends on it."""
    if _is_referenced(account, kind, record["id"]):
        raise errors.user_error("This record cannot be deleted because it has dependent records.")
    transactions.touch_applied(account, record, now)
    name = record.get("tranId") or record.get("entityId") or record.get("itemId")
    deleted = Deleted(kind.display, record["id"], record.get("externalId"), name, now)
    account.remove(kind.name, record, deleted)


def normalize(account: Account, kind: RecordType, body: Any) -> dict[str, Any]:
    """The body's writable fields, canonically named, references resolved, amounts exact."""
    if not isinstance(body, dict):
        raise errors.invalid_content()
    fields: dict[str, Any] = {}
    for raw_name, value in body.items():
        name = kind.canonical(raw_name)
        if name.lower() in READ_ONLY:
            continue
        fields[name] = _value(account, kind, name, value)
    return fields


def _value(account: Account, kind: RecordType, name: str, value: Any) -> Any:
    sublist = kind.sublist(name)
    if sublist is not None:
        return {"items": _lines(account, sublist, value)}
    if name in kind.refs:
        return None if value is None else _ref(account, kind.refs[name], value, name)
    if name in kind.multi_refs:
        items = value.get("items") if isinstance(value, dict) else None
        if not isinstance(items, list):
            raise errors.invalid_reference(name)
        return {"items": [_ref(account, kind.multi_refs[name], v, name) for v in items]}
    if name in kind.amounts and value is not None:
        return _number(name, value)
    if name in DATES and value is not None:
        return _date(name, value)
    return value


def _lines(account: Account, sublist: Sublist, value: Any) -> list[dict[str, Any]]:
    items = value.get("items") if isinstance(value, dict) else None
    if not isinstance(items, list) or not all(isinstance(line, dict) for line in items):
        raise errors.invalid_content()
    done = []
    for index, line in enumerate(items):
        fields: dict[str, Any] = {}
        for raw_name, field_value in line.items():
            name = sublist.canonical(raw_name)
            path = f"{sublist.name}.items[{index}].{name}"
            if name in sublist.refs and field_value is not None:
                found = _resolve(account, sublist.refs[name], field_value)
                if found is None:
                    raise errors.invalid_line_value(path, _shown(field_value))
                field_value = {"id": found}
            elif name in sublist.amounts and field_value is not None:
                field_value = _number(path, field_value)
            elif name == "line" and field_value is not None and not _is_whole(field_value):
                raise errors.invalid_line_value(path, _shown(field_value))
            fields[name] = field_value
        done.append(fields)
    return done


def _ref(account: Account, targets: tuple[str, ...], value: Any, path: str) -> dict[str, str]:
    found = _resolve(account, targets, value)
    if found is None:
        raise errors.invalid_reference(path)
    return {"id": found}


def _resolve(account: Account, targets: tuple[str, ...], value: Any) -> str | None:
    """The internal id a reference names, if a record of one of ``targets`` has it."""
    if not isinstance(value, dict):
        return None
    for target in targets:
        if value.get("id") is not None and account.get(target, str(value["id"])) is not None:
            return str(value["id"])
        if value.get("externalId") is not None:
            found = account.by_external_id(target, str(value["externalId"]))
            if found is not None:
                return str(found["id"])
    return None


def _number(path: str, value: Any) -> Decimal:
    """A finite number as ``Decimal``; anything else is refused as NetSuite refuses it."""
    if not isinstance(value, bool) and isinstance(value, int | float | Decimal | str):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = Decimal("NaN")
        if number.is_finite():
            return number
    raise errors.invalid_line_value(path, str(value)[:40])


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value: Any) -> Any:
    return value.get("id", value.get("externalId")) if isinstance(value, dict) else value


def _date(name: str, value: Any) -> str:
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError as error:
        raise errors.ApiError(
            400,
            "INVALID_FLD_VALUE",
            f"Invalid date value {value} for field {name}.",
            ("o:errorPath", name),
        ) from error


def _merge(existing: list[dict[str, Any]], sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged = [dict(line) for line in existing]
    by_number = {int(line["line"]): line for line in merged if line.get("line") is not None}
    for line in sent:
        known = by_number.get(int(line["line"])) if line.get("line") is not None else None
        if known is not None:
            known.update(line)
        else:
            merged.append({k: v for k, v in line.items() if k != "line"})
    return merged


def _complete(account: Account, kind: RecordType, record: Record, now: dt.datetime) -> Record:
    """Defaults, mandatory fields, unique names and transaction amounts of a record to save."""
    if kind.is_transaction:
        record = _transaction_defaults(account, kind, record, now)
    if kind.name == "customer" and not record.get("currency") and record.get("subsidiary"):
        subsidiary = account.get("subsidiary", record["subsidiary"]["id"]) or {}
        record["currency"] = subsidiary.get("currency")
    _check_required(kind, record)
    _check_unique(account, kind, record)
    if kind.sublist("item") is not None:
        items = transactions.complete_item_lines(transactions.lines(record, "item"))
        if not items:
            raise errors.user_error("You must enter at least one line item for this transaction.")
        record["item"] = {"items": items}
    if kind.sublist("apply") is not None:
        record = transactions.check_applications(account, record, kind.name, now)
    return record


def _transaction_defaults(
    account: Account, kind: RecordType, record: Record, now: dt.datetime
) -> Record:
    customer_ref = record.get("entity") or record.get("customer")
    customer = account.get("customer", customer_ref["id"]) if customer_ref else None
    done = {**record}
    done.setdefault("trandate", account.today(now).isoformat())
    if customer is not None:
        for name in ("subsidiary", "currency") + (("terms",) if "terms" in kind.fields else ()):
            if done.get(name) is None and customer.get(name) is not None:
                done[name] = dict(customer[name])
    terms = account.get("term", done["terms"]["id"]) if done.get("terms") else None
    if kind.name == "invoice" and not done.get("dueDate") and terms is not None:
        days = dt.timedelta(days=int(terms.get("daysUntilNetDue") or 0))
        done["dueDate"] = (dt.date.fromisoformat(done["trandate"]) + days).isoformat()
    return done


def _check_required(kind: RecordType, record: Record) -> None:
    required = kind.required
    if kind.name == "customer" and record.get("isPerson"):
        required = ("firstName", "lastName", "subsidiary")
    for name in required:
        if record.get(name) in (None, ""):
            raise errors.field_required(name)


def _check_unique(account: Account, kind: RecordType, record: Record) -> None:
    if kind.name == "customer":
        record.setdefault("entityId", record.get("companyName") or _person_name(record))
        if _taken(account, ("customer",), "entityId", record):
            raise errors.duplicate(
                "DUP_ENTITY", "This entity already exists.", account.legacy_duplicates
            )
    if kind.item_type is not None and _taken(account, _item_types(), "itemId", record):
        raise errors.duplicate(
            "DUP_ITEM",
            "An item with the name you have chosen already exists. Please choose another.",
            account.legacy_duplicates,
        )


def _taken(account: Account, types: tuple[str, ...], name: str, record: Record) -> bool:
    value = str(record.get(name) or "").lower()
    return any(
        str(other.get(name) or "").lower() == value and other["id"] != record["id"]
        for record_type in types
        for other in account.all(record_type)
    )


def _item_types() -> tuple[str, ...]:
    return tuple(name for name, kind in RECORD_TYPES.items() if kind.item_type is not None)


def _person_name(record: Record) -> str:
    return f"{record.get('firstName') or ''} {record.get('lastName') or ''}".strip()


def _is_referenced(account: Account, kind: RecordType, record_id: str) -> bool:
    """Whether any record refers to this one (in a field or a line)."""
    for other_kind in RECORD_TYPES.values():
        for other in account.all(other_kind.name):
            if _refers(other_kind, other, kind.name, record_id):
                return True
    return False


def _refers(kind: RecordType, record: Record, target: str, record_id: str) -> bool:
    for name, targets in kind.refs.items():
        if target in targets and (record.get(name) or {}).get("id") == record_id:
            return True
    for sublist in kind.sublists:
        for name, targets in sublist.refs.items():
            for line in transactions.lines(record, sublist.name):
                if target in targets and (line.get(name) or {}).get("id") == record_id:
                    return True
    return False
