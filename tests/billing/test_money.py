from decimal import Decimal

import pytest

from billing.money import UnknownCurrency, minor_unit, quantize


@pytest.mark.parametrize(("currency", "digits"), [("USD", 2), ("CAD", 2), ("GBP", 2), ("JPY", 0)])
def test_minor_unit_follows_iso_4217(currency, digits):
    assert minor_unit(currency) == digits


def test_unknown_currency_is_refused():
    with pytest.raises(UnknownCurrency, match="XYZ"):
        minor_unit("XYZ")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [("8333.335", "USD", "8333.34"), ("0.005", "USD", "0.01"), ("-0.005", "USD", "-0.01"),
     ("1234.5", "JPY", "1235"), ("2.675", "GBP", "2.68")],
)  # fmt: skip
def test_quantize_rounds_half_up_to_the_minor_unit(amount, currency, expected):
    assert str(quantize(Decimal(amount), currency)) == expected
