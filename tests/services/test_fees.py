import datetime as dt

import pytest

from services.fees import blocked_by_cause, cause_and_fix, list_blocked, list_fees
from services.realization import realize
from tests.services.books import EXAMPLE_AS_OF, load_demo, load_example, sqlite_runtime

DEMO_AS_OF = dt.date(2024, 6, 30)


@pytest.fixture
def demo(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        load_demo(runtime)
        realize(runtime, DEMO_AS_OF, wait_seconds=0)
        yield runtime


@pytest.fixture
def example(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        load_example(runtime)
        realize(runtime, dt.date.fromisoformat(EXAMPLE_AS_OF), wait_seconds=0)
        yield runtime


def test_missing_assignments_on_different_billtos_and_dates_share_one_cause():
    first = cause_and_fix(
        "no customer assignment covers Billto 118 'Stark Finance' for product CONTRACT_HOURS "
        "on 2024-04-07: add one for this Billto (or a Billto above it) to the catalog"
    )
    second = cause_and_fix(
        "no customer assignment covers Billto 121 'Stark Legal' for product PMO_FEE "
        "on 2023-01-01: add one for this Billto (or a Billto above it) to the catalog"
    )

    assert first == second
    assert first[1] == "Add one for this Billto (or a Billto above it) to the catalog"


def test_a_missing_rate_cause_names_the_kind_of_hours_and_the_rate():
    cause, fix = cause_and_fix(
        "time card 1130 has 4.00 doubletime hours but placement 114 has no "
        "doubletime_bill_rate: enter the rate in the ATS"
    )

    assert (
        cause == "Time cards have doubletime hours but their placement has no doubletime_bill_rate"
    )
    assert fix == "Enter the rate in the ATS"


def test_an_unknown_reason_is_its_own_cause_with_the_fix_after_its_last_colon():
    assert cause_and_fix("Billto 7 'A: B' is odd: call someone") == (
        "Billto 7 'A: B' is odd",
        "Call someone",
    )
    assert cause_and_fix("Billto 999 is not in the ATS") == ("Billto 999 is not in the ATS", "")


def test_blocked_events_group_by_cause_most_events_first(demo):
    events = list_blocked(demo)

    causes = blocked_by_cause(demo)

    assert sum(c.count for c in causes) == len(events)
    assert [c.count for c in causes] == sorted((c.count for c in causes), reverse=True)
    top = causes[0]
    assert top.cause.startswith("No customer assignment covers")
    assert top.count == len(top.events) == sum(b.events for b in top.billtos)
    assert all(b.name for b in top.billtos)


def test_fees_of_an_unknown_billto_are_an_empty_list(example):
    assert list_fees(example, billto_id=999) == []


def test_fee_amounts_carry_exactly_the_currency_digits(example):
    fees = list_fees(example)

    assert fees
    assert {fee.amount.as_tuple().exponent for fee in fees if fee.currency == "USD"} == {-2}
