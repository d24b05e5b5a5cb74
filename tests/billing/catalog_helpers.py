"""Building catalogs and reading their validation issues, for the catalog tests."""

import datetime as dt

from billing.catalog.validation import CatalogView, validate_catalog


def valid_catalog():
    """The smallest catalog with one of everything; each test breaks one thing."""
    return {
        "terms": [{"code": "NET30", "name": "Net 30", "due_days": 30}],
        "product_classes": [
            {"code": "PLACEMENT", "name": "Placement Products", "for_placements": True},
            {"code": "SERVICES", "name": "Non-Placement Products", "for_placements": False},
        ],
        "families": [
            {"code": "DIRECT_HIRE", "name": "Direct Hire Fees", "class": "PLACEMENT"},
            {"code": "PROGRAM", "name": "Program Fees", "class": "SERVICES"},
        ],
        "products": [
            {
                "code": "STD_DH",
                "name": "Direct Hire Fee",
                "family": "DIRECT_HIRE",
                "pricing": "percentage",
                "rate": "25",
            },
            {
                "code": "FLAT_DH",
                "name": "Flat Fee",
                "family": "DIRECT_HIRE",
                "pricing": "flat",
                "amount": "5000.00",
            },
            {
                "code": "HOURS",
                "name": "Contract Hours",
                "family": "DIRECT_HIRE",
                "pricing": "hourly",
            },
            {
                "code": "PMO_FEE",
                "name": "Program Management Fee",
                "family": "PROGRAM",
                "pricing": "unit",
                "unit_price": "2500.00",
            },
        ],
        "pay_plans": [
            {
                "code": "SPLIT",
                "name": "50/50",
                "lines": [
                    {"strategy": "percentage", "value": "50", "days_from_event": 0},
                    {"strategy": "percentage", "value": "50", "days_from_event": 90},
                ],
            }
        ],
        "customer_assignments": [
            {
                "billto": 100,
                "product": "STD_DH",
                "pay_plan": "SPLIT",
                "terms": "NET30",
                "effective_from": dt.date(2023, 1, 1),
            }
        ],
    }


def entry(raw, section, code):
    """The mutable entry of ``section`` with ``code``."""
    return next(e for e in raw[section] if e.get("code") == code)


def assignment(raw):
    """The base catalog's one customer assignment, to change in place."""
    return raw["customer_assignments"][0]


def issues_of(raw, known_billtos=None, existing=None):
    return validate_catalog(raw, existing or CatalogView(), known_billtos).issues


def only_issue(raw, **kwargs):
    issues = issues_of(raw, **kwargs)
    assert len(issues) == 1, [str(i) for i in issues]
    return issues[0]


def assert_names(issue, *, entry_has, field):
    for part in entry_has:
        assert part in issue.entry, issue
    assert issue.field == field, issue


def billion_laughs():
    """About a kilobyte that expands to 9**9 strings wherever it is walked or printed."""
    lines = ['x0: &x0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        lines.append(f"x{level}: &x{level} [" + ",".join([f"*x{level - 1}"] * 9) + "]")
    lines += ["terms:", "  - code: NET30", "    name: *x9", "    due_days: 30"]
    return "\n".join(lines) + "\n"
