"""Transaction arithmetic: line amounts, totals, applications and open balances.

An item line's amount is its quantity times its rate, rounded to cents
(``ROUND_HALF_UP``), unless the request gave one; a transaction's total is
the sum of its lines (a payment's is its ``payment``). What is still open
on an invoice is never stored: it is its total less every application of
a credit memo or customer payment to it, so deleting or editing a payment
reopens the invoice at once. Amounts stay ``Decimal`` from the JSON text
to the answer.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandboxes.netsuite import errors
from sandboxes.netsuite.state import MODIFIED, Account, Record

CENT = Decimal("0.01")
ZERO = Decimal("0")
APPLYING = ("creditMemo", "customerPayment")


def lines(record: Record, sublist: str) -> list[dict[str, Any]]:
    """The lines of ``sublist`` (empty when the record has none)."""
    found = record.get(sublist)
    return list(found.get("items") or []) if isinstance(found, dict) else []


def complete_item_lines(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lines with quantity, rate, amount and a line number each (numbers never reused)."""
    next_line = max((int(line.get("line") or 0) for line in items), default=0) + 1
    done = []
    for line in items:
        quantity = Decimal(str(line.get("quantity", 1)))
        amount = line.get("amount")
        rate = line.get("rate")
        if amount is None:
            amount = (quantity * Decimal(str(rate or 0))).quantize(CENT, ROUND_HALF_UP)
        if rate is None:
            rate = Decimal(str(amount)) / quantity if quantity else Decimal(str(amount))
        numbered = {
            **line,
            "quantity": quantity,
            "rate": Decimal(str(rate)),
            "amount": Decimal(str(amount)),
        }
        if "line" not in numbered:
            numbered["line"] = next_line
            next_line += 1
        done.append(numbered)
    return done


def total(record: Record, record_type: str) -> Decimal:
    """What the transaction is for: its payment, or the sum of its item lines."""
    if record_type == "customerPayment":
        return Decimal(str(record.get("payment") or 0))
    return sum((Decimal(str(line["amount"])) for line in lines(record, "item")), ZERO)


def applied(record: Record) -> Decimal:
    """What a credit memo or payment applies to invoices."""
    return sum((Decimal(str(line["amount"])) for line in lines(record, "apply")), ZERO)


def applied_to(account: Account, invoice_id: str, excluding: str | None = None) -> Decimal:
    """What credit memos and payments (but ``excluding``) apply to the invoice."""
    amount = ZERO
    for record_type in APPLYING:
        for record in account.all(record_type):
            if record["id"] == excluding:
                continue
            for line in lines(record, "apply"):
                if line["doc"]["id"] == invoice_id:
                    amount += Decimal(str(line["amount"]))
    return amount


def remaining(account: Account, invoice: Record, excluding: str | None = None) -> Decimal:
    """What is still open on an invoice."""
    return total(invoice, "invoice") - applied_to(account, invoice["id"], excluding)


def check_applications(
    account: Account, record: Record, record_type: str, now: dt.datetime
) -> Record:
    """The record with each application's amount settled and checked; touched invoices bumped.

    An application without an amount takes what is open on the invoice, up to
    what the credit or payment still has; one over the invoice's open amount,
    to another customer's invoice, or beyond the credit or payment, is refused.
    A credit memo sent with ``autoApply: true`` and no application of its own
    is spread over the customer's open invoices, oldest first, as NetSuite
    does; with ``autoApply: false`` (or left out) it stays as sent.
    """
    customer = (record.get("entity") or record.get("customer") or {}).get("id")
    available = total(record, record_type) if record_type == "creditMemo" else None
    settled = []
    for index, line in enumerate(lines(record, "apply")):
        if line.get("apply") is False:
            continue
        invoice = account.get("invoice", line["doc"]["id"])
        if invoice is None or invoice.get("entity", {}).get("id") != customer:
            raise errors.invalid_line_value(f"apply.items[{index}].doc", line["doc"]["id"])
        open_amount = remaining(account, invoice, excluding=record.get("id"))
        room = open_amount if available is None else min(open_amount, available)
        amount = Decimal(str(line["amount"])) if line.get("amount") is not None else room
        if amount > open_amount:
            raise errors.user_error(
                f"The amount applied to invoice {invoice.get('tranId') or invoice['id']} "
                "exceeds the amount due.",
                f"apply.items[{index}].amount",
            )
        if available is not None:
            available -= amount
        settled.append({**line, "apply": True, "amount": amount, "line": index + 1})
    if record_type == "creditMemo" and record.get("autoApply") is True and not settled:
        settled = _auto_applied(account, record, customer, available or ZERO)
    return _with_applications(record, record_type, settled, now, account)


def _auto_applied(
    account: Account, memo: Record, customer: str | None, available: Decimal
) -> list[dict[str, Any]]:
    """The customer's open invoices, oldest first, each taking what it can of ``available``."""
    invoices = [i for i in account.all("invoice") if i.get("entity", {}).get("id") == customer]
    invoices.sort(key=lambda i: (str(i.get("trandate") or ""), int(i["id"])))
    settled: list[dict[str, Any]] = []
    for invoice in invoices:
        amount = min(remaining(account, invoice, excluding=memo.get("id")), available)
        if amount <= 0:
            continue
        available -= amount
        line = {"doc": {"id": invoice["id"]}, "apply": True, "amount": amount}
        settled.append({**line, "line": len(settled) + 1})
    return settled


def touch_applied(account: Account, record: Record, now: dt.datetime) -> None:
    """Invoices a credit or payment applies to were modified too (their balance moved)."""
    for line in lines(record, "apply"):
        invoice = account.get("invoice", line["doc"]["id"])
        if invoice is not None:
            invoice[MODIFIED] = now


def _with_applications(
    record: Record,
    record_type: str,
    settled: list[dict[str, Any]],
    now: dt.datetime,
    account: Account,
) -> Record:
    done = {**record, "apply": {"items": settled}} if settled or "apply" in record else record
    if record_type == "customerPayment" and done.get("payment") is None:
        if not settled:
            raise errors.field_required("payment")
        done["payment"] = applied(done)
    limit = total(done, record_type)
    if applied(done) > limit:
        raise errors.user_error("The total amount applied cannot exceed the amount available.")
    touch_applied(account, done, now)
    return done
