"""Invoices as people and scripts read them: the JSON of CONTRACT.md section 3.

Amounts leave as strings with exactly the currency's minor-unit digits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.invoices import Invoice, InvoiceLine
from billing.money import plain, quantize


def list_invoices(session: Session, *, batch_id: int | None = None) -> list[dict[str, Any]]:
    """Invoices with their lines, in batch and number order."""
    query = select(Invoice).order_by(Invoice.batch_id, Invoice.id)
    if batch_id is not None:
        query = query.where(Invoice.batch_id == batch_id)
    return [invoice_as_dict(i) for i in session.scalars(query)]


def find_invoice(session: Session, number: str) -> dict[str, Any] | None:
    """One invoice by its number, or None."""
    invoice = session.scalars(select(Invoice).where(Invoice.number == number)).one_or_none()
    return invoice_as_dict(invoice) if invoice else None


def invoice_as_dict(invoice: Invoice) -> dict[str, Any]:
    """One invoice in the contract's ``invoice list --json`` shape."""
    currency = invoice.currency
    return {
        "number": invoice.number,
        "batch_id": invoice.batch_id,
        "billto_id": invoice.billto_id,
        "currency": currency,
        "invoice_date": invoice.invoice_date.isoformat(),
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "terms": invoice.terms_code,
        "po_number": invoice.po_number,
        "status": invoice.status,
        "total": str(quantize(invoice.total, currency)),
        "balance": str(quantize(invoice.balance, currency)),
        "lines": [_line(line, currency) for line in invoice.lines],
    }


def _line(line: InvoiceLine, currency: str) -> dict[str, Any]:
    return {
        "product_code": line.product_code,
        "description": line.description,
        "quantity": plain(line.quantity),
        "rate": str(quantize(line.rate, currency)),
        "amount": str(quantize(line.amount, currency)),
        "source_type": line.source_type,
        "source_id": line.source_id,
        "fee_id": line.fee_id,
        "seq": line.seq,
    }
