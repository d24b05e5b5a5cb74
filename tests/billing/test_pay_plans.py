"""Splitting a fee by pay plan: worked examples, then properties over random plans."""

import datetime as dt
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.errors import FatalError
from billing.money import minor_unit, quantize
from billing.pay_plans import (
    FULL_ON_EVENT,
    LineStrategy,
    PlanLine,
    ScheduledAmount,
    split_by_pay_plan,
)

PCT, AMT = LineStrategy.PERCENTAGE, LineStrategy.AMOUNT
EVENT = dt.date(2023, 7, 10)


def plan(*lines):
    """Plan lines from (strategy, value, days) tuples, values given as strings."""
    return [PlanLine(strategy, Decimal(value), days) for strategy, value, days in lines]


def installments(split):
    """A split as (plan line, ISO date, amount string) tuples, to compare exactly."""
    return [(s.plan_line, s.effective_date.isoformat(), str(s.amount)) for s in split]


FIFTY_FIFTY = plan((PCT, "50", 0), (PCT, "50", 90))
THIRDS = plan((PCT, "33.3333", 0), (PCT, "33.3333", 30), (PCT, "33.3334", 60))
QUARTERS = plan((PCT, "25", 0), (PCT, "25", 30), (PCT, "25", 60), (PCT, "25", 90))
DEPOSIT_THEN_REST = plan((AMT, "1000.00", 0), (PCT, "100", 30))


@pytest.mark.parametrize(
    ("fee", "currency", "lines", "expected"),
    [
        pytest.param(
            "25000.00", "USD", FIFTY_FIFTY,
            [(1, "2023-07-10", "12500.00"), (2, "2023-10-08", "12500.00")],
            id="seed-example-50-50-day-0-and-90",
        ),
        pytest.param(
            "25000.00", "USD", THIRDS,
            [(1, "2023-07-10", "8333.33"), (2, "2023-08-09", "8333.33"),
             (3, "2023-09-08", "8333.34")],
            id="thirds-last-absorbs-remainder",
        ),
        pytest.param(
            "100000", "JPY", THIRDS,
            [(1, "2023-07-10", "33333"), (2, "2023-08-09", "33333"), (3, "2023-09-08", "33334")],
            id="jpy-thirds-in-whole-yen",
        ),
        pytest.param(
            "10.000", "KWD", THIRDS,
            [(1, "2023-07-10", "3.333"), (2, "2023-08-09", "3.333"), (3, "2023-09-08", "3.334")],
            id="kwd-thirds-in-fils",
        ),
        pytest.param(
            "0.05", "USD", FIFTY_FIFTY,
            [(1, "2023-07-10", "0.03"), (2, "2023-10-08", "0.02")],
            id="half-cent-rounds-up-and-last-takes-less",
        ),
        pytest.param(
            "25000.00", "USD", DEPOSIT_THEN_REST,
            [(1, "2023-07-10", "1000.00"), (2, "2023-08-09", "24000.00")],
            id="deposit-then-100-percent",
        ),
        pytest.param(
            "600.00", "USD", DEPOSIT_THEN_REST,
            [(1, "2023-07-10", "600.00")],
            id="deposit-larger-than-fee-is-capped",
        ),
        pytest.param(
            "1000.00", "USD", DEPOSIT_THEN_REST,
            [(1, "2023-07-10", "1000.00")],
            id="deposit-equal-to-fee-leaves-nothing-to-share",
        ),
        pytest.param(
            "10000.00", "USD", plan((PCT, "50", 0), (AMT, "1000", 0), (PCT, "50", 60)),
            [(1, "2023-07-10", "4500.00"), (2, "2023-07-10", "1000.00"),
             (3, "2023-09-08", "4500.00")],
            id="amount-line-taken-first-wherever-it-sits",
        ),
        pytest.param(
            "5000", "JPY", plan((AMT, "1000.5", 0), (PCT, "100", 30)),
            [(1, "2023-07-10", "1001"), (2, "2023-08-09", "3999")],
            id="amount-line-quantized-to-the-currency",
        ),
        pytest.param(
            "0.02", "USD", QUARTERS,
            [(1, "2023-07-10", "0.01"), (2, "2023-08-09", "0.01")],
            id="tiny-fee-never-gives-a-negative-installment",
        ),
        pytest.param(
            "-25000.00", "USD", FIFTY_FIFTY,
            [(1, "2023-07-10", "-12500.00"), (2, "2023-10-08", "-12500.00")],
            id="negative-correction-split-like-a-fee",
        ),
        pytest.param(
            "-0.02", "USD", QUARTERS,
            [(1, "2023-07-10", "-0.01"), (2, "2023-08-09", "-0.01")],
            id="tiny-negative-correction-never-changes-sign",
        ),
        pytest.param(
            "-500.00", "USD", DEPOSIT_THEN_REST,
            [(2, "2023-08-09", "-500.00")],
            id="negative-correction-skips-amount-lines",
        ),
        pytest.param("0.00", "USD", FIFTY_FIFTY, [], id="zero-fee-has-no-installments"),
    ],
)  # fmt: skip
def test_split_by_pay_plan_worked_examples(fee, currency, lines, expected):
    assert installments(split_by_pay_plan(Decimal(fee), currency, EVENT, lines)) == expected


