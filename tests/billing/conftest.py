"""Fixtures of the billing tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from backoffice.runtime import Runtime
from backoffice.settings import load_settings
from tests.support.backoffice import Backoffice

# The services' runtime (invoicing rules are tested against the services, not the CLI)


@pytest.fixture
def runtime(database_url: str, runner: Backoffice) -> Iterator[Runtime]:
    """The service's runtime on the test's database (and the runner's data folder)."""
    built = Runtime(load_settings({**os.environ, **runner.env}))
    yield built
    built.dispose()
