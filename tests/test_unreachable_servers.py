"""A server that is down: left out with one line on a laptop, a failure in CI."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.payloads import FIXTURES

ROOT = FIXTURES.parents[1]
ONE_TEST = "tests/migrations/test_schema.py::test_upgrade_creates_the_schema_and_is_idempotent"
CLOSED = "postgresql+psycopg://postgres@127.0.0.1:1/test"  # nothing listens on port 1


def run_pytest(ci: str | None) -> subprocess.CompletedProcess[str]:
    """``pytest`` on one test of all three databases, PostgreSQL pointed at a closed port."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["BACKOFFICE_TEST_POSTGRESQL_URL"] = CLOSED
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", ONE_TEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_without_ci_the_run_passes_and_says_in_one_line_what_it_did_not_cover():
    result = run_pytest(ci=None)

    assert result.returncode == 0, result.stdout
    lines = [line for line in result.stdout.splitlines() if "not reachable" in line]
    assert lines == [
        "Not covered, server not reachable: PostgreSQL (1 test). Start it to run all three "
        "databases (README, Tests); with CI set, a server that is down fails the run."
    ]
    assert "2 passed, 1 deselected" in result.stdout


def test_in_ci_a_server_that_is_down_fails_the_run():
    result = run_pytest(ci="true")

    assert result.returncode == 1
    assert "PostgreSQL at 127.0.0.1:1 is not reachable" in result.stdout
    assert "1 error" in result.stdout
