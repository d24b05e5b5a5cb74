"""The SuiteQL tables the sandbox answers from, built from the account's records.

Each table lists its columns (lower case, as SuiteQL names them) and, for
a reference column, the table it points to (what ``BUILTIN.DF`` names).
Values are typed as SuiteQL holds them: ids and counts ``int``, amounts
``Decimal``, check boxes ``"T"``/``"F"``, dates ``date`` and times naive
``datetime`` in the account's time zone; ``None`` is NULL. As in NetSuite,
``transaction`` keeps the sign of the books (a credit memo's total is
negative) and ``transactionline`` the sign of each line's posting (an
invoice's item lines are negative, its main line positive). A payment or
credit applied to an invoice is a ``nexttransactionlinelink`` of type
``Payment``; a deleted record is a ``deletedrecord`` row. There is no
``salestaxitem`` (a SuiteTax account has none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandboxes.netsuite import transactions
from sandboxes.netsuite.schema import RECORD_TYPES
from sandboxes.netsuite.state import CREATED, MODIFIED, Account, Record

Row = dict[str, Any]


@dataclass(frozen=True)
class Table:
    """One SuiteQL table: its columns (with reference targets) and how to list its rows."""

    name: str
    columns: dict[str, str | None]
    rows: Callable[[Account], Iterator[Row]]
    display: str = "name"  # the column BUILTIN.DF shows for a reference to this table


def flag(value: Any) -> str:
    """A check box as SuiteQL answers it."""
    return "T" if value is True or value == "T" else "F"


def _id(value: Any) -> int | None:
    """A reference's internal id as a number (SuiteQL holds keys as numbers)."""
    if isinstance(value, dict):
        value = value.get("id")
    return int(value) if value not in (None, "") else None


def _times(account: Account, record: Record) -> Row:
    return {
        "createddate": account.local(record[CREATED]),
        "lastmodifieddate": account.local(record[MODIFIED]),
        "externalid": record.get("externalId"),
    }


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _customers(account: Account) -> Iterator[Row]:
    for r in account.all("customer"):
        yield {
            "id": int(r["id"]),
            "entityid": r.get("entityId"),
            "companyname": r.get("companyName"),
            "firstname": r.get("firstName"),
            "lastname": r.get("lastName"),
            "isperson": flag(r.get("isPerson")),
            "email": r.get("email"),
            "phone": r.get("phone"),
            "isinactive": flag(r.get("isinactive")),
            "subsidiary": _id(r.get("subsidiary")),
            "currency": _id(r.get("currency")),
            "terms": _id(r.get("terms")),
            "datecreated": account.local(r[CREATED]),
            **_times(account, r),
        }


def _items(account: Account) -> Iterator[Row]:
    rows = [
        {
            "id": int(r["id"]),
            "itemid": r.get("itemId"),
            "fullname": r.get("itemId"),
            "displayname": r.get("displayName"),
            "description": r.get("salesDescription"),
            "itemtype": kind.item_type,
            "subtype": "Sale",
            "incomeaccount": _id(r.get("incomeAccount")),
            "isinactive": flag(r.get("isInactive")),
            **_times(account, r),
        }
        for kind in RECORD_TYPES.values()
        if kind.item_type is not None
        for r in account.all(kind.name)
    ]
    yield from sorted(rows, key=lambda row: row["id"])


def _accounts(account: Account) -> Iterator[Row]:
    for r in account.all("account"):
        number, name = r.get("acctnumber"), r.get("acctname")
        yield {
            "id": int(r["id"]),
            "acctnumber": number,
            "acctname": name,
            "fullname": name,
            "accountsearchdisplayname": f"{number or ''} {name}".strip(),
            "accttype": r.get("accttype"),
            "description": r.get("description"),
            "currency": _id(r.get("currency")),
            "isinactive": flag(r.get("isinactive")),
            **_times(account, r),
        }


def _terms(account: Account) -> Iterator[Row]:
    for r in account.all("term"):
        yield {
            "id": int(r["id"]),
            "name": r.get("name"),
            "daysuntilnetdue": r.get("daysUntilNetDue"),
            "datedriven": flag(r.get("dateDriven")),
            "preferred": flag(r.get("preferred")),
            "isinactive": flag(r.get("isInactive")),
            **_times(account, r),
        }


