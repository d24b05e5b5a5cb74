"""The demo catalog that goes with the demo book, as catalog file text.

Built as the file an admin would write, so ``demo-data`` loads it through the
same validated import as any other catalog. Every company is covered at its
top Billto, a few divisions carry negotiated prices, one company starts late
and the last company has no assignment at all, so the demo shows blocked
events next to realized ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class DemoCompany:
    """A demo company as the catalog sees it: where its assignments go."""

    index: int
    top_billto: int
    first_division: int
    currency: str


_TERMS = [
    {"code": "NET15", "name": "Net 15", "due_days": 15},
    {"code": "NET30", "name": "Net 30", "due_days": 30},
    {"code": "NET60", "name": "Net 60", "due_days": 60},
    {"code": "DUE_ON_RECEIPT", "name": "Due on receipt", "due_days": 0},
]
_CLASSES = [
    {"code": "PLACEMENT", "name": "Placement Products", "for_placements": True},
    {"code": "SERVICES", "name": "Non-Placement Products", "for_placements": False},
]
_FAMILIES = [
    {"code": "DIRECT_HIRE", "name": "Direct Hire Fees", "class": "PLACEMENT"},
    {"code": "CONTRACT_LABOR", "name": "Contract Labor", "class": "PLACEMENT"},
    {"code": "PROGRAM", "name": "Program Fees", "class": "SERVICES"},
    {"code": "OTHER_CHARGES", "name": "Other Charges", "class": "SERVICES"},
]
_PRODUCTS = [
    {
        "code": "STD_DH",
        "name": "Standard Placement Direct Hire Fee",
        "family": "DIRECT_HIRE",
        "pricing": "percentage",
        "rate": "25",
        "basis": "base_salary",
    },
    {
        "code": "EXEC_DH",
        "name": "Executive Search Fee",
        "family": "DIRECT_HIRE",
        "pricing": "percentage",
        "rate": "30",
        "basis": "ote",
    },
    {
        "code": "FLAT_DH",
        "name": "Flat Placement Fee",
        "family": "DIRECT_HIRE",
        "pricing": "flat",
        "amount": "5000.00",
    },
    {
        "code": "CONTRACT_HOURS",
        "name": "Contract Labor Hours",
        "family": "CONTRACT_LABOR",
        "pricing": "hourly",
    },
    {
        "code": "PMO_FEE",
        "name": "Program Management Fee",
        "family": "PROGRAM",
        "pricing": "unit",
        "unit_price": "2500.00",
    },
    {
        "code": "ADHOC_FEE",
        "name": "Ad Hoc Fee",
        "family": "OTHER_CHARGES",
        "pricing": "unit",
        "unit_price": "250.00",
    },
    {
        "code": "BACKGROUND_CHECK",
        "name": "Background Check",
        "family": "OTHER_CHARGES",
        "pricing": "unit",
        "unit_price": "85.00",
    },
]
_PAY_PLANS = [
    {
        "code": "FULL_DAY1",
        "name": "100% - Day 1",
        "lines": [{"strategy": "percentage", "value": "100", "days_from_event": 0}],
    },
    {
        "code": "SPLIT_50_50_D1_D90",
        "name": "50/50 - Day 1/Day 90",
        "lines": [
            {"strategy": "percentage", "value": "50", "days_from_event": 0},
            {"strategy": "percentage", "value": "50", "days_from_event": 90},
        ],
    },
    {
        "code": "THIRDS_D0_D30_D60",
        "name": "Thirds - Day 1/Day 30/Day 60",
        "lines": [
            {"strategy": "percentage", "value": "33.3333", "days_from_event": 0},
            {"strategy": "percentage", "value": "33.3333", "days_from_event": 30},
            {"strategy": "percentage", "value": "33.3334", "days_from_event": 60},
        ],
    },
    {
        "code": "DEPOSIT_1000_THEN_REST",
        "name": "1,000 deposit, rest on Day 30",
        "lines": [
            {"strategy": "amount", "value": "1000.00", "days_from_event": 0},
            {"strategy": "percentage", "value": "100", "days_from_event": 30},
        ],
    },
]
_TERMS_CYCLE = ("NET30", "NET30", "NET15", "NET60")


def demo_catalog_yaml(companies: list[DemoCompany]) -> str:
    """The catalog file for a demo book of these companies."""
    assignments: list[dict[str, Any]] = []
    for company in companies[:-1]:  # the last company is deliberately left uncovered
        assignments.extend(_company_assignments(company))
    document = {
        "terms": _TERMS,
        "product_classes": _CLASSES,
        "families": _FAMILIES,
        "products": _PRODUCTS,
        "pay_plans": _PAY_PLANS,
        "customer_assignments": assignments,
    }
    return yaml.safe_dump(document, sort_keys=False)


def _company_assignments(company: DemoCompany) -> list[dict[str, Any]]:
    terms = _TERMS_CYCLE[company.index % len(_TERMS_CYCLE)]
    start = "2023-04-01" if company.index == 1 else "2022-01-01"
    top = {"billto": company.top_billto, "terms": terms, "effective_from": start}
    rows = [
        {**top, "product": "family:DIRECT_HIRE", "pay_plan": "SPLIT_50_50_D1_D90"},
        {**top, "product": "family:CONTRACT_LABOR", "pay_plan": "FULL_DAY1"},
        {**top, "product": "class:SERVICES", "pay_plan": "FULL_DAY1"},
    ]
    if company.index % 4 == 0:
        rows.append(
            {
                "billto": company.first_division,
                "product": "STD_DH",
                "pay_plan": "FULL_DAY1",
                "terms": "NET15",
                "effective_from": "2023-01-01",
                "effective_to": "2024-12-31",
                "po_number": f"PO-{7000 + company.index}",
                "price": {"rate": "22"},
            }
        )
    return rows
