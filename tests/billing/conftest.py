"""Runtimes for the billing rules, over copies of the worked example's database.

The rules are tested against the services, as the command line, the panel and
the scheduler call them; what is the command line's own (text, ``--json``
shapes, exit codes) is tested in ``tests/cli``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from backoffice.runtime import Runtime
from backoffice.settings import load_settings
from services.catalog import import_catalog_file
from tests.support.backoffice import Backoffice
from tests.support.databases import MigratedDatabases, Recipe
from tests.support.payloads import FIXTURES
from tests.support.product_files import ATS_SCHEMA, EXAMPLE_CATALOG

ATS_EXAMPLE = (ATS_SCHEMA, FIXTURES / "examples" / "ats_seed_example.sql")  # as tests/conftest.py


def import_the_example_catalog(url: str, data_dir: Path) -> None:
    """Import the example catalog into ``url``, which holds the worked example's ATS."""
    runtime = runtime_on(url, data_dir)
    try:
        import_catalog_file(runtime, EXAMPLE_CATALOG)
    finally:
        runtime.dispose()


def runtime_on(url: str, data_dir: Path) -> Runtime:
    """The service's runtime on the database ``url`` (which is also its ATS)."""
    return Runtime(
        load_settings({"BACKOFFICE_DATABASE_URL": url, "BACKOFFICE_DATA_DIR": str(data_dir)})
    )


@pytest.fixture
def bare_book(
    database_kind: str, tmp_path: Path, migrated_databases: MigratedDatabases
) -> Iterator[Runtime]:
    """A runtime on a copy of the worked example's ATS, no catalog imported yet."""
    with migrated_databases.fresh(database_kind, tmp_path, Recipe(ATS_EXAMPLE)) as url:
        runtime = runtime_on(url, tmp_path / "var")
        yield runtime
        runtime.dispose()


@pytest.fixture
def book(
    database_kind: str, tmp_path: Path, migrated_databases: MigratedDatabases
) -> Iterator[Runtime]:
    """A runtime on a copy of the worked example's ATS with the example catalog imported."""
    recipe = Recipe(ATS_EXAMPLE, then=import_the_example_catalog)
    with migrated_databases.fresh(database_kind, tmp_path, recipe) as url:
        runtime = runtime_on(url, tmp_path / "var")
        yield runtime
        runtime.dispose()


@pytest.fixture
def realized_book(realized: Engine, database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on ``realized``: the worked example, its catalog imported, realized to 2023-12-31.

    Copied from the session's template as it stands after that first full pass.
    """
    runtime = runtime_on(database_url, tmp_path / "var")
    yield runtime
    runtime.dispose()


@pytest.fixture
def runtime(database_url: str, runner: Backoffice) -> Iterator[Runtime]:
    """The service's runtime on the test's database (and the runner's data folder)."""
    built = Runtime(load_settings({**os.environ, **runner.env}))
    yield built
    built.dispose()
