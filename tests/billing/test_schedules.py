"""Occurrence dates of scheduled service fees: one table per rule, then properties."""

import calendar
import datetime as dt
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.schedules import Schedule, add_months, occurrences

D = dt.date.fromisoformat
FAR = "2099-12-31"


def iso(dates):
    return [d.isoformat() for d in dates]


@pytest.mark.parametrize(
    ("created", "as_of", "end", "cancelled_on", "expected"),
    [
        pytest.param("2024-03-05", "2024-12-31", None, None, ["2024-03-05"], id="due"),
        pytest.param("2024-03-05", "2024-03-05", None, None, ["2024-03-05"],
                     id="as-of-inclusive"),
        pytest.param("2024-03-05", "2024-03-04", None, None, [], id="not-yet-due"),
        pytest.param("2024-03-05", FAR, "2024-03-05", None, ["2024-03-05"], id="end-inclusive"),
        pytest.param("2024-03-05", FAR, "2024-03-04", None, [], id="ended-before-created"),
        pytest.param("2024-03-05", FAR, None, "2024-03-05", [], id="cancelled-on-created"),
        pytest.param("2024-03-05", FAR, None, "2024-03-06", ["2024-03-05"],
                     id="cancelled-after-created"),
    ],
)  # fmt: skip
def test_one_time_fee_occurs_once_on_its_created_date(created, as_of, end, cancelled_on, expected):
    dates = occurrences(
        D(created),
        Schedule.ONE_TIME,
        as_of=D(as_of),
        end=end and D(end),
        cancelled_on=cancelled_on and D(cancelled_on),
    )

    assert iso(dates) == expected


def test_weekly_fee_occurs_every_seven_days_up_to_and_including_as_of():
    dates = occurrences(D("2024-01-01"), Schedule.WEEKLY, as_of=D("2024-01-29"))

    assert iso(dates) == ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29"]


def test_weekly_fee_crosses_the_year_end():
    dates = occurrences(D("2023-12-20"), Schedule.WEEKLY, as_of=D("2024-01-10"))

    assert iso(dates) == ["2023-12-20", "2023-12-27", "2024-01-03", "2024-01-10"]


@pytest.mark.parametrize(
    ("schedule", "created", "as_of", "expected"),
    [
        pytest.param(Schedule.MONTHLY, "2024-01-31", "2024-05-31",
                     ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"],
                     id="monthly-31st-survives-leap-february"),
        pytest.param(Schedule.MONTHLY, "2023-01-31", "2023-03-31",
                     ["2023-01-31", "2023-02-28", "2023-03-31"],
                     id="monthly-31st-survives-common-february"),
        pytest.param(Schedule.MONTHLY, "2024-01-30", "2024-03-31",
                     ["2024-01-30", "2024-02-29", "2024-03-30"],
                     id="monthly-30th-clamped-in-february-only"),
        pytest.param(Schedule.MONTHLY, "2023-11-15", "2024-02-14",
                     ["2023-11-15", "2023-12-15", "2024-01-15"],
                     id="monthly-crosses-year-end"),
        pytest.param(Schedule.MONTHLY, "2024-01-31", "2024-02-28", ["2024-01-31"],
                     id="monthly-clamped-date-not-yet-due"),
        pytest.param(Schedule.QUARTERLY, "2024-02-29", "2025-05-29",
                     ["2024-02-29", "2024-05-29", "2024-08-29", "2024-11-29", "2025-02-28",
                      "2025-05-29"],
                     id="quarterly-from-leap-day"),
        pytest.param(Schedule.QUARTERLY, "2023-11-30", "2024-08-30",
                     ["2023-11-30", "2024-02-29", "2024-05-30", "2024-08-30"],
                     id="quarterly-30th-clamped-in-february"),
        pytest.param(Schedule.QUARTERLY, "2024-01-31", "2024-12-31",
                     ["2024-01-31", "2024-04-30", "2024-07-31", "2024-10-31"],
                     id="quarterly-31st-survives-april"),
        pytest.param(Schedule.ANNUALLY, "2024-02-29", "2028-02-29",
                     ["2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"],
                     id="annually-from-leap-day-returns-on-next-leap-year"),
        pytest.param(Schedule.ANNUALLY, "2023-07-10", "2025-07-09", ["2023-07-10", "2024-07-10"],
                     id="annually-as-of-day-before-anniversary"),
    ],
)  # fmt: skip
def test_month_based_fees_keep_the_created_day_clamped_to_month_end(
    schedule, created, as_of, expected
):
    assert iso(occurrences(D(created), schedule, as_of=D(as_of))) == expected


@pytest.mark.parametrize(
    ("schedule", "created", "expected_last", "expected_count"),
    [
        pytest.param(Schedule.WEEKLY, "9999-12-01", "9999-12-29", 5, id="weekly"),
        pytest.param(Schedule.MONTHLY, "9999-06-30", "9999-12-30", 7, id="monthly"),
        pytest.param(Schedule.QUARTERLY, "9999-02-28", "9999-11-28", 4, id="quarterly"),
        pytest.param(Schedule.ANNUALLY, "9999-03-01", "9999-03-01", 1, id="annually"),
    ],
)  # fmt: skip
def test_occurrences_end_at_the_last_date_a_date_can_hold(
    schedule, created, expected_last, expected_count
):
    dates = occurrences(D(created), schedule, as_of=dt.date.max)

    assert (dates[-1].isoformat(), len(dates)) == (expected_last, expected_count)


