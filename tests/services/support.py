"""What the service tests share: a migrated SQLite service database's runtime."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from backoffice.runtime import Runtime
from backoffice.settings import load_settings
from tests.support.backoffice import Backoffice


@contextmanager
def migrated_runtime(runner: Backoffice) -> Iterator[Runtime]:
    """The runtime of ``runner``'s database once its schema is current, disposed afterwards."""
    assert runner("db", "upgrade").exit_code == 0
    runtime = Runtime(load_settings(runner.env))
    try:
        yield runtime.require_current_schema()
    finally:
        runtime.dispose()
