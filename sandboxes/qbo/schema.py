"""The entities the sandbox serves: their URL names, kinds and known properties.

QBO refuses a property an entity does not have (2010) and a query on one it
does not know (4001), so each entity lists its properties; the lists follow
Intuit's entity reference (the Invoice list overlaps the genuine 2010 answer in
``shared/fixtures/qbo``) and cover what a sync sends. Name-list entities
(customers, items, accounts...) are never deleted, only made inactive, and a
query returns only active ones unless it filters on ``Active``.
"""

from __future__ import annotations

from dataclasses import dataclass

HOME_CURRENCY = {"value": "USD", "name": "United States Dollar"}
CURRENCY_NAMES = {
    "USD": "United States Dollar",
    "CAD": "Canadian Dollar",
    "EUR": "Euro",
    "GBP": "British Pound Sterling",
}
CLASSIFICATION = {
    "Income": "Revenue",
    "Other Income": "Revenue",
    "Bank": "Asset",
    "Accounts Receivable": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
    "Expense": "Expense",
    "Other Expense": "Expense",
    "Cost of Goods Sold": "Expense",
    "Equity": "Equity",
}


def _props(*groups: str) -> tuple[str, ...]:
    """Property names from space-separated groups (kept compact, one entity a few lines)."""
    return tuple(name for group in groups for name in group.split())


_COMMON = "Id SyncToken MetaData domain sparse status"
_NAME = "Name Active FullyQualifiedName SubClass ParentRef"
_TXN = (
    "DocNumber TxnDate CurrencyRef ExchangeRate PrivateNote Line LinkedTxn TxnTaxDetail "
    "CustomerRef CustomerMemo BillAddr ShipAddr ShipFromAddr ClassRef DepartmentRef "
    "SalesTermRef TotalAmt HomeTotalAmt Balance HomeBalance ApplyTaxAfterDiscount PrintStatus "
    "EmailStatus BillEmail BillEmailCc BillEmailBcc CustomField TxnSource GlobalTaxCalculation "
    "TransactionLocationType ProjectRef TxnStatus AutoDocNumber DepositToAccountRef "
    "PaymentMethodRef PaymentRefNum ShipDate TrackingNum ShipMethodRef TaxExemptionRef "
    "RecurDataRef FreeFormAddress DeliveryInfo"
)
_CUSTOMER = (
    "DisplayName Title GivenName MiddleName FamilyName Suffix CompanyName FullyQualifiedName "
    "PrintOnCheckName Active PrimaryEmailAddr PrimaryPhone Mobile Fax WebAddr BillAddr ShipAddr "
    "Notes Job BillWithParent ParentRef Level SalesTermRef PaymentMethodRef Balance "
    "BalanceWithJobs OpenBalanceDate CurrencyRef PreferredDeliveryMethod ResaleNum Taxable "
    "DefaultTaxCodeRef TaxExemptionReasonId PrimaryTaxIdentifier CustomerTypeRef"
)
_ITEM = (
    "Description Type IncomeAccountRef ExpenseAccountRef AssetAccountRef UnitPrice PurchaseCost "
    "PurchaseDesc Taxable SalesTaxIncluded TrackQtyOnHand QtyOnHand InvStartDate Sku "
    "SalesTaxCodeRef ClassRef Level"
)
_INVOICE = (
    "DueDate PONumber Deposit AllowIPNPayment AllowOnlinePayment AllowOnlineCreditCardPayment "
    "AllowOnlineACHPayment InvoiceLink SalesRepRef"
)
_PAYMENT = (
    "TxnDate CurrencyRef ExchangeRate PrivateNote Line LinkedTxn CustomerRef TotalAmt "
    "UnappliedAmt ProcessPayment DepositToAccountRef PaymentMethodRef PaymentRefNum "
    "ARAccountRef TxnSource ProjectRef TransactionLocationType"
)
_ACCOUNT = (
    "AccountType AccountSubType Classification AcctNum Description CurrentBalance "
    "CurrentBalanceWithSubAccounts CurrencyRef TaxCodeRef SubAccount"
)
_TERM = (
    "Name Active Type DueDays DiscountDays DiscountPercent DayOfMonthDue DueNextMonthDays "
    "DiscountDayOfMonth"
)
_TAX_CODE = "Name Description Active Taxable TaxGroup Hidden SalesTaxRateList PurchaseTaxRateList"
_COMPANY_INFO = (
    "CompanyName LegalName CompanyAddr CustomerCommunicationAddr LegalAddr PrimaryPhone "
    "CompanyStartDate FiscalYearStartMonth Country Email WebAddr SupportedLanguages NameValue"
)
_PREFERENCES = (
    "AccountingInfoPrefs ProductAndServicesPrefs SalesFormsPrefs EmailMessagesPrefs "
    "VendorAndPurchasesPrefs TimeTrackingPrefs TaxPrefs CurrencyPrefs ReportPrefs OtherPrefs"
)


@dataclass(frozen=True)
class EntityKind:
    """One QBO entity as the sandbox serves it."""

    name: str  # QBO's name, as in bodies and queries: "Invoice"
    properties: tuple[str, ...]
    is_name_list: bool = False  # made inactive, never deleted; queries default to Active
    unique_field: str | None = None  # case-insensitive unique (6240)
    is_transaction: bool = False  # lines, totals, DocNumber
    is_singleton: bool = False  # CompanyInfo, Preferences: one per company
    is_read_only: bool = False  # QBO offers no create (TaxCode)

    @property
    def url_name(self) -> str:
        """The path segment (``/v3/company/<realm>/invoice``)."""
        return self.name.lower()


ENTITIES: tuple[EntityKind, ...] = (
    EntityKind(
        "Customer", _props(_COMMON, _CUSTOMER), is_name_list=True, unique_field="DisplayName"
    ),
    EntityKind("Item", _props(_COMMON, _NAME, _ITEM), is_name_list=True, unique_field="Name"),
    EntityKind("Invoice", _props(_COMMON, _TXN, _INVOICE), is_transaction=True),
    EntityKind(
        "CreditMemo", _props(_COMMON, _TXN, "RemainingCredit InvoiceRef"), is_transaction=True
    ),
    EntityKind("Payment", _props(_COMMON, _PAYMENT)),
    EntityKind("Account", _props(_COMMON, _NAME, _ACCOUNT), is_name_list=True, unique_field="Name"),
    EntityKind("Term", _props(_COMMON, _TERM), is_name_list=True, unique_field="Name"),
    EntityKind("TaxCode", _props(_COMMON, _TAX_CODE), is_name_list=True, is_read_only=True),
    EntityKind("Class", _props(_COMMON, _NAME), is_name_list=True, unique_field="Name"),
    EntityKind("Department", _props(_COMMON, _NAME), is_name_list=True, unique_field="Name"),
    EntityKind(
        "CompanyCurrency",
        _props(_COMMON, "Code Name Active CentralExchangeRate"),
        is_name_list=True,
        unique_field="Code",
    ),
    EntityKind("CompanyInfo", _props(_COMMON, _COMPANY_INFO), is_singleton=True),
    EntityKind("Preferences", _props(_COMMON, _PREFERENCES), is_singleton=True),
)

_BY_LOWER_NAME: dict[str, EntityKind] = {kind.url_name: kind for kind in ENTITIES}


def kind_named(name: str) -> EntityKind | None:
    """The entity a URL segment, query or batch item names (QBO reads these in any case)."""
    return _BY_LOWER_NAME.get(name.lower())
