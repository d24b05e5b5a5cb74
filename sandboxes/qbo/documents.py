"""Invoices, credit memos and payments: lines, totals, numbers, due dates and balances.

QBO computes what a client cannot dictate: each line's Id and LineNum, the
SubTotal line, TotalAmt, Balance (an invoice's total less what payments
apply to it) and a credit memo's RemainingCredit. A line sent with Qty and
UnitPrice must have Amount = Qty x UnitPrice to the cent (6070). With custom
transaction numbers on (the sandbox default), a DocNumber already used by
another document of the same type is refused (6140); a document sent
without one is numbered from 1001. A PONumber longer than 15 characters is
refused (2050), never cut. A payment applies each line's Amount to
the invoices or credit memos its ``LinkedTxn`` names; the documents it
touches are updated too (SyncToken, LinkedTxn, Balance), as QBO does.
With the company preference ``SalesFormsPrefs.AutoApplyCredit`` on, a new
credit memo is applied at once to the customer's open invoices in its
currency, oldest first, by a zero payment (``auto_application``), as a
company with "automatically apply credits" does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sandboxes.qbo import errors
from sandboxes.qbo.lists import currency_ref
from sandboxes.qbo.records import Session, money, number, resolve, resolve_optional
from sandboxes.qbo.state import Record, bump, company_date

FIRST_DOC_NUMBER = 1001
DEFAULT_DUE_DAYS = 30
APPLICABLE = ("Invoice", "CreditMemo")
_ZERO = Decimal("0.00")
PO_NUMBER_MAX = 15


def prepare_document(session: Session, entity: str, record: Record) -> None:
    """An Invoice or CreditMemo as QBO saves it (``record`` is the merged body)."""
    if record.get("CustomerRef") is None:
        raise errors.required_param("CustomerRef")
    customer = resolve(session, "Customer", record["CustomerRef"], "CustomerRef")
    if not record.get("Line"):
        raise errors.required_param("Line")
    _check_po_number(record.get("PONumber"))
    record["Line"] = _lines(session, record["Line"])
    total = sum((line["Amount"] for line in record["Line"]), _ZERO)
    record["Line"].append(
        {"Amount": total, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
    )
    record["TotalAmt"] = total
    record.setdefault("TxnDate", company_date(session.now).isoformat())
    record["CurrencyRef"] = currency_ref(session, record.get("CurrencyRef"))
    _number(session, entity, record)
    for field_name, target in (("ClassRef", "Class"), ("DepartmentRef", "Department")):
        resolve_optional(session, record, field_name, target)
    _fill(record, {"TxnTaxDetail": {"TotalTax": 0}, "ApplyTaxAfterDiscount": False})
    _fill(record, {"PrintStatus": "NotSet", "EmailStatus": "NotSet"})
    if entity == "Invoice":
        _invoice_terms(session, record, customer)
        _fill(record, {"AllowIPNPayment": False, "AllowOnlinePayment": False})
        _fill(record, {"AllowOnlineCreditCardPayment": False, "AllowOnlineACHPayment": False})
    refresh_balance(session, entity, record)


def prepare_payment(session: Session, record: Record) -> None:
    """A customer payment and what it applies to (checked, not yet applied)."""
    if record.get("CustomerRef") is None:
        raise errors.required_param("CustomerRef")
    resolve(session, "Customer", record["CustomerRef"], "CustomerRef")
    if record.get("TotalAmt") is None:
        raise errors.required_param("TotalAmt")
    record["TotalAmt"] = money(record["TotalAmt"], "TotalAmt")
    record["Line"] = [_payment_line(session, record, line) for line in record.get("Line") or []]
    net = sum((_signed_amount(line) for line in record["Line"]), _ZERO)
    record["UnappliedAmt"] = record["TotalAmt"] - net
    if record["UnappliedAmt"] < 0:
        raise errors.business_validation(
            "The payment amount must be at least the total of the amounts applied."
        )
    record.setdefault("TxnDate", company_date(session.now).isoformat())
    record["CurrencyRef"] = currency_ref(session, record.get("CurrencyRef"))
    _fill(record, {"ProcessPayment": False, "DepositToAccountRef": {"value": "4"}})
    resolve(session, "Account", record["DepositToAccountRef"], "DepositToAccountRef")


def auto_application(session: Session, memo: Record) -> Record | None:
    """The zero payment that applies a new credit memo, when the company applies credits itself.

    None when the preference is off, or the customer owes nothing in the memo's currency.
    """
    if not session.preference("SalesFormsPrefs", "AutoApplyCredit"):
        return None
    left = money(memo["RemainingCredit"], "RemainingCredit")
    customer, currency = memo["CustomerRef"]["value"], memo["CurrencyRef"]["value"]
    open_invoices = sorted(
        (
            invoice
            for invoice in session.company.all("Invoice")
            if invoice["CustomerRef"]["value"] == customer
            and invoice["CurrencyRef"]["value"] == currency
            and money(invoice["Balance"], "Balance") > 0
        ),
        key=lambda invoice: (str(invoice["TxnDate"]), int(invoice["Id"])),
    )
    lines: list[Record] = []
    for invoice in open_invoices:
        if left <= 0:
            break
        applied = min(left, money(invoice["Balance"], "Balance"))
        lines.append({"Amount": applied,
                      "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]})  # fmt: skip
        left -= applied
    if not lines:
        return None
    total = sum((line["Amount"] for line in lines), _ZERO)
    lines.append({"Amount": total, "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]})
    return {"CustomerRef": {"value": customer}, "TotalAmt": _ZERO, "Line": lines,
            "CurrencyRef": {"value": currency}, "TxnDate": memo["TxnDate"]}  # fmt: skip


def linked_documents(payment: Record | None) -> set[tuple[str, str]]:
    """The (entity, Id) of every invoice and credit memo a payment applies to."""
    found = set()
    for line in (payment or {}).get("Line") or []:
        for link in line.get("LinkedTxn") or []:
            found.add((str(link["TxnType"]), str(link["TxnId"])))
    return found


def touch_documents(session: Session, documents: set[tuple[str, str]]) -> None:
    """Recompute the balances of documents a payment change touched, as updates."""
    for entity, record_id in sorted(documents):
        record = session.company.get(entity, record_id)
        if record is None:
            continue
        refresh_balance(session, entity, record)
        bump(record, session.now)
        session.note(entity, record_id, "Update")


def refresh_balance(session: Session, entity: str, record: Record) -> None:
    """Balance (and a credit memo's RemainingCredit) and LinkedTxn from the payments."""
    applied = _ZERO
    links = []
    for payment in session.company.all("Payment"):
        amount = _applied_by(payment, entity, str(record.get("Id")))
        if amount is not None:
            applied += amount
            links.append({"TxnId": payment["Id"], "TxnType": "Payment"})
    record["Balance"] = money(record["TotalAmt"], "TotalAmt") - applied
    record["LinkedTxn"] = links
    if entity == "CreditMemo":
        record["RemainingCredit"] = record["Balance"]


def unlink_document(session: Session, entity: str, record_id: str) -> None:
    """Take a deleted or voided document off every payment that applied to it."""
    for payment in list(session.company.all("Payment")):
        kept = [line for line in payment["Line"] if not _links_to(line, entity, record_id)]
        if len(kept) == len(payment["Line"]):
            continue
        payment["Line"] = kept
        net = sum((_signed_amount(line) for line in kept), _ZERO)
        payment["UnappliedAmt"] = payment["TotalAmt"] - net
        bump(payment, session.now)
        session.note("Payment", payment["Id"], "Update")


def void_document(session: Session, record: Record) -> None:
    """QBO's void: every amount zeroed, "Voided" before the note, payments unlinked."""
    for line in record["Line"]:
        line["Amount"] = _ZERO
        detail = line.get("SalesItemLineDetail")
        if isinstance(detail, dict):
            detail.pop("Qty", None)
            detail.pop("UnitPrice", None)
    record["TotalAmt"] = _ZERO
    note = record.get("PrivateNote")
    record["PrivateNote"] = f"Voided - {note}" if note else "Voided"
    unlink_document(session, "Invoice", record["Id"])
    refresh_balance(session, "Invoice", record)


def _lines(session: Session, lines: Any) -> list[Record]:
    """Sales lines numbered 1..n; a SubTotal line sent is dropped (QBO recomputes it)."""
    kept = [line for line in lines if line.get("DetailType") != "SubTotalLineDetail"]
    result = []
    for index, line in enumerate(kept, start=1):
        result.append(_sales_line(session, line, index))
    return result


def _sales_line(session: Session, line: Record, index: int) -> Record:
    detail_type = line.get("DetailType")
    if detail_type == "DescriptionOnly":
        return {**line, "Id": str(index), "LineNum": index, "Amount": _ZERO}
    if detail_type != "SalesItemLineDetail":
        raise errors.business_validation(
            f"Line DetailType {detail_type} is not supported by this sandbox."
        )
    if line.get("Amount") is None:
        raise errors.required_param("Line.Amount")
    detail = line.setdefault("SalesItemLineDetail", {})
    detail.setdefault("ItemRef", {"value": "1"})
    resolve(session, "Item", detail["ItemRef"], "Line.SalesItemLineDetail.ItemRef")
    detail.setdefault("TaxCodeRef", {"value": "NON"})
    resolve(session, "TaxCode", detail["TaxCodeRef"], "Line.SalesItemLineDetail.TaxCodeRef")
    resolve_optional(session, detail, "ClassRef", "Class")
    amount = money(line["Amount"], "Line.Amount")
    _check_extension(detail, amount, line["Amount"])
    return {**line, "Id": str(index), "LineNum": index, "Amount": amount}


def _check_extension(detail: Record, amount: Decimal, supplied: Any) -> None:
    """6070 when Qty x UnitPrice, to the cent, is not the line's Amount."""
    if detail.get("Qty") is None or detail.get("UnitPrice") is None:
        return
    quantity = number(detail["Qty"], "Line.SalesItemLineDetail.Qty")
    price = number(detail["UnitPrice"], "Line.SalesItemLineDetail.UnitPrice")
    if money(quantity * price, "Line.Amount") != amount:
        raise errors.amount_mismatch(str(supplied))


def _check_po_number(po_number: Any) -> None:
    if isinstance(po_number, str) and len(po_number) > PO_NUMBER_MAX:
        raise errors.too_long("PONumber", PO_NUMBER_MAX, len(po_number))


def _number(session: Session, entity: str, record: Record) -> None:
    """Keep the DocNumber sent (refusing a duplicate), or give the next free number."""
    used = {
        str(other.get("DocNumber")): other["Id"]
        for other in session.company.all(entity)
        if other["Id"] != record.get("Id") and other.get("DocNumber")
    }
    doc_number = record.get("DocNumber")
    if not doc_number:
        numeric = [int(value) for value in used if value.isdigit()]
        record["DocNumber"] = str(max([FIRST_DOC_NUMBER - 1, *numeric]) + 1)
        return
    custom = session.preference("SalesFormsPrefs", "CustomTxnNumbers")
    if custom and str(doc_number) in used:
        raise errors.duplicate_doc_number(str(doc_number), entity, used[str(doc_number)])


def _invoice_terms(session: Session, record: Record, customer: Record) -> None:
    """DueDate as sent, else TxnDate + the days of the invoice's, customer's or default terms."""
    resolve_optional(session, record, "SalesTermRef", "Term")
    if record.get("DueDate"):
        return
    term_ref = record.get("SalesTermRef") or customer.get("SalesTermRef")
    term_ref = term_ref or session.preference("SalesFormsPrefs", "DefaultTerms")
    term = session.company.get("Term", str((term_ref or {}).get("value")))
    days = int(term.get("DueDays", DEFAULT_DUE_DAYS)) if term else DEFAULT_DUE_DAYS
    txn_date = dt.date.fromisoformat(str(record["TxnDate"]))
    record["DueDate"] = (txn_date + dt.timedelta(days=days)).isoformat()


def _payment_line(session: Session, payment: Record, line: Record) -> Record:
    """A payment line: its amount and the open documents of the same customer it applies to."""
    amount = money(line.get("Amount", 0), "Line.Amount")
    for link in line.get("LinkedTxn") or []:
        entity, record_id = str(link.get("TxnType")), str(link.get("TxnId"))
        target = session.company.get(entity, record_id) if entity in APPLICABLE else None
        if target is None:
            raise errors.invalid_reference("Line.LinkedTxn.TxnId")
        if target["CustomerRef"]["value"] != payment["CustomerRef"]["value"]:
            raise errors.business_validation(
                f"{entity} {record_id} belongs to another customer than the payment."
            )
        if amount > _open_for(session, target, entity, payment):
            raise errors.business_validation(
                f"The amount applied to {entity} {record_id} is more than its open balance."
            )
    return {**line, "Amount": amount}


def _open_for(session: Session, target: Record, entity: str, payment: Record) -> Decimal:
    """What is still open on ``target``, counting this payment's earlier version as open."""
    applied_elsewhere = sum(
        (
            amount
            for other in session.company.all("Payment")
            if other["Id"] != payment.get("Id")
            and (amount := _applied_by(other, entity, target["Id"])) is not None
        ),
        _ZERO,
    )
    return money(target["TotalAmt"], "TotalAmt") - applied_elsewhere


def _applied_by(payment: Record, entity: str, record_id: str) -> Decimal | None:
    """What one payment applies to one document (None when it does not touch it)."""
    amounts = [line["Amount"] for line in payment["Line"] if _links_to(line, entity, record_id)]
    return sum(amounts, _ZERO) if amounts else None


def _links_to(line: Record, entity: str, record_id: str) -> bool:
    return any(
        str(link.get("TxnType")) == entity and str(link.get("TxnId")) == record_id
        for link in line.get("LinkedTxn") or []
    )


def _signed_amount(line: Record) -> Decimal:
    """Invoices draw on the payment; credit memos applied with it add to it."""
    links = {str(link.get("TxnType")) for link in line.get("LinkedTxn") or []}
    amount: Decimal = line["Amount"]
    if "CreditMemo" in links:
        return -amount
    return amount if "Invoice" in links else _ZERO


def _fill(record: Record, defaults: Record) -> None:
    for name, value in defaults.items():
        record.setdefault(name, value)
