"""Shared fixtures: fresh databases on all three servers, the CLI runner, the contract's files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine

from backoffice.storage import create_database_engine
from cli.main import cli
from migrations.upgrade import upgrade_schema
from tests.databases import KINDS, fresh_database, load_sql_file

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / "tests" / "fixtures"  # the contract's files the tests read, kept in the project


@pytest.fixture
def shared() -> Path:
    """The contract's files (ATS schema, examples, recorded payloads), copied into the project."""
    return SHARED


@pytest.fixture(params=KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database on each of SQLite, PostgreSQL and MariaDB in turn."""
    with fresh_database(request.param, tmp_path) as url:
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
    """An engine on a fresh database of each kind, with the service's schema upgraded."""
    engine = make_engine(database_url)
    upgrade_schema(engine)
    return engine


@pytest.fixture
def ats(db: Engine, shared: Path) -> Engine:
    """The service database of ``db`` with the shared ATS schema and the worked example loaded."""
    load_sql_file(db, shared / "ats_schema.sql")
    load_sql_file(db, shared / "examples" / "ats_seed_example.sql")
    return db


class Backoffice:
    """Runs ``backoffice`` commands in-process against one service database."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.env = {"BACKOFFICE_DATABASE_URL": database_url, "BACKOFFICE_DATA_DIR": str(data_dir)}
        self.runner = CliRunner()

    def __call__(
        self, *args: str, env: dict[str, str] | None = None, input: str | None = None
    ) -> Result:
        return self.runner.invoke(cli, list(args), env={**self.env, **(env or {})}, input=input)


@pytest.fixture
def runner(database_url: str, tmp_path: Path) -> Backoffice:
    """The CLI against the fresh database of ``database_url`` (each of the three kinds)."""
    return Backoffice(database_url, tmp_path / "var")


@pytest.fixture
def sqlite_runner(sqlite_url: str, tmp_path: Path) -> Backoffice:
    """The CLI against a fresh SQLite database."""
    return Backoffice(sqlite_url, tmp_path / "var")


@pytest.fixture
def realized(ats, runner, shared):
    """The worked example, catalog imported and realized (each of the three databases)."""
    assert runner("catalog", "import", str(shared / "examples" / "catalog.yaml")).exit_code == 0
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    return ats