def _subsidiaries(account: Account) -> Iterator[Row]:
    for r in account.all("subsidiary"):
        yield {
            "id": int(r["id"]),
            "name": r.get("name"),
            "fullname": _full_name(account, "subsidiary", r),
            "parent": _id(r.get("parent")),
            "currency": _id(r.get("currency")),
            "country": r.get("country"),
            "iselimination": "F",
            "isinactive": flag(r.get("isInactive")),
            **_times(account, r),
        }


def _currencies(account: Account) -> Iterator[Row]:
    for r in account.all("currency"):
        yield {
            "id": int(r["id"]),
            "name": r.get("name"),
            "symbol": r.get("symbol"),
            "isbasecurrency": flag(r.get("isBaseCurrency")),
            "exchangerate": r.get("exchangeRate"),
            "isinactive": flag(r.get("isInactive")),
            **_times(account, r),
        }


def _segments(record_type: str) -> Callable[[Account], Iterator[Row]]:
    def rows(account: Account) -> Iterator[Row]:
        for r in account.all(record_type):
            yield {
                "id": int(r["id"]),
                "name": r.get("name"),
                "fullname": _full_name(account, record_type, r),
                "parent": _id(r.get("parent")),
                "isinactive": flag(r.get("isInactive")),
                **_times(account, r),
            }

    return rows


def _full_name(account: Account, record_type: str, record: Record) -> str:
    """``Parent : Child``, as NetSuite names a record of a hierarchy."""
    parent = account.get(record_type, record["parent"]["id"]) if record.get("parent") else None
    name = str(record.get("name"))
    return name if parent is None else f"{_full_name(account, record_type, parent)} : {name}"


TRANSACTION_TYPES = ("invoice", "creditMemo", "customerPayment")


def _transactions(account: Account) -> Iterator[Row]:
    rows = [_transaction(account, name, r) for name in TRANSACTION_TYPES for r in account.all(name)]
    yield from sorted(rows, key=lambda row: row["id"])


def _transaction(account: Account, record_type: str, r: Record) -> Row:
    kind = RECORD_TYPES[record_type]
    total = transactions.total(r, record_type)
    unpaid: Decimal | None = None
    status = None
    if record_type == "invoice":
        unpaid = transactions.remaining(account, r)
        status = "A" if unpaid > 0 else "B"
    elif record_type == "creditMemo":
        total, unpaid = -total, -(total - transactions.applied(r))
        status = "A" if unpaid else "B"
    return {
        "id": int(r["id"]),
        "type": kind.transaction_type,
        "recordtype": kind.link_name,
        "tranid": r.get("tranId"),
        "entity": _id(r.get("entity") or r.get("customer")),
        "trandate": _date(r.get("trandate")),
        "duedate": _date(r.get("dueDate")),
        "foreigntotal": total,
        "foreignamountunpaid": unpaid,
        "foreignamountpaid": None if unpaid is None else total - unpaid,
        "status": status,
        "voided": "F",
        "posting": "T",
        "currency": _id(r.get("currency")),
        "terms": _id(r.get("terms")),
        "memo": r.get("memo"),
        "otherrefnum": r.get("otherRefNum"),
        "exchangerate": Decimal("1"),
        **_times(account, r),
    }


def _transaction_lines(account: Account) -> Iterator[Row]:
    for record_type in TRANSACTION_TYPES:
        for r in account.all(record_type):
            sign = -1 if record_type == "invoice" else 1
            main = transactions.total(r, record_type) * -sign
            base = {
                "transaction": int(r["id"]),
                "entity": _id(r.get("entity") or r.get("customer")),
                "subsidiary": _id(r.get("subsidiary")),
                "taxline": "F",
            }
            yield {
                **base,
                "id": 0,
                "linesequencenumber": 0,
                "mainline": "T",
                "foreignamount": main,
                "netamount": main,
                "memo": r.get("memo"),
            }
            for line in transactions.lines(r, "item"):
                amount = sign * Decimal(str(line["amount"]))
                yield {
                    **base,
                    "id": int(line["line"]),
                    "linesequencenumber": int(line["line"]),
                    "mainline": "F",
                    "item": _id(line.get("item")),
                    "quantity": sign * Decimal(str(line["quantity"])),
                    "rate": line.get("rate"),
                    "foreignamount": amount,
                    "netamount": amount,
                    "memo": line.get("description"),
                    "department": _id(line.get("department")),
                    "class": _id(line.get("class")),
                    "location": _id(line.get("location")),
                }


