"""Name-list records (customers, items, accounts, terms, classes, departments) as QBO keeps them.

Each ``prepare_*`` takes the record as it will be saved (a create's body, or
an update merged onto the stored record), fills QBO's defaults, checks its
references, and refuses a name another record of the list already holds
(6240, case-insensitive). QBO derives a customer's DisplayName from its name
parts when none is sent.
"""

from __future__ import annotations

from collections.abc import Callable

from sandboxes.qbo import errors
from sandboxes.qbo.records import Session, is_same_name, resolve, resolve_optional
from sandboxes.qbo.schema import CLASSIFICATION, CURRENCY_NAMES, HOME_CURRENCY, EntityKind
from sandboxes.qbo.state import Record

_NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")


def check_unique(session: Session, kind: EntityKind, record: Record) -> None:
    """6240 when another record of the list already has this name."""
    if kind.unique_field is None:
        return
    name = record.get(kind.unique_field)
    for other in session.company.all(kind.name):
        if other["Id"] != record.get("Id") and is_same_name(other.get(kind.unique_field), name):
            raise errors.duplicate_name()


def prepare_customer(session: Session, record: Record) -> None:
    """DisplayName (given or derived), QBO's defaults, terms and currency checked."""
    if not str(record.get("DisplayName") or "").strip():
        parts = [str(record[part]) for part in _NAME_PARTS if record.get(part)]
        if not parts and not record.get("CompanyName"):
            raise errors.no_name()
        record["DisplayName"] = " ".join(parts) or str(record["CompanyName"])
    _fill(record, {"Job": False, "BillWithParent": False, "Balance": 0, "BalanceWithJobs": 0})
    _fill(record, {"PreferredDeliveryMethod": "Print", "Taxable": False, "Active": True})
    record["FullyQualifiedName"] = record["DisplayName"]
    record.setdefault("PrintOnCheckName", record["DisplayName"])
    resolve_optional(session, record, "SalesTermRef", "Term")
    record["CurrencyRef"] = currency_ref(session, record.get("CurrencyRef"))


def prepare_item(session: Session, record: Record) -> None:
    """A Service or NonInventory item sells to an income account (required)."""
    _require_name(record)
    record.setdefault("Type", "Service")
    if record["Type"] in ("Service", "NonInventory"):
        if record.get("IncomeAccountRef") is None:
            raise errors.required_param("IncomeAccountRef")
        resolve(session, "Account", record["IncomeAccountRef"], "IncomeAccountRef")
    resolve_optional(session, record, "ExpenseAccountRef", "Account")
    defaults = {"Active": True, "Taxable": False, "UnitPrice": 0, "PurchaseCost": 0}
    _fill(record, defaults | {"TrackQtyOnHand": False})
    record["FullyQualifiedName"] = record["Name"]


def prepare_account(session: Session, record: Record) -> None:
    """An account needs its type (6010); its classification follows from it."""
    _require_name(record)
    account_type = record.get("AccountType")
    if account_type not in CLASSIFICATION:
        raise errors.validation(
            "6010",
            "Invalid Account.AccountType && Account.SubType",
            "Either an Account.AccountType or an Account.AccountSubType must be specified",
        )
    record["Classification"] = CLASSIFICATION[account_type]
    defaults = {"SubAccount": False, "Active": True, "CurrentBalance": 0}
    _fill(record, defaults | {"CurrentBalanceWithSubAccounts": 0})
    record["CurrencyRef"] = currency_ref(session, record.get("CurrencyRef"))
    record["FullyQualifiedName"] = record["Name"]


def prepare_term(_session: Session, record: Record) -> None:
    """A standard term: due a number of days after the transaction date."""
    _require_name(record)
    _fill(record, {"Active": True, "Type": "STANDARD", "DueDays": 0, "DiscountDays": 0})


def prepare_grouping(_session: Session, record: Record) -> None:
    """A class or department (QBO shows departments as "Location")."""
    _require_name(record)
    _fill(record, {"SubClass": False, "Active": True})
    record["FullyQualifiedName"] = record["Name"]


def prepare_currency(_session: Session, record: Record) -> None:
    """A currency the multicurrency company uses besides its home currency."""
    code = str(record.get("Code") or "")
    if code not in CURRENCY_NAMES:
        raise errors.invalid_reference("Code")
    _fill(record, {"Name": CURRENCY_NAMES[code], "Active": True})


def currency_ref(session: Session, ref: Record | None) -> Record:
    """The record's currency: home by default; another only when multicurrency is on."""
    code = str((ref or {}).get("value") or HOME_CURRENCY["value"])
    if code == HOME_CURRENCY["value"]:
        return dict(HOME_CURRENCY)
    is_listed = any(
        row.get("Code") == code and row.get("Active") is not False
        for row in session.company.all("CompanyCurrency")
    )
    if not session.preference("CurrencyPrefs", "MultiCurrencyEnabled") or not is_listed:
        raise errors.invalid_reference("CurrencyRef")
    return {"value": code, "name": CURRENCY_NAMES[code]}


PREPARE_LIST: dict[str, Callable[[Session, Record], None]] = {
    "Customer": prepare_customer,
    "Item": prepare_item,
    "Account": prepare_account,
    "Term": prepare_term,
    "Class": prepare_grouping,
    "Department": prepare_grouping,
    "CompanyCurrency": prepare_currency,
}


def _require_name(record: Record) -> None:
    if not str(record.get("Name") or "").strip():
        raise errors.required_param("Name")


def _fill(record: Record, defaults: Record) -> None:
    for name, value in defaults.items():
        record.setdefault(name, value)
