"""What a new (or reset) sandbox account holds, as a new real OneWorld account does.

Subsidiary 1 is the parent (no parent of its own, base currency USD);
currency 1 is the US dollar, named ``USA`` as recorded accounts name it;
the standard terms keep the internal ids NetSuite gives them (2 is Net 30,
as in ``term_get_response.json``); the chart of accounts holds a bank, a
receivable and income accounts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from sandboxes.netsuite.state import CREATED, MODIFIED, Account, Record

TERMS = (("Net 15", 15), ("Net 30", 30), ("Net 60", 60), ("Due on receipt", 0))
ACCOUNTS = (
    ("1000", "Checking", "Bank"),
    ("1100", "Accounts Receivable", "AcctRec"),
    ("4000", "Sales", "Income"),
    ("4010", "Service Revenue", "Income"),
    ("4020", "Placement Fees", "Income"),
)


def new_account(account_id: str, company_name: str, zone: ZoneInfo, now: dt.datetime) -> Account:
    """An account with its parent subsidiary, USD, standard terms and a chart of accounts."""
    account = Account(account_id, zone)
    usd = {
        "name": "USA",
        "symbol": "USD",
        "isBaseCurrency": True,
        "exchangeRate": Decimal("1.0"),
        "isInactive": False,
    }
    _add(account, "currency", usd, now)
    parent = {"name": company_name, "currency": {"id": "1"}, "isInactive": False, "country": "US"}
    _add(account, "subsidiary", parent, now)
    for name, days in TERMS:
        term = {
            "name": name,
            "daysUntilNetDue": days,
            "dateDriven": False,
            "isInactive": False,
            "preferred": False,
        }
        _add(account, "term", term, now)
    for number, name, kind in ACCOUNTS:
        chart = {
            "acctnumber": number,
            "acctname": name,
            "accttype": kind,
            "isinactive": False,
            "includechildren": True,
            "subsidiary": {"items": [{"id": "1"}]},
        }
        _add(account, "account", chart, now)
    return account


def _add(account: Account, record_type: str, fields: Record, now: dt.datetime) -> None:
    record = {"id": account.next_id(record_type), **fields, CREATED: now, MODIFIED: now}
    account.put(record_type, record)
