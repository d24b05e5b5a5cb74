"""Fixtures shared by the invoicing tests."""

import pytest


@pytest.fixture
def realized(ats, runner, shared):
    """The worked example, catalog imported and realized (each of the three databases)."""
    assert runner("catalog", "import", str(shared / "examples" / "catalog.yaml")).exit_code == 0
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    return ats
