"""Database failures a person can fix become messages; the rest stay bugs."""

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from backoffice.database_failures import (
    DatabaseSource,
    describe_database_failure,
    mask_url,
    open_engine,
)
from backoffice.errors import NeedsUserAction


def failure(message, statement="UPDATE x SET y = 1", kind=OperationalError, source=None):
    error = kind(statement, {}, Exception(message))
    if source is not None:
        error.database_source = source
    return error


SQLITE = DatabaseSource("BACKOFFICE_DATABASE_URL", "sqlite:////srv/bo.db", 5.0)
MARIADB = DatabaseSource("BACKOFFICE_ATS_DATABASE_URL", "mysql+pymysql://u:***@h/db", 5.0)


def test_a_busy_sqlite_without_job_locks_says_no_job_holds_one():
    explained = describe_database_failure(failure("database is locked", source=SQLITE))

    assert explained is not None and explained.code == "database_busy"
    assert "after waiting up to 5 s" in explained.message
    assert "No job lock is held" in explained.message
    assert "BACKOFFICE_SQLITE_BUSY_TIMEOUT" in explained.action


def test_a_lock_wait_timeout_on_a_server_names_its_setting_and_no_sqlite_wait():
    error = failure("(1205, 'Lock wait timeout exceeded; try restarting')", source=MARIADB)

    explained = describe_database_failure(error, lambda: ["realize by h:1 since then"])

    assert explained is not None
    assert "BACKOFFICE_ATS_DATABASE_URL is busy" in explained.message
    assert "waiting" not in explained.message
    assert "realize by h:1 since then" in explained.message


@pytest.mark.parametrize(
    "message",
    ["(1213, 'Deadlock found when trying to get lock')", "could not serialize access"],
)
def test_a_write_conflict_says_to_run_the_command_again(message):
    explained = describe_database_failure(failure(message))

    assert explained is not None and explained.action == "Run the command again."


def test_a_constraint_violation_is_not_explained_away():
    error = failure("UNIQUE constraint failed: invoice.number", kind=IntegrityError)

    assert describe_database_failure(error) is None


def test_a_url_that_does_not_parse_is_quoted_with_its_password_masked():
    assert mask_url("postgresql+psycopg://me:hunter2@h:5432/db?x=1") == (
        "postgresql+psycopg://me:***@h:5432/db?x=1"
    )
    assert mask_url("not a url://me:hunter2@h") == "not a url://me:********@h"
    with pytest.raises(NeedsUserAction) as raised:
        open_engine("postgresql+nosuchdriver://me:hunter2@h/db", "BACKOFFICE_DATABASE_URL",
                     busy_timeout=1)  # fmt: skip
    assert "hunter2" not in raised.value.message
