"""Money: the currencies billed in, and the one place amounts are rounded.

Amounts are ``Decimal`` built from ``str`` so float noise never gets in.
Rounding happens only at named points (an installment, an invoice line, a
total) through ``quantize``, half up to the currency's minor unit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ROUNDING = ROUND_HALF_UP

# ISO 4217 minor units of the currencies an agency bills in. A currency not in
# this table is refused rather than guessed.
MINOR_UNITS: dict[str, int] = {
    "AED": 2,
    "AUD": 2,
    "BHD": 3,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CLP": 0,
    "CNY": 2,
    "CZK": 2,
    "DKK": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "HUF": 2,
    "IDR": 2,
    "ILS": 2,
    "INR": 2,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "MXN": 2,
    "MYR": 2,
    "NOK": 2,
    "NZD": 2,
    "OMR": 3,
    "PHP": 2,
    "PLN": 2,
    "SAR": 2,
    "SEK": 2,
    "SGD": 2,
    "THB": 2,
    "TND": 3,
    "TRY": 2,
    "TWD": 2,
    "USD": 2,
    "VND": 0,
    "ZAR": 2,
}


class UnknownCurrency(ValueError):
    """Raised for a currency code that is not an ISO 4217 code this service knows."""


def minor_unit(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (USD 2, JPY 0, KWD 3)."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrency(
            f"unknown currency {currency!r}: use an ISO 4217 code such as USD, CAD, GBP"
        ) from None


def is_known_currency(currency: str) -> bool:
    """Whether ``currency`` is a code this service can bill in."""
    return currency in MINOR_UNITS


def quantize(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half up to the minor unit of ``currency``."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUNDING)


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent, for people (25.0000 -> '25', 1E+1 -> '10')."""
    return format(value.normalize(), "f")