@pytest.mark.parametrize(
    ("end", "cancelled_on", "expected"),
    [
        pytest.param("2024-03-15", None, ["2024-01-15", "2024-02-15", "2024-03-15"],
                     id="end-inclusive"),
        pytest.param("2024-03-14", None, ["2024-01-15", "2024-02-15"], id="end-before-occurrence"),
        pytest.param(None, "2024-03-15", ["2024-01-15", "2024-02-15"],
                     id="cancelled-on-exclusive"),
        pytest.param(None, "2024-03-16", ["2024-01-15", "2024-02-15", "2024-03-15"],
                     id="cancelled-day-after"),
        pytest.param("2024-06-15", "2024-03-01", ["2024-01-15", "2024-02-15"],
                     id="cancelled-before-end-wins"),
        pytest.param("2024-02-01", "2024-06-01", ["2024-01-15"], id="end-before-cancelled-wins"),
        pytest.param(None, "2024-01-15", [], id="cancelled-on-created"),
    ],
)  # fmt: skip
def test_monthly_fee_stops_at_end_and_before_cancelled_on(end, cancelled_on, expected):
    dates = occurrences(
        D("2024-01-15"),
        Schedule.MONTHLY,
        as_of=D("2024-12-31"),
        end=end and D(end),
        cancelled_on=cancelled_on and D(cancelled_on),
    )

    assert iso(dates) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-01-31", 2, "2024-03-31"),
        ("2024-03-31", -1, "2024-02-29"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2023-12-31", 1, "2024-01-31"),
        ("2024-01-15", -1, "2023-12-15"),
        ("2024-05-31", 0, "2024-05-31"),
        ("1900-01-29", 1, "1900-02-28"),
        ("2000-01-29", 1, "2000-02-29"),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(D(day), months).isoformat() == expected


# --- properties ---------------------------------------------------------------------------

MONTHS_APART = {Schedule.MONTHLY: 1, Schedule.QUARTERLY: 3, Schedule.ANNUALLY: 12}
ANY_SCHEDULE = st.sampled_from(Schedule)

created_dates = st.dates(D("2000-01-01"), D("2040-12-31"))
offsets = st.integers(-40, 1500).map(lambda days: dt.timedelta(days=days))


@st.composite
def schedule_cases(draw, schedules=ANY_SCHEDULE):
    created = draw(created_dates)
    bound = st.builds(lambda offset: created + offset, offsets)
    return {
        "created": created,
        "schedule": draw(schedules),
        "as_of": draw(bound),
        "end": draw(st.none() | bound),
        "cancelled_on": draw(st.none() | bound),
    }


def run(case):
    created, schedule, bounds = case["created"], case["schedule"], dict(case)
    del bounds["created"], bounds["schedule"]
    return occurrences(created, schedule, **bounds)


def is_within_bounds(day, case):
    """Whether ``day`` is due: not after as_of or end, and before cancelled_on."""
    end, cancelled_on = case["end"], case["cancelled_on"]
    return (
        day <= case["as_of"]
        and (end is None or day <= end)
        and (cancelled_on is None or day < cancelled_on)
    )


def month_index(day):
    return day.year * 12 + day.month - 1


@given(schedule_cases())
def test_occurrences_are_strictly_increasing(case):
    dates = run(case)

    assert all(a < b for a, b in pairwise(dates))


@given(schedule_cases())
def test_occurrences_fall_within_created_and_the_bounds(case):
    dates = run(case)

    assert all(case["created"] <= day and is_within_bounds(day, case) for day in dates)


@given(schedule_cases())
def test_first_occurrence_is_created_whenever_created_is_due(case):
    dates = run(case)

    if is_within_bounds(case["created"], case):
        assert dates[0] == case["created"]
    else:
        assert dates == []


@given(schedule_cases(schedules=st.just(Schedule.ONE_TIME)))
def test_one_time_fee_occurs_at_most_once(case):
    assert len(run(case)) <= 1


@given(schedule_cases(schedules=st.just(Schedule.WEEKLY)))
def test_weekly_occurrences_are_seven_days_apart_until_a_bound(case):
    dates = run(case)

    assert all(b - a == dt.timedelta(days=7) for a, b in pairwise(dates))
    if dates:
        assert not is_within_bounds(dates[-1] + dt.timedelta(days=7), case)


@given(schedule_cases(schedules=st.sampled_from(list(MONTHS_APART))))
def test_month_based_occurrences_fall_in_consecutive_periods_on_the_clamped_day(case):
    created, step = case["created"], MONTHS_APART[case["schedule"]]

    dates = run(case)

    for period, day in enumerate(dates):
        assert month_index(day) == month_index(created) + period * step
        assert day.day == min(created.day, calendar.monthrange(day.year, day.month)[1])


@given(schedule_cases(schedules=st.sampled_from(list(MONTHS_APART))))
def test_month_based_occurrences_stop_only_at_a_bound(case):
    created, step = case["created"], MONTHS_APART[case["schedule"]]

    dates = run(case)

    assert not is_within_bounds(add_months(created, len(dates) * step), case)


@given(created_dates, st.integers(-120, 120))
def test_add_months_moves_the_month_and_clamps_the_day(day, months):
    moved = add_months(day, months)

    assert month_index(moved) == month_index(day) + months
    assert moved.day == min(day.day, calendar.monthrange(moved.year, moved.month)[1])
