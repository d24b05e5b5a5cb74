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


def occurrences(
    created: dt.date,
    schedule: Schedule,
    *,
    as_of: dt.date,
    end: dt.date | None = None,
    cancelled_on: dt.date | None = None,
) -> list[dt.date]:
    """Every occurrence date due by ``as_of``, in order."""
    if schedule is Schedule.ONE_TIME:
        candidates: Iterator[dt.date] = iter([created])
    else:
        candidates = _periodic(created, schedule)
    dates = []
    for day in candidates:
        if day > as_of or (end is not None and day > end):
            break
        if cancelled_on is not None and day >= cancelled_on:
            break
        dates.append(day)
    return dates


def _periodic(created: dt.date, schedule: Schedule) -> Iterator[dt.date]:
    period = 0
    while True:
        if schedule is Schedule.WEEKLY:
            yield created + dt.timedelta(weeks=period)
        else:
            yield add_months(created, period * MONTHS_PER_PERIOD[schedule])
        period += 1


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months``, its day of month clamped to the month's end."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last_day))