def _links(account: Account) -> Iterator[Row]:
    for record_type in ("customerPayment", "creditMemo"):
        kind = RECORD_TYPES[record_type]
        for r in account.all(record_type):
            for line in transactions.lines(r, "apply"):
                yield {
                    "nextdoc": int(r["id"]),
                    "nexttype": kind.transaction_type,
                    "nextline": 0,
                    "previousdoc": int(line["doc"]["id"]),
                    "previoustype": "CustInvc",
                    "previousline": 0,
                    "linktype": "Payment",
                    "foreignamount": line["amount"],
                    "amount": line["amount"],
                    "linkdate": _date(r.get("trandate")),
                }


def _deleted(account: Account) -> Iterator[Row]:
    for d in account.deleted:
        yield {
            "recordid": int(d.record_id),
            "type": d.record_type,
            "name": d.name,
            "externalid": d.external_id,
            "deleteddate": account.local(d.deleted_at),
            "context": "WebServices",
        }


def _columns(*names: str, **refs: str) -> dict[str, str | None]:
    return {**dict.fromkeys(names), **refs}


_TIMES = ("createddate", "lastmodifieddate", "externalid")
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "customer",
            _columns(
                "id",
                "entityid",
                "companyname",
                "firstname",
                "lastname",
                "isperson",
                "email",
                "phone",
                "isinactive",
                "datecreated",
                *_TIMES,
                subsidiary="subsidiary",
                currency="currency",
                terms="term",
            ),
            _customers,
            display="entityid",
        ),
        Table(
            "item",
            _columns(
                "id",
                "itemid",
                "fullname",
                "displayname",
                "description",
                "itemtype",
                "subtype",
                "isinactive",
                *_TIMES,
                incomeaccount="account",
            ),
            _items,
            display="itemid",
        ),
        Table(
            "account",
            _columns(
                "id",
                "acctnumber",
                "acctname",
                "fullname",
                "accountsearchdisplayname",
                "accttype",
                "description",
                "isinactive",
                *_TIMES,
                currency="currency",
            ),
            _accounts,
            display="accountsearchdisplayname",
        ),
        Table(
            "term",
            _columns(
                "id", "name", "daysuntilnetdue", "datedriven", "preferred", "isinactive", *_TIMES
            ),
            _terms,
        ),
        Table(
            "subsidiary",
            _columns(
                "id",
                "name",
                "fullname",
                "country",
                "iselimination",
                "isinactive",
                *_TIMES,
                parent="subsidiary",
                currency="currency",
            ),
            _subsidiaries,
        ),
        Table(
            "currency",
            _columns(
                "id", "name", "symbol", "isbasecurrency", "exchangerate", "isinactive", *_TIMES
            ),
            _currencies,
        ),
        *(
            Table(
                name,
                _columns("id", "name", "fullname", "isinactive", *_TIMES, parent=name),
                _segments(name),
            )
            for name in ("department", "classification", "location")
        ),
        Table(
            "transaction",
            _columns(
                "id",
                "type",
                "recordtype",
                "tranid",
                "trandate",
                "duedate",
                "foreigntotal",
                "foreignamountunpaid",
                "foreignamountpaid",
                "status",
                "voided",
                "posting",
                "memo",
                "otherrefnum",
                "exchangerate",
                *_TIMES,
                entity="customer",
                currency="currency",
                terms="term",
            ),
            _transactions,
            display="tranid",
        ),
        Table(
            "transactionline",
            _columns(
                "id",
                "linesequencenumber",
                "mainline",
                "taxline",
                "quantity",
                "rate",
                "foreignamount",
                "netamount",
                "memo",
                transaction="transaction",
                entity="customer",
                subsidiary="subsidiary",
                item="item",
                department="department",
                location="location",
                **{"class": "classification"},
            ),
            _transaction_lines,
        ),
        Table(
            "nexttransactionlinelink",
            _columns(
                "nextline",
                "nexttype",
                "previousline",
                "previoustype",
                "linktype",
                "foreignamount",
                "amount",
                "linkdate",
                nextdoc="transaction",
                previousdoc="transaction",
            ),
            _links,
        ),
        Table(
            "deletedrecord",
            _columns("recordid", "type", "name", "externalid", "deleteddate", "context"),
            _deleted,
        ),
    )
}
