"""The run lock: one holder at a time, dead or silent holders taken over, on all three servers."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from backoffice.errors import FatalError, NeedsUserAction
from backoffice.locks import STALE_AFTER, JobLock, RunLock, hold_lock, this_process
from backoffice.storage import create_database_engine
from migrations.upgrade import upgrade_schema
from tests.support.databases import KINDS, fresh_database

HOST = socket.gethostname()
NAME = "realize"
NOW = dt.datetime(2024, 7, 1, 12, 0, 0)


def at_now() -> dt.datetime:
    return NOW


@pytest.fixture
def live_pid() -> Iterator[int]:
    """The pid of another process on this host that stays alive during the test."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process.pid
    process.kill()
    process.wait()


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process on this host that has finished (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture(scope="module")
def lock_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """One database per kind for the whole module, with only the lock table in it.

    Creating a database (and migrating it) per test would cost more than the tests.
    """
    urls: dict[str, str] = {}
    with ExitStack() as stack:

        def url_of(kind: str) -> str:
            if kind not in urls:
                url = stack.enter_context(fresh_database(kind, tmp_path_factory.mktemp(kind)))
                engine = create_database_engine(url)
                JobLock.__table__.create(engine)
                engine.dispose()
                urls[kind] = url
            return urls[kind]

        yield url_of


@pytest.fixture(params=KINDS)
def lock_url(request: pytest.FixtureRequest, lock_databases: Callable[[str], str]) -> str:
    """The lock database of each kind in turn."""
    return lock_databases(request.param)


@pytest.fixture
def db(lock_url: str, make_engine: Callable[[str], Engine]) -> Engine:
    """An engine on the lock database, with no lock held."""
    engine = make_engine(lock_url)
    with engine.begin() as connection:
        connection.execute(delete(JobLock))
    return engine


def put_lock(engine, holder: str, heartbeat_at: dt.datetime, name: str = NAME) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(JobLock).values(name=name, holder=holder, heartbeat_at=heartbeat_at)
        )


def lock_rows(engine) -> list[tuple[str, str, dt.datetime]]:
    with engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(select(JobLock.name, JobLock.holder, JobLock.heartbeat_at))
        ]


def other_lock(engine, holder: str, **kwargs) -> RunLock:
    """A lock as another process would hold it (the holder text is all that tells them apart)."""
    lock = RunLock(engine, NAME, **kwargs)
    lock.holder = holder
    return lock


def test_a_second_lock_cannot_acquire_while_the_first_holds_it(db, live_pid):
    first = RunLock(db, NAME)
    assert first.holder == this_process() == f"{HOST}:{os.getpid()}"
    assert first.try_acquire() is None
    second = other_lock(db, f"{HOST}:{live_pid}")

    refused = second.try_acquire()

    assert refused is not None
    assert first.holder in refused
    assert [(n, h) for n, h, _ in lock_rows(db)] == [(NAME, first.holder)]


def test_release_lets_the_next_acquire(db, live_pid):
    first = RunLock(db, NAME)
    second = other_lock(db, f"{HOST}:{live_pid}")
    assert first.try_acquire() is None
    assert second.try_acquire() is not None

    first.release()

    assert lock_rows(db) == []
    assert second.try_acquire() is None
    assert [(n, h) for n, h, _ in lock_rows(db)] == [(NAME, second.holder)]


def test_release_by_a_process_that_does_not_hold_the_lock_leaves_it(db, live_pid):
    first = RunLock(db, NAME)
    assert first.try_acquire() is None

    other_lock(db, f"{HOST}:{live_pid}").release()

    assert [(n, h) for n, h, _ in lock_rows(db)] == [(NAME, first.holder)]


def test_locks_of_other_jobs_do_not_interfere(db):
    realize = RunLock(db, NAME)
    sync = RunLock(db, "sync")

    assert realize.try_acquire() is None
    assert sync.try_acquire() is None
    assert sorted(n for n, _, _ in lock_rows(db)) == ["realize", "sync"]


def test_a_lock_whose_holder_died_on_this_host_is_taken_over(db, dead_pid):
    put_lock(db, f"{HOST}:{dead_pid}", NOW)
    lock = RunLock(db, NAME, clock=at_now)

    assert lock.try_acquire() is None

    assert lock_rows(db) == [(NAME, lock.holder, NOW)]


def test_a_lock_whose_heartbeat_is_older_than_15_minutes_is_taken_over(db, live_pid):
    put_lock(db, f"{HOST}:{live_pid}", NOW - STALE_AFTER - dt.timedelta(minutes=1))
    lock = RunLock(db, NAME, clock=at_now)

    assert lock.try_acquire() is None

    assert lock_rows(db) == [(NAME, lock.holder, NOW)]


def test_a_lock_with_a_recent_heartbeat_held_by_a_live_process_is_not_taken_over(db, live_pid):
    holder = f"{HOST}:{live_pid}"
    heartbeat = NOW - STALE_AFTER + dt.timedelta(minutes=1)
    put_lock(db, holder, heartbeat)
    lock = RunLock(db, NAME, clock=at_now)

    refused = lock.try_acquire()

    assert refused == f"{holder} since {heartbeat:%Y-%m-%d %H:%M:%S} UTC"
    assert lock_rows(db) == [(NAME, holder, heartbeat)]


