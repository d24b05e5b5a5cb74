"""Money: an exact amount in one currency, and the one place amounts are rounded.

Amounts are ``Decimal`` built from ``str`` so float noise never gets in.
Rounding happens only at named points (an installment, an invoice line, a
total) through ``quantize``, half up to the currency's minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def to_decimal(value: object) -> Decimal:
    """A ``Decimal`` from a str, int or Decimal; floats go through ``str`` first."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


@dataclass(frozen=True)
class Money:
    """An amount in one currency. Mixing currencies raises; rounding is explicit."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", to_decimal(self.amount))
        minor_unit(self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: object) -> Money:
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self  # so that sum() works
        if not isinstance(other, Money):
            raise TypeError(f"cannot add {type(other).__name__} to Money")
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    __radd__ = __add__

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal) -> Money:
        if not isinstance(factor, Decimal | int) or isinstance(factor, bool):
            raise TypeError("Money may be multiplied only by a Decimal")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def quantized(self) -> Money:
        """This amount rounded half up to its currency's minor unit."""
        return Money(quantize(self.amount, self.currency), self.currency)

    def format(self) -> str:
        """The amount as the contract's JSON string: exactly the minor-unit digits."""
        return str(quantize(self.amount, self.currency))


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent, for people (25.0000 -> '25', 1E+1 -> '10')."""
    return format(value.normalize(), "f")
