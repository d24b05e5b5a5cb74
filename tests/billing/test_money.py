from decimal import Decimal

import pytest

from billing.money import Money, UnknownCurrency, minor_unit, quantize


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


def test_money_refuses_mixed_currencies():
    with pytest.raises(ValueError, match="USD with CAD"):
        Money(Decimal("1"), "USD") + Money(Decimal("1"), "CAD")


def test_money_multiplies_only_by_decimal():
    with pytest.raises(TypeError):
        Money(Decimal("10"), "USD") * 1.5  # type: ignore[operator]
    assert (Money(Decimal("10"), "USD") * Decimal("1.5")).amount == Decimal("15.0")


def test_money_sums_and_formats_with_exact_minor_digits():
    total = sum([Money(Decimal("0.10"), "USD"), Money(Decimal("0.20"), "USD")])

    assert total == Money(Decimal("0.30"), "USD")
    assert Money(Decimal("12500"), "USD").format() == "12500.00"
    assert Money(Decimal("12500.4"), "JPY").format() == "12500"


def test_money_from_float_goes_through_str():
    assert Money(0.1, "USD").amount == Decimal("0.1")  # type: ignore[arg-type]
