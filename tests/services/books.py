"""Runtimes on fresh SQLite databases, holding the worked example or a demo book."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from backoffice.runtime import Runtime
from backoffice.settings import load_settings
from migrations.upgrade import upgrade_schema
from services.catalog import import_catalog_file
from services.demo import write_demo_data
from tests.support.databases import load_sql_file
from tests.support.payloads import FIXTURES
from tests.support.product_files import ATS_SCHEMA, EXAMPLE_CATALOG

EXAMPLE_AS_OF = "2023-12-31"


@contextmanager
def sqlite_runtime(folder: Path, *, upgraded: bool = True) -> Iterator[Runtime]:
    """A runtime on a new SQLite database in ``folder`` (its schema upgraded unless asked not)."""
    runtime = Runtime(
        load_settings(
            {
                "BACKOFFICE_DATABASE_URL": f"sqlite:///{folder / 'service.sqlite'}",
                "BACKOFFICE_DATA_DIR": str(folder / "var"),
            }
        )
    )
    try:
        if upgraded:
            upgrade_schema(runtime.engine)
        yield runtime
    finally:
        runtime.dispose()


def load_example(runtime: Runtime) -> None:
    """The worked example's ATS rows and catalog."""
    load_sql_file(runtime.engine, ATS_SCHEMA)
    load_sql_file(runtime.engine, FIXTURES / "examples" / "ats_seed_example.sql")
    import_catalog_file(runtime, EXAMPLE_CATALOG)


def load_demo(runtime: Runtime, placements: int = 60) -> None:
    """A small demo book with its catalog (one demo company has no assignment at all)."""
    write_demo_data(runtime, placements=placements, seed=42)
