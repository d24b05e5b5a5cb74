"""What a new QBO company holds before anyone types into it.

A chart of accounts with the income accounts a sync maps items to
("Services", "Sales of Product Income"...), the standard terms (Due on
receipt, Net 15, Net 30, Net 60: Net 30 is Id 3, as in Intuit's companies),
the US pseudo tax codes TAX and NON, two service items, CompanyInfo and
Preferences (home currency USD). Multicurrency is off unless asked for; when
on, a few foreign currencies are listed as ``CompanyCurrency``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sandboxes.qbo.schema import CLASSIFICATION, CURRENCY_NAMES, HOME_CURRENCY
from sandboxes.qbo.state import Company, Record, company_time

_ACCOUNTS = (
    ("1", "Services", "Income", "ServiceFeeIncome"),
    ("2", "Sales of Product Income", "Income", "SalesOfProductIncome"),
    ("3", "Uncategorized Income", "Income", "ServiceFeeIncome"),
    ("4", "Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("5", "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    ("6", "Checking", "Bank", "Checking"),
    ("7", "Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
    ("8", "Uncategorized Expense", "Expense", "OtherMiscellaneousServiceCost"),
    ("9", "Opening Balance Equity", "Equity", "OpeningBalanceEquity"),
    ("10", "Discounts given", "Income", "DiscountsRefundsGiven"),
)
_TERMS = (("1", "Due on receipt", 0), ("2", "Net 15", 15), ("3", "Net 30", 30), ("4", "Net 60", 60))


@dataclass(frozen=True)
class CompanySetup:
    """The choices a new company starts with (``create_app`` arguments)."""

    realm_id: str
    company_name: str = "Sandbox Company_US_1"
    multicurrency: bool = False
    custom_txn_numbers: bool = True  # DocNumber sent is kept; a duplicate is refused (6140)
    auto_apply_credit: bool = False  # a new credit memo is applied to open invoices at once


def new_company(setup: CompanySetup, now: dt.datetime) -> Company:
    """A company as Intuit creates one."""
    company = Company(setup.realm_id)
    made = company_time(now)
    for record_id, name, account_type, sub_type in _ACCOUNTS:
        company.put("Account", _account(record_id, name, account_type, sub_type, made))
    for record_id, name, days in _TERMS:
        company.put("Term", _term(record_id, name, days, made))
    for code, taxable in (("TAX", True), ("NON", False)):
        company.put("TaxCode", _tax_code(code, taxable, made))
    company.put("Item", _service_item("1", "Services", made))
    company.put("Item", _service_item("2", "Hours", made))
    company.put("CompanyInfo", _company_info(setup, made, now.date()))
    company.put("Preferences", _preferences(setup, made))
    if setup.multicurrency:
        for index, code in enumerate(("CAD", "EUR", "GBP"), start=1):
            company.put("CompanyCurrency", _currency(str(index), code, made))
    return company


def _base(record_id: str, made: str) -> Record:
    return {
        "domain": "QBO",
        "sparse": False,
        "Id": record_id,
        "SyncToken": "0",
        "MetaData": {"CreateTime": made, "LastUpdatedTime": made},
    }


def _account(record_id: str, name: str, account_type: str, sub_type: str, made: str) -> Record:
    return {
        "Name": name,
        "SubAccount": False,
        "FullyQualifiedName": name,
        "Active": True,
        "Classification": CLASSIFICATION[account_type],
        "AccountType": account_type,
        "AccountSubType": sub_type,
        "CurrentBalance": 0,
        "CurrentBalanceWithSubAccounts": 0,
        "CurrencyRef": dict(HOME_CURRENCY),
        **_base(record_id, made),
    }


def _term(record_id: str, name: str, days: int, made: str) -> Record:
    return {
        "Name": name,
        "Active": True,
        "Type": "STANDARD",
        "DueDays": days,
        "DiscountDays": 0,
        **_base(record_id, made),
    }


def _tax_code(code: str, taxable: bool, made: str) -> Record:
    return {
        "Name": code,
        "Description": code,
        "Active": True,
        "Hidden": False,
        "Taxable": taxable,
        "TaxGroup": False,
        **_base(code, made),
    }


def _service_item(record_id: str, name: str, made: str) -> Record:
    return {
        "Name": name,
        "Active": True,
        "FullyQualifiedName": name,
        "Taxable": False,
        "UnitPrice": 0,
        "Type": "Service",
        "IncomeAccountRef": {"value": "1", "name": "Services"},
        "PurchaseCost": 0,
        "TrackQtyOnHand": False,
        **_base(record_id, made),
    }


def _currency(record_id: str, code: str, made: str) -> Record:
    return {"Code": code, "Name": CURRENCY_NAMES[code], "Active": True, **_base(record_id, made)}


def _company_info(setup: CompanySetup, made: str, started: dt.date) -> Record:
    return {
        **_base("1", made),
        "CompanyName": setup.company_name,
        "LegalName": setup.company_name,
        "CompanyStartDate": started.isoformat(),
        "FiscalYearStartMonth": "January",
        "Country": "US",
        "Email": {"Address": "noreply@quickbooks.com"},
        "SupportedLanguages": "en",
    }


def _preferences(setup: CompanySetup, made: str) -> Record:
    prefs: dict[str, Any] = {
        "AccountingInfoPrefs": {
            "FirstMonthOfFiscalYear": "January",
            "UseAccountNumbers": False,
            "TaxYearMonth": "January",
            "ClassTrackingPerTxn": False,
            "TrackDepartments": False,
            "DepartmentTerminology": "Location",
            "ClassTrackingPerTxnLine": False,
            "CustomerTerminology": "Customers",
        },
        "SalesFormsPrefs": {
            "CustomTxnNumbers": setup.custom_txn_numbers,
            "AutoApplyCredit": setup.auto_apply_credit,
            "DefaultTerms": {"value": "3"},
            "AllowDeposit": False,
            "AllowDiscount": False,
        },
        "CurrencyPrefs": {
            "HomeCurrency": {"value": "USD"},
            "MultiCurrencyEnabled": setup.multicurrency,
        },
    }
    return {**_base("1", made), **prefs}