def test_a_fresh_lock_held_on_another_host_is_not_taken_over(db, dead_pid):
    # The pid is dead here, but it names a process on another host: it cannot be checked.
    holder = f"other-host.invalid:{dead_pid}"
    put_lock(db, holder, NOW)

    assert RunLock(db, NAME, clock=at_now).try_acquire() is not None
    assert lock_rows(db) == [(NAME, holder, NOW)]


def test_heartbeat_renews_only_the_holders_lock(db, live_pid):
    times = iter([NOW, NOW + dt.timedelta(minutes=5)])
    lock = RunLock(db, NAME, clock=lambda: next(times))
    assert lock.try_acquire() is None

    lock.heartbeat()
    with pytest.raises(FatalError):  # a process that does not hold the lock renews nothing
        other_lock(db, f"{HOST}:{live_pid}", clock=lambda: NOW + dt.timedelta(hours=1)).heartbeat()

    assert lock_rows(db) == [(NAME, lock.holder, NOW + dt.timedelta(minutes=5))]


def test_hold_lock_without_waiting_names_the_holder(db, live_pid):
    holder = f"{HOST}:{live_pid}"
    put_lock(db, holder, dt.datetime.now(dt.UTC).replace(tzinfo=None))

    with pytest.raises(NeedsUserAction) as raised, hold_lock(db, NAME, wait_seconds=0):
        pytest.fail("the lock was acquired while another live process holds it")

    assert raised.value.code == "job_running"
    assert holder in raised.value.message
    assert [h for _, h, _ in lock_rows(db)] == [holder]


def test_hold_lock_holds_for_the_block_and_releases_even_on_error(db):
    with pytest.raises(RuntimeError), hold_lock(db, NAME, wait_seconds=0) as lock:
        assert [h for _, h, _ in lock_rows(db)] == [lock.holder]
        raise RuntimeError("the run failed")

    assert lock_rows(db) == []


def test_hold_lock_waits_for_the_holder_to_release(db, live_pid):
    first = other_lock(db, f"{HOST}:{live_pid}")
    assert first.try_acquire() is None
    releaser = threading.Timer(0.3, first.release)
    releaser.start()
    try:
        with hold_lock(db, NAME, wait_seconds=10) as lock:
            assert [h for _, h, _ in lock_rows(db)] == [lock.holder]
    finally:
        releaser.join()
    assert lock_rows(db) == []


def race(locks: list[RunLock], attempt) -> list[object]:
    """Run ``attempt(lock)`` for every lock at the same moment, one thread each."""
    barrier = threading.Barrier(len(locks))
    results: list[object] = [None] * len(locks)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = ("ok", attempt(locks[index]))
        except Exception as error:
            results[index] = ("error", repr(error))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(locks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


ROUNDS = 8
RACERS = 3


def test_exactly_one_of_several_concurrent_acquirers_wins(lock_url, db, make_engine):
    locks = [
        other_lock(make_engine(lock_url), f"racer-{i}.invalid:{1000 + i}") for i in range(RACERS)
    ]
    for round_ in range(ROUNDS):
        results = race(locks, RunLock.try_acquire)

        assert all(status == "ok" for status, _ in results), (round_, results)
        winners = [
            lock for lock, (_, refused) in zip(locks, results, strict=True) if refused is None
        ]
        assert len(winners) == 1, (round_, results)
        assert [h for _, h, _ in lock_rows(db)] == [winners[0].holder]
        winners[0].release()
        assert lock_rows(db) == []


def test_exactly_one_of_several_concurrent_takeovers_of_a_dead_holders_lock_wins(
    lock_url, db, make_engine, dead_pid
):
    locks = [
        other_lock(make_engine(lock_url), f"racer-{i}.invalid:{1000 + i}") for i in range(RACERS)
    ]
    for round_ in range(ROUNDS):
        put_lock(db, f"{HOST}:{dead_pid}", NOW - dt.timedelta(seconds=round_))

        results = race(locks, RunLock.try_acquire)

        assert all(status == "ok" for status, _ in results), (round_, results)
        winners = [
            lock for lock, (_, refused) in zip(locks, results, strict=True) if refused is None
        ]
        assert len(winners) == 1, (round_, results)
        assert [h for _, h, _ in lock_rows(db)] == [winners[0].holder]
        winners[0].release()


@pytest.mark.databases
def test_heartbeat_after_a_takeover_stops_the_stalled_holder(database_url, make_engine):
    engine = make_engine(database_url)
    upgrade_schema(engine)
    stalled = RunLock(engine, "realize")
    assert stalled.try_acquire() is None
    with engine.begin() as connection:
        connection.execute(update(JobLock).values(holder="elsewhere:1"))

    with pytest.raises(FatalError, match="taken over"):
        stalled.heartbeat()
