"""``backoffice realize`` is idempotent, crash-safe and safe to start twice at once (issue 4).

Each scenario runs the real command in separate processes against a demo book
and compares the outcome with a clean single run on an identical book (same
seed) in another database of the same kind. Fee ids and revision times are
the only things allowed to differ.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from billing.fees import FeeRevision, RealizedFee
from tests.billing.demo_books import (
    BOOKS,
    SMALL_PAGES,
    Book,
    new_book,
)

HOST = socket.gethostname()
POLL_SECONDS = 0.005


@dataclass
class Reference:
    """What clean single runs leave on an identical book."""

    full_summary: dict[str, int]
    full: dict[str, list[Any]]
    second_summary: dict[str, int]
    second: dict[str, list[Any]]
    fee_count: int
    changed_summary: dict[str, int]
    changed: dict[str, list[Any]]
    revisions_of_change: int
    changed_again_summary: dict[str, int]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Reference]]:
    """Clean runs on an identical book, once per database kind for the module."""
    found: dict[str, Reference] = {}
    with ExitStack() as stack:

        def of(kind: str) -> Reference:
            if kind not in found:
                tmp = tmp_path_factory.mktemp(f"reference-{kind}")
                book = stack.enter_context(new_book(kind, tmp)).build()
                full_summary = book.realize()
                full = book.snapshot()
                second_summary = book.realize()
                second = book.snapshot()
                fee_count = book.count(RealizedFee)
                revisions_before = book.count(FeeRevision)
                book.change_timecards()
                changed_summary = book.realize()
                changed = book.snapshot()
                revisions_of_change = book.count(FeeRevision) - revisions_before
                changed_again_summary = book.realize()
                assert book.count(FeeRevision) - revisions_before == revisions_of_change
                found[kind] = Reference(
                    full_summary,
                    full,
                    second_summary,
                    second,
                    fee_count,
                    changed_summary,
                    changed,
                    revisions_of_change,
                    changed_again_summary,
                )
            return found[kind]

        yield of


@pytest.fixture(params=BOOKS)
def book(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Book]:
    """A fresh demo book, the same as the reference's, on each kind of database."""
    with new_book(request.param, tmp_path) as book:
        yield book.build()


def output_of(process: subprocess.Popen[str]) -> tuple[str, str]:
    assert process.stdout is not None and process.stderr is not None
    process.stdout.seek(0)
    process.stderr.seek(0)
    return process.stdout.read(), process.stderr.read()


def kill_realize_when(
    book: Book,
    reached: Callable[[int], bool],
    what: str,
    *,
    page_size: int | None = None,
    then_wait: float = 0,
) -> subprocess.Popen[str]:
    """Start realize, SIGKILL it ``then_wait`` s after ``reached(pid)`` holds; the dead process.

    ``reached`` is polled, so without ``then_wait`` the kill lands just after a
    page's commit; with it, somewhere in the next page (reading, evaluating or
    inside its transaction).
    """
    process = book.spawn_realize(page_size=page_size)
    deadline = time.monotonic() + 120
    try:
        while not reached(process.pid):
            if process.poll() is not None:
                pytest.fail(
                    f"realize ended (exit {process.returncode}) before {what}: {output_of(process)}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"realize did not reach {what} in 120 s")
            time.sleep(POLL_SECONDS)
        time.sleep(then_wait)
        process.send_signal(signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL, (
        f"realize finished before it could be killed {what}",
        output_of(process),
    )
    return process


def took_over_from(process: subprocess.Popen[str], dead: subprocess.Popen[str]) -> bool:
    """Whether ``process`` logged taking over the lock the ``dead`` one left."""
    return f"took over the realize lock abandoned by {HOST}:{dead.pid}" in output_of(process)[1]


@pytest.mark.parametrize("kind", BOOKS)
def test_a_second_run_in_a_row_changes_nothing(kind, reference):
    expected = reference(kind)

    second, after_change = expected.second_summary, expected.changed_again_summary

    assert expected.full_summary["new"] > 1000
    assert second["new"] == second["changed"] == second["cancelled"] == 0, second
    assert expected.second == expected.full
    assert expected.changed_summary["changed"] + expected.changed_summary["cancelled"] > 0
    assert after_change["new"] == after_change["changed"] == after_change["cancelled"] == 0


def test_two_realize_processes_at_once_realize_each_fee_once(book, reference):
    expected = reference(book.kind)

    processes = [book.spawn_realize(wait=120) for _ in range(2)]
    for process in processes:
        process.wait(timeout=180)

    outputs = [output_of(p) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    summaries = sorted((json.loads(out)["summary"] for out, _ in outputs), key=lambda s: s["new"])
    # One took the lock and realized everything; the other waited, then found nothing to do.
    assert summaries[1] == expected.full_summary
    assert summaries[0]["new"] == summaries[0]["changed"] == summaries[0]["cancelled"] == 0
    assert book.duplicate_natural_keys() == []
    assert book.snapshot() == expected.full
    assert book.lock_holders() == []


@pytest.mark.parametrize("book", ["sqlite", "postgresql"], indirect=True)
def test_runs_killed_between_transactions_lose_nothing_and_double_nothing(book, reference):
    expected = reference(book.kind)

    # 1. Killed once it holds the lock, before the first page is written (the real
    #    command: the whole book is one page of placements, slow to evaluate).
    first = kill_realize_when(
        book, lambda pid: book.lock_holders() == [f"{HOST}:{pid}"], "taking the lock"
    )
    assert book.count(RealizedFee) == 0
    assert book.lock_holders() == [f"{HOST}:{first.pid}"]

    # 2. The next run takes the dead process's lock over (it may not wait) and is
    #    killed in turn after the first page of the full pass is committed.
    second = kill_realize_when(
        book,
        lambda _pid: book.count(RealizedFee) > 0,
        "the first page is committed",
        page_size=SMALL_PAGES,
    )
    assert took_over_from(second, first)
    written = book.count(RealizedFee)
    assert 0 < written < expected.fee_count
    assert book.lock_holders() == [f"{HOST}:{second.pid}"]

    resumed = book.realize()

    assert book.lock_holders() == []
    assert resumed["new"] + written == expected.full_summary["new"], resumed
    assert book.duplicate_natural_keys() == []
    assert book.snapshot() == expected.full

    # 3. The ATS changes; the incremental run is killed just after a page is committed,
    #    a third of the way in ...
    before = book.count(FeeRevision)
    book.change_timecards()

    def revised() -> int:
        return book.count(FeeRevision) - before

    third = expected.revisions_of_change // 3
    third_run = kill_realize_when(
        book,
        lambda _pid: revised() >= third,
        "a third of the changes are committed",
        page_size=SMALL_PAGES,
    )
    assert 0 < revised() < expected.revisions_of_change
    assert book.lock_holders() == [f"{HOST}:{third_run.pid}"]

    # 4. ... and the run resuming it is killed again two thirds of the way in, this
    #    time a little after a page's commit (inside the next page).
    fourth_run = kill_realize_when(
        book,
        lambda _pid: revised() >= 2 * third,
        "two thirds of the changes are committed",
        page_size=SMALL_PAGES,
        then_wait=0.02,
    )
    assert took_over_from(fourth_run, third_run)
    assert 0 < revised() < expected.revisions_of_change
    assert book.lock_holders() == [f"{HOST}:{fourth_run.pid}"]

    book.realize()

    assert book.lock_holders() == []
    assert revised() == expected.revisions_of_change
    assert book.duplicate_natural_keys() == []
    assert book.snapshot() == expected.changed
    again = book.realize()
    assert again["new"] == again["changed"] == again["cancelled"] == 0, again
