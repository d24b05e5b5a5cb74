import datetime as dt

import pytest

from backoffice.errors import NeedsUserAction
from services.fees import count_blocked
from services.realization import realize
from tests.services.books import load_demo, sqlite_runtime

AS_OF = dt.date(2024, 6, 30)


class Recorder:
    def __init__(self):
        self.totals = []
        self.rows = 0

    def started(self, total):
        self.totals.append(total)

    def advanced(self, rows):
        self.rows += rows


@pytest.fixture
def demo(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        load_demo(runtime)
        yield runtime


def test_a_second_run_still_reports_the_events_blocked_by_the_first(demo):
    first = realize(demo, AS_OF, wait_seconds=0)

    second = realize(demo, AS_OF, wait_seconds=0)

    assert first.counts["blocked"] > 0
    assert first.still_blocked == first.counts["blocked"] == count_blocked(demo)
    assert second.counts["blocked"] == 0
    assert second.still_blocked == first.still_blocked


def test_the_summary_keeps_the_contract_keys_first(demo):
    result = realize(demo, AS_OF, wait_seconds=0)

    assert list(result.counts)[:5] == ["new", "changed", "cancelled", "blocked", "unchanged"]
    assert result.full_pass


def test_a_full_pass_announces_its_total_and_reaches_it(demo):
    progress = Recorder()

    realize(demo, AS_OF, wait_seconds=0, progress=progress)

    (total,) = progress.totals
    assert total is not None and total > 0
    assert progress.rows == total


def test_an_incremental_run_has_no_total_to_announce(demo):
    realize(demo, AS_OF, wait_seconds=0)
    progress = Recorder()

    realize(demo, AS_OF, wait_seconds=0, progress=progress)

    assert progress.totals == [None]
    assert progress.rows == 0


def test_an_ats_without_its_tables_is_refused_naming_them(tmp_path):
    with sqlite_runtime(tmp_path) as runtime, pytest.raises(NeedsUserAction) as refused:
        realize(runtime, AS_OF, wait_seconds=0)

    assert refused.value.code == "ats_incomplete"
    assert "ats_placement" in refused.value.message
    assert "BACKOFFICE_ATS_DATABASE_URL" in refused.value.action
