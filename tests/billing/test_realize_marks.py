"""Incremental reads never lose a change: clamped high-water marks and same-second changes.

Each scenario runs on SQLite, PostgreSQL and MariaDB through the command line.
A "future" stamp stays before 2038 because MariaDB's TIMESTAMP ends there.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import update

from ats import tables
from backoffice.clock import utc_now
from billing.realization.state import RealizationState, cursor_name
from tests.billing.realization_helpers import (
    AS_OF,
    fee_of,
    insert_contract_placement,
    insert_timecard,
    realize,
)

pytestmark = pytest.mark.databases  # timestamps and their precision differ between databases

FUTURE = dt.datetime(2037, 12, 31, 23, 0, 0)


def set_row(engine, table, row_id, updated_at, **values):
    """Change an ATS row with exactly this ``updated_at`` (which may repeat or go back)."""
    with engine.begin() as connection:
        connection.execute(
            update(table).where(table.c.id == row_id).values(**values, updated_at=updated_at)
        )


def test_row_dated_in_the_future_is_warned_and_later_changes_are_still_read(
    realized, runner, shared
):
    placement = insert_contract_placement(realized)
    card = insert_timecard(realized, placement)
    realize(runner)
    future = insert_timecard(realized, placement, week_ending=dt.date(2023, 7, 23),
                             updated_at=FUTURE)  # fmt: skip

    warned = runner("realize", "--as-of", AS_OF, "--json")
    set_row(realized, tables.timecard, card, utc_now().replace(microsecond=0),
            regular_hours=Decimal("45"))  # fmt: skip
    result = runner("realize", "--as-of", AS_OF)

    assert (warned.exit_code, result.exit_code) == (0, 0), result.output
    assert fee_of(runner, "timecard", card)["amount"] == "3847.50"  # 45 h at 85.50
    (warning,) = json.loads(warned.stdout).get("warnings", [""])
    assert f"time card {future} has an updated_at later than now" in warning
    assert f"Warning: ATS time card {future} has an updated_at later than now" in result.stderr


def test_second_change_of_a_row_within_the_same_second_is_billed(realized, runner):
    placement = insert_contract_placement(realized)
    card = insert_timecard(realized, placement)
    stamp = realize_and_stamp(realized, runner, card)

    set_row(realized, tables.timecard, card, stamp, regular_hours=Decimal("45"))
    realize(runner)

    assert fee_of(runner, "timecard", card)["amount"] == "3847.50"  # 45 h at 85.50


def realize_and_stamp(engine, runner, card):
    """Realize, and return the time card's ``updated_at`` as the ATS stored it."""
    assert realize(runner)["new"] == 1
    assert fee_of(runner, "timecard", card)["amount"] == "3420.00"  # 40 h at 85.50
    with engine.connect() as connection:
        return connection.scalar(
            tables.timecard.select()
            .with_only_columns(tables.timecard.c.updated_at)
            .where(tables.timecard.c.id == card)
        )


def test_mark_stored_in_the_future_by_an_earlier_version_is_brought_back_to_now(realized, runner):
    placement = insert_contract_placement(realized)
    card = insert_timecard(realized, placement)
    realize(runner)
    with realized.begin() as connection:
        connection.execute(
            update(RealizationState)
            .where(RealizationState.name == cursor_name("timecards"))
            .values(value=FUTURE.isoformat())
        )
    set_row(realized, tables.timecard, card, utc_now().replace(microsecond=0),
            regular_hours=Decimal("45"))  # fmt: skip

    realize(runner)

    assert fee_of(runner, "timecard", card)["amount"] == "3847.50"  # 45 h at 85.50
