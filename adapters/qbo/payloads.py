"""Our documents as QBO entity JSON: Customer, Item (Service), Invoice, CreditMemo, Payment.

Amounts stay ``Decimal`` and are written as exact JSON numbers by
``jsonbody.dumps``; the caller has quantized them. ``CurrencyRef`` is sent
only to multicurrency companies (elsewhere QBO refuses it). QBO has no
locations: its departments are shown as "Location" in companies that track
them (``Preferences.AccountingInfoPrefs.DepartmentTerminology``), and a
transaction carries one ``DepartmentRef`` in its header, so a document's
``department_id`` or ``location_id`` (or the one all its lines share) becomes
that header ref; lines naming different ones cannot be sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from adapters.base import CustomerDoc, DocumentLine, InvoiceDoc, ItemDoc, RemoteRef
from backoffice.errors import NeedsUserAction

KEY_NOTE_PREFIX = "Back Office key "  # PrivateNote marker: lets find_document(key=) read back
PO_NUMBER_MAX = 15  # QBO's PONumber holds 15 characters (tests/fixtures/qbo/SOURCES.md)


def ref(value: str) -> dict[str, str]:
    """A QBO reference (``{"value": id}``)."""
    return {"value": value}


def customer_body(customer: CustomerDoc, *, multicurrency: bool) -> dict[str, Any]:
    """A Customer; DisplayName is unique across customers, vendors and employees."""
    body: dict[str, Any] = {"DisplayName": customer.display_name}
    if customer.email:
        body["PrimaryEmailAddr"] = {"Address": customer.email}
    if customer.company_name:
        body["CompanyName"] = customer.company_name
    if customer.country:
        body["BillAddr"] = {"Country": customer.country}
    if customer.terms_id:
        body["SalesTermRef"] = ref(customer.terms_id)
    if multicurrency:
        body["CurrencyRef"] = ref(customer.currency)
    return body


def item_body(item: ItemDoc) -> dict[str, Any]:
    """A Service item selling to the mapped income account."""
    body: dict[str, Any] = {
        "Name": item.name,
        "Type": "Service",
        "IncomeAccountRef": ref(item.income_account_id),
    }
    if item.description:
        body["Description"] = item.description
    return body


def invoice_body(invoice: InvoiceDoc, *, multicurrency: bool, key: str) -> dict[str, Any]:
    """An Invoice (or, with the same fields, a CreditMemo): DocNumber is our number."""
    body: dict[str, Any] = {
        "DocNumber": invoice.number,
        "TxnDate": invoice.txn_date.isoformat(),
        "CustomerRef": ref(invoice.customer_id),
        "Line": [_line(line) for line in invoice.lines],
        "PrivateNote": KEY_NOTE_PREFIX + key,
    }
    optional = {
        "DueDate": invoice.due_date.isoformat() if invoice.due_date else None,
        "SalesTermRef": ref(invoice.terms_id) if invoice.terms_id else None,
        "CustomerMemo": {"value": invoice.memo} if invoice.memo else None,
        "PONumber": _po_number_of(invoice),
        "ClassRef": ref(invoice.class_id) if invoice.class_id else None,
        "DepartmentRef": _department_of(invoice),
        "CurrencyRef": ref(invoice.currency) if multicurrency else None,
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    return body


def credit_application_body(
    *,
    customer_id: str,
    invoice_id: str,
    credit_memo_id: str,
    amount: Decimal,
    currency: str | None,
) -> dict[str, Any]:
    """A zero Payment that applies a credit memo to an invoice: QBO's way of linking them."""
    body: dict[str, Any] = {
        "CustomerRef": ref(customer_id),
        "TotalAmt": Decimal("0"),
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]},
            {"Amount": amount, "LinkedTxn": [{"TxnId": credit_memo_id, "TxnType": "CreditMemo"}]},
        ],
    }
    if currency:
        body["CurrencyRef"] = ref(currency)
    return body


def sparse_update(body: dict[str, Any], current: RemoteRef) -> dict[str, Any]:
    """``body`` as a sparse update of the record read at ``current`` (its SyncToken)."""
    return {**body, "Id": current.id, "SyncToken": current.version or "0", "sparse": True}


def _line(line: DocumentLine) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "ItemRef": ref(line.item_id),
        "Qty": line.quantity,
        "UnitPrice": line.rate,
    }
    if line.tax_code_id:
        detail["TaxCodeRef"] = ref(line.tax_code_id)
    if line.class_id:
        detail["ClassRef"] = ref(line.class_id)
    return {
        "Description": line.description,
        "Amount": line.amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": detail,
    }


def _po_number_of(invoice: InvoiceDoc) -> str | None:
    """The PO number as it is: a longer one is refused, never cut to what QuickBooks keeps.

    The invoicing health check holds such a document before approval; this
    guards a document that reached the push another way.
    """
    po_number = invoice.po_number
    if po_number is not None and len(po_number) > PO_NUMBER_MAX:
        raise NeedsUserAction(
            "qbo:po_number_too_long",
            f"Invoice {invoice.number} has PO number {po_number!r} of {len(po_number)} "
            f"characters; QuickBooks keeps at most {PO_NUMBER_MAX}.",
            f"Shorten the PO number of the Billto's assignment to {PO_NUMBER_MAX} characters "
            "or fewer, then invoice again.",
        )
    return po_number


def _department_of(invoice: InvoiceDoc) -> dict[str, str] | None:
    """The header DepartmentRef: the document's own, else the one its lines share."""
    own = invoice.department_id or invoice.location_id
    if own:
        return ref(own)
    on_lines = {line.department_id or line.location_id for line in invoice.lines} - {None}
    if len(on_lines) > 1:
        raise NeedsUserAction(
            "qbo:department_per_line",
            f"Invoice {invoice.number} has lines in {len(on_lines)} locations; QuickBooks "
            "allows one location (department) per invoice.",
            "Map the lines to one location, or split the invoice by location.",
        )
    return ref(on_lines.pop()) if on_lines else None  # type: ignore[arg-type]
