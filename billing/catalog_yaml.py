"""The catalog file's YAML: decimals stay exact in and out.

YAML would read ``rate: 25.5`` as a float; the loader here reads every
number with a fraction as a ``Decimal`` from its source text instead, and the
dumper writes decimals as quoted strings, as the file format asks.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from billing.catalog_document import (
    AssignmentEntry,
    CatalogDocument,
    PayPlanEntry,
    ProductEntry,
)


class _DecimalLoader(yaml.SafeLoader):
    """SafeLoader that turns YAML floats into ``Decimal`` from their text."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node)
    try:
        return Decimal(str(text).replace("_", ""))
    except InvalidOperation:
        return text  # validation reports it as not a decimal


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes ``Decimal`` as a quoted string."""


_Dumper.add_representer(Decimal, lambda dumper, value: dumper.represent_str(format(value, "f")))


def parse_catalog_yaml(text: str) -> object:
    """The file's content as plain data; raises ``yaml.YAMLError`` on broken YAML."""
    return yaml.load(text, Loader=_DecimalLoader)


def dump_catalog_yaml(document: CatalogDocument) -> str:
    """The document as a catalog file that imports back to the same state."""
    data = {
        "terms": [vars(t) for t in document.terms],
        "product_classes": [vars(c) for c in document.product_classes],
        "families": [
            {"code": f.code, "name": f.name, "class": f.class_code} for f in document.families
        ],
        "products": [_product(p) for p in document.products],
        "pay_plans": [_pay_plan(p) for p in document.pay_plans],
        "customer_assignments": [_assignment(a) for a in document.customer_assignments],
    }
    header = "# Back office catalog, written by `backoffice catalog export`.\n"
    return header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def _product(product: ProductEntry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": product.code,
        "name": product.name,
        "family": product.family_code,
        "pricing": product.pricing,
    }
    if product.rate is not None:
        data["rate"] = _plain(product.rate)
    if product.basis is not None:
        data["basis"] = product.basis
    for name in ("amount", "unit_price"):
        value = getattr(product, name)
        if value is not None:
            data[name] = _money(value)
    return data


def _pay_plan(plan: PayPlanEntry) -> dict[str, Any]:
    lines = [
        {"strategy": ln.strategy, "value": _plain(ln.value), "days_from_event": ln.days_from_event}
        for ln in plan.lines
    ]
    return {"code": plan.code, "name": plan.name, "lines": lines}


def _assignment(entry: AssignmentEntry) -> dict[str, Any]:
    data: dict[str, Any] = {"billto": entry.billto, "product": entry.scope}
    optional: dict[str, str | dt.date | None] = {
        "pay_plan": entry.pay_plan,
        "terms": entry.terms,
        "effective_from": entry.effective_from,
        "effective_to": entry.effective_to,
        "po_number": entry.po_number,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    if entry.bill_to != "self":
        data["bill_to"] = entry.bill_to
    if entry.price:
        data["price"] = {k: _plain(v) if k == "rate" else _money(v) for k, v in entry.price.items()}
    return data


def _plain(value: Decimal) -> Decimal:
    """A rate or share without trailing zeros, never in exponent form (25.0000 -> 25)."""
    reduced = value.normalize()
    exponent = reduced.as_tuple().exponent
    return reduced.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else reduced


def _money(value: Decimal) -> Decimal:
    """An amount with cents, or all its digits if it has more (2500.0000 -> 2500.00)."""
    reduced = _plain(value)
    exponent = reduced.as_tuple().exponent
    return (
        value.quantize(Decimal("0.01")) if isinstance(exponent, int) and exponent >= -2 else reduced
    )