def test_full_on_event_puts_the_whole_fee_on_the_event_date():
    split = split_by_pay_plan(Decimal("1234.56"), "USD", EVENT, FULL_ON_EVENT)

    assert split == [ScheduledAmount(1, EVENT, Decimal("1234.56"))]


def test_plan_without_a_percentage_line_is_a_broken_invariant():
    with pytest.raises(FatalError, match="percentage line"):
        split_by_pay_plan(Decimal("100.00"), "USD", EVENT, plan((AMT, "100", 0)))


# --- properties ---------------------------------------------------------------------------

CURRENCIES = ("USD", "JPY", "KWD")
TEN_THOUSANDTHS = 10**4  # pay plan values carry up to 4 decimals


@st.composite
def percentages(draw, count):
    """``count`` positive percentages with up to 4 decimals adding up to exactly 100."""
    step = draw(st.sampled_from([1, 100, 10_000]))  # 0.0001, 0.01 or whole percents
    total = 100 * TEN_THOUSANDTHS // step
    cuts = sorted(draw(st.sets(st.integers(1, total - 1), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, total]
    return [Decimal(b - a) * step / TEN_THOUSANDTHS for a, b in pairwise(bounds)]


@st.composite
def pay_plans(draw):
    """A valid plan: 1-6 lines, at least one percentage, optional amounts, days in order."""
    size = draw(st.integers(1, 6))
    share_count = draw(st.integers(1, size))
    shares = [(PCT, value) for value in draw(percentages(share_count))]
    amount = st.integers(1, 10**9).map(lambda n: (AMT, Decimal(n) / TEN_THOUSANDTHS))
    amounts = draw(st.lists(amount, min_size=size - share_count, max_size=size - share_count))
    kinds = draw(st.permutations(shares + amounts))
    days = sorted(draw(st.lists(st.integers(0, 730), min_size=size, max_size=size)))
    pairs = zip(kinds, days, strict=True)
    return [PlanLine(strategy, value, day) for (strategy, value), day in pairs]


def fees(currency, sign=1):
    """Fees already quantized to ``currency``, small ones drawn as often as large ones."""
    minor = st.one_of(st.integers(0, 200), st.integers(0, 10**13))
    return minor.map(lambda n: quantize(Decimal(sign * n).scaleb(-minor_unit(currency)), currency))


@st.composite
def split_cases(draw, sign=1):
    currency = draw(st.sampled_from(CURRENCIES))
    return draw(fees(currency, sign)), currency, draw(pay_plans())


events = st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31))


@given(split_cases(), events)
def test_installments_add_up_to_the_fee_exactly(case, event):
    fee, currency, lines = case

    split = split_by_pay_plan(fee, currency, event, lines)

    assert sum((s.amount for s in split), Decimal(0)) == fee


@given(split_cases(), events)
def test_no_installment_of_a_non_negative_fee_is_negative(case, event):
    fee, currency, lines = case

    split = split_by_pay_plan(fee, currency, event, lines)

    assert all(s.amount > 0 for s in split)


@given(split_cases(), events)
def test_every_installment_has_exactly_the_minor_unit_digits(case, event):
    fee, currency, lines = case

    split = split_by_pay_plan(fee, currency, event, lines)

    assert {s.amount.as_tuple().exponent for s in split} <= {-minor_unit(currency)}


@given(split_cases(), events)
def test_installment_dates_follow_the_plan_lines(case, event):
    fee, currency, lines = case

    split = split_by_pay_plan(fee, currency, event, lines)

    dates = [s.effective_date for s in split]
    assert dates == sorted(dates)
    for s in split:
        assert s.effective_date == event + dt.timedelta(days=lines[s.plan_line - 1].days_from_event)


@given(split_cases(), events)
def test_plan_line_indexes_are_increasing_and_in_range(case, event):
    fee, currency, lines = case

    indexes = [s.plan_line for s in split_by_pay_plan(fee, currency, event, lines)]

    assert indexes == sorted(set(indexes))
    assert all(1 <= index <= len(lines) for index in indexes)


@given(split_cases(), events)
def test_amount_lines_get_their_value_until_the_fee_runs_out(case, event):
    fee, currency, lines = case

    split = {s.plan_line: s.amount for s in split_by_pay_plan(fee, currency, event, lines)}

    left = fee
    for index, line in enumerate(lines, start=1):
        if line.strategy is AMT:
            expected = min(quantize(line.value, currency), left)
            assert split.get(index, Decimal(0)) == expected
            left -= expected


@given(split_cases(sign=-1), events)
def test_negative_correction_adds_up_exactly_and_never_turns_positive(case, event):
    fee, currency, lines = case

    split = split_by_pay_plan(fee, currency, event, lines)

    assert sum((s.amount for s in split), Decimal(0)) == fee
    assert all(s.amount < 0 for s in split)
    assert {s.amount.as_tuple().exponent for s in split} <= {-minor_unit(currency)}
