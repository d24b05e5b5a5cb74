"""Our customers, items and documents as NetSuite REST record bodies.

Record types: ``customer``; ``serviceSaleItem`` for items (staffing fees are
services sold, never stocked or bought, so the service item's "sale" subtype
fits better than a non-inventory item and needs only an income account);
``invoice`` and ``creditMemo``. References are ``{"id": "<internal id>"}``
from the mapping; a currency goes by its internal id (the adapter looks the
ISO code up). Amounts and quantities stay ``Decimal`` and are written as
exact JSON numbers by ``jsonbody``. The external id is not in the body: an
upsert names it in the URL (``records``).

A credit memo is applied to its invoice in the same write through its
``apply`` sublist (line keyed by ``doc``, with ``line: 0`` as in Oracle's
apply examples), for the amount the caller says (at most the invoice's open
balance); with no amount it stays unapplied. It is written with
``autoApply: false`` so that NetSuite never spreads it over other open
invoices of the customer on its own.
Fields we have no value for are left out, never sent empty.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from adapters.base import (
    CreditMemoDoc,
    CustomerDoc,
    DocumentLine,
    DocumentType,
    InvoiceDoc,
    ItemDoc,
)

CUSTOMER = "customer"
ITEM = "serviceSaleItem"
RECORD_TYPE_OF: dict[DocumentType, str] = {
    DocumentType.INVOICE: "invoice",
    DocumentType.CREDIT_MEMO: "creditMemo",
}
TRANSACTION_TYPE_OF: dict[DocumentType, str] = {  # SuiteQL's transaction.type
    DocumentType.INVOICE: "CustInvc",
    DocumentType.CREDIT_MEMO: "CustCred",
}
LINES = "item"  # the sublist of document lines, replaced whole when a document is sent again


def ref(record_id: str | None) -> dict[str, str] | None:
    """A reference to another record, or None when unmapped."""
    return {"id": str(record_id)} if record_id else None


def customer_body(customer: CustomerDoc, currency_id: str | None) -> dict[str, Any]:
    """A company customer; ``entityId`` is the display name (unique among entities)."""
    return _present(
        {
            "entityId": customer.display_name,
            "companyName": customer.company_name or customer.display_name,
            "isPerson": False,
            "email": customer.email,
            "subsidiary": ref(customer.subsidiary_id),
            "currency": ref(currency_id),
            "terms": ref(customer.terms_id),
        }
    )


def item_body(item: ItemDoc) -> dict[str, Any]:
    """A service item for sale, posting to the mapped income account."""
    subsidiaries = {"items": [ref(item.subsidiary_id)]} if item.subsidiary_id else None
    return _present(
        {
            "itemId": item.name,
            "displayName": item.name,
            "salesDescription": item.description,
            "incomeAccount": ref(item.income_account_id),
            "subsidiary": subsidiaries,
        }
    )


def invoice_body(doc: InvoiceDoc, currency_id: str | None) -> dict[str, Any]:
    """An invoice (or the shared part of a credit memo) numbered with our number."""
    return _present(
        {
            "entity": ref(doc.customer_id),
            "tranId": doc.number,
            "tranDate": doc.txn_date.isoformat(),
            "dueDate": doc.due_date.isoformat() if doc.due_date else None,
            "terms": ref(doc.terms_id),
            "currency": ref(currency_id),
            "subsidiary": ref(doc.subsidiary_id),
            "department": ref(doc.department_id),
            "class": ref(doc.class_id),
            "location": ref(doc.location_id),
            "memo": doc.memo,
            "otherRefNum": doc.po_number,
            LINES: {"items": [line_body(line) for line in doc.lines]},
        }
    )


def credit_memo_body(
    memo: CreditMemoDoc, currency_id: str | None, applied: Decimal | None
) -> dict[str, Any]:
    """A credit memo; applied to ``memo.applies_to`` for ``applied`` when given."""
    body = invoice_body(memo, currency_id)
    body.pop("dueDate", None)  # a credit memo has no due date
    body.pop("terms", None)
    body["autoApply"] = False
    if memo.applies_to is not None and applied is not None and applied > 0:
        application = {
            "doc": ref(memo.applies_to.id),
            "line": 0,
            "apply": True,
            "amount": applied,
        }
        body["apply"] = {"items": [application]}
    return body


def line_body(line: DocumentLine) -> dict[str, Any]:
    """One item line: quantity times rate = amount, all exact."""
    return _present(
        {
            "item": ref(line.item_id),
            "description": line.description,
            "quantity": line.quantity,
            "rate": line.rate,
            "amount": line.amount,
            "taxCode": ref(line.tax_code_id),
            "department": ref(line.department_id),
            "class": ref(line.class_id),
            "location": ref(line.location_id),
        }
    )


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}
