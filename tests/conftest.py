"""Shared fixtures: fresh databases, the CLI runner, the contract's files; the suite's settings.

A test that asks for a database (``database_url``, ``db``, ``ats``, ``runner``,
``realized``) runs on SQLite; marked ``databases`` (tests of storage behaviour:
triggers, locks, concurrency, migrations, decimals), on SQLite, PostgreSQL and
MariaDB in turn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy.engine import Engine

from backoffice.storage import create_database_engine
from tests.support.backoffice import Backoffice
from tests.support.databases import (
    KINDS,
    LABELS,
    SCHEMA_ONLY,
    MigratedDatabases,
    Recipe,
    fresh_database,
    kind_of_skip,
    server_kind_of,
    servers_required,
    why_unreachable,
)
from tests.support.payloads import FIXTURES
from tests.support.product_files import ATS_SCHEMA, EXAMPLE_CATALOG

# Two workers on two shared cores make any example "too slow" now and then: the
# examples here are small by construction, so only a wrong answer may fail a test.
settings.register_profile(
    "suite", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("suite")

ATS_EXAMPLE = (ATS_SCHEMA, FIXTURES / "examples" / "ats_seed_example.sql")
CATALOG_EXAMPLE = EXAMPLE_CATALOG
not_covered: Counter[str] = Counter()  # kind -> tests left out or skipped: its server was down


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test on a database: SQLite, or all three kinds when marked ``databases``."""
    if "database_kind" in metafunc.fixturenames:
        marked = metafunc.definition.get_closest_marker("databases") is not None
        metafunc.parametrize("database_kind", KINDS if marked else ("sqlite",))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the tests of a server that is down, unless CI is set (they fail there)."""
    if servers_required():
        return
    kept: list[pytest.Item] = []
    left_out: list[pytest.Item] = []
    for item in items:
        kind = server_kind_of(item)
        if kind is not None and why_unreachable(kind) is not None:
            left_out.append(item)
            not_covered[kind] += 1
        else:
            kept.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
    worker_output = getattr(config, "workeroutput", None)  # set on a pytest-xdist worker
    if worker_output is not None:
        worker_output["not_covered"] = dict(not_covered)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """What a pytest-xdist worker left out (every worker collects, and leaves out, the same)."""
    for kind, count in getattr(node, "workeroutput", {}).get("not_covered", {}).items():
        not_covered[kind] = max(not_covered[kind], count)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count a test skipped when it found its server down (one not parametrized by kind)."""
    if report.skipped and isinstance(report.longrepr, tuple):
        kind = kind_of_skip(report.longrepr[2])
        if kind is not None:
            not_covered[kind] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line naming the databases this run could not cover, if any."""
    if not_covered:
        counts = sorted(not_covered.items())
        missing = ", ".join(f"{LABELS[k]} ({n} test{'s' * (n != 1)})" for k, n in counts)
        terminalreporter.write_line(
            f"Not covered, server not reachable: {missing}. Start it to run all three "
            "databases (README, Tests); with CI set, a server that is down fails the run.",
            yellow=True,
            bold=True,
        )


@pytest.fixture
def shared() -> Path:
    """The contract's files (ATS schema, examples, recorded payloads), copied into the project."""
    return FIXTURES


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedDatabases]:
    """Copies of one migrated database per kind, migrated once for the session (per worker)."""
    databases = MigratedDatabases(tmp_path_factory.mktemp("templates"))
    yield databases
    databases.close()


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest,
    database_kind: str,
    tmp_path: Path,
    migrated_databases: MigratedDatabases,
) -> Iterator[str]:
    """A fresh database of ``database_kind``, copied from the session's template.

    With the service's schema if the test uses ``db``, the ATS with its worked
    example as well if it uses ``ats``, and that example's catalog imported and
    realized if it uses ``realized``; otherwise empty (a test of ``db upgrade``
    itself, of a missing schema).
    """
    if "db" in request.fixturenames:
        if "realized" in request.fixturenames:
            recipe = Recipe(ATS_EXAMPLE, then=realize_the_example)
        elif "ats" in request.fixturenames:
            recipe = Recipe(ATS_EXAMPLE)
        else:
            recipe = SCHEMA_ONLY
        with migrated_databases.fresh(database_kind, tmp_path, recipe) as url:
            yield url
    else:
        with fresh_database(database_kind, tmp_path) as url:
            yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database, for tests whose subject is not the storage layer."""
    return f"sqlite:///{tmp_path / 'service.sqlite'}"


@pytest.fixture
def make_engine() -> Iterator[Callable[[str], Engine]]:
    """Engines for a test, all disposed at its end (so the database can be dropped)."""
    engines: list[Engine] = []

    def make(url: str) -> Engine:
        engine = create_database_engine(url)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def db(database_url: str, make_engine: Callable[[str], Engine]) -> Engine:
    """An engine on ``database_url``, which holds the service's schema at head."""
    return make_engine(database_url)


@pytest.fixture
def ats(db: Engine) -> Engine:
    """The service database of ``db``, holding the ATS schema and its worked example as well.

    ``database_url`` copied them in with the schema (``ATS_EXAMPLE``).
    """
    return db


@pytest.fixture
def runner(database_url: str, tmp_path: Path) -> Backoffice:
    """The CLI against the fresh database of ``database_url``."""
    return Backoffice(database_url, tmp_path / "var")


@pytest.fixture
def sqlite_runner(sqlite_url: str, tmp_path: Path) -> Backoffice:
    """The CLI against a fresh SQLite database."""
    return Backoffice(sqlite_url, tmp_path / "var")


def realize_the_example(url: str, data_dir: Path) -> None:
    """Import the example catalog into ``url`` and realize its worked example."""
    runner = Backoffice(url, data_dir)
    assert runner("catalog", "import", str(CATALOG_EXAMPLE)).exit_code == 0
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0


@pytest.fixture
def realized(ats: Engine, runner: Backoffice) -> Engine:
    """The worked example, catalog imported and realized (copied so from a template).

    The runner's data folder starts empty: nothing in the database was sealed with its key.
    """
    return ats
