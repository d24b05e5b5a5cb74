"""Occurrence dates of a scheduled service fee.

Occurrences fall on the created date, then every period after it, up to and
including ``schedule_end_date`` and the as-of date, and never on or after
``cancelled_on``. Monthly, quarterly and annual periods keep the created
date's day of month, clamped to the month's last day, and are counted from
the created date each time so that a 31st stays the 31st after February.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from enum import StrEnum


class Schedule(StrEnum):
    """How often a service fee recurs (the ATS ``schedule`` column)."""

    ONE_TIME = "one_time"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUALLY = "annually"


MONTHS_PER_PERIOD = {Schedule.MONTHLY: 1, Schedule.QUARTERLY: 3, Schedule.ANNUALLY: 12}
LAST_ORDINAL = dt.date.max.toordinal()


def occurrences(
    created: dt.date,
    schedule: Schedule,
    *,
    as_of: dt.date,
    end: dt.date | None = None,
    cancelled_on: dt.date | None = None,
) -> list[dt.date]:
    """Every occurrence date due by ``as_of``, in order."""
    return list(iter_occurrences(created, schedule, as_of=as_of, end=end,
                                 cancelled_on=cancelled_on))  # fmt: skip


def iter_occurrences(
    created: dt.date,
    schedule: Schedule,
    *,
    as_of: dt.date,
    end: dt.date | None = None,
    cancelled_on: dt.date | None = None,
) -> Iterator[dt.date]:
    """The occurrence dates due by ``as_of``, in order, computed only as far as they are taken.

    A caller bounds how many it takes: an as-of date centuries away has
    tens of thousands.
    """
    if schedule is Schedule.ONE_TIME:
        candidates: Iterator[dt.date] = iter([created])
    else:
        candidates = _periodic(created, schedule)
    for day in candidates:
        if day > as_of or (end is not None and day > end):
            return
        if cancelled_on is not None and day >= cancelled_on:
            return
        yield day


def _periodic(created: dt.date, schedule: Schedule) -> Iterator[dt.date]:
    """Every period's date from ``created`` on, ending at the last date a date can hold."""
    period = 0
    while True:
        if schedule is Schedule.WEEKLY:
            ordinal = created.toordinal() + 7 * period
            if ordinal > LAST_ORDINAL:
                return
            yield dt.date.fromordinal(ordinal)
        else:
            months = period * MONTHS_PER_PERIOD[schedule]
            if _month_index(created) + months > _month_index(dt.date.max):
                return
            yield add_months(created, months)
        period += 1


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months``, its day of month clamped to the month's end."""
    year, month = divmod(_month_index(day) + months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last_day))
