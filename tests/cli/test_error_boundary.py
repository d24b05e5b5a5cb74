"""The command line's one error boundary: a message and exit 1, never a traceback."""

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import responses

from backoffice.errors import FatalError
from backoffice.logs import register_secret
from backoffice.secret import Secret
from tests.support.connections import NETSUITE_INFO, QBO_INFO

SANDBOX = "http://127.0.0.1:8001"


def assert_no_traceback(result):
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), result.exception


def test_an_unexpected_error_shows_an_id_and_logs_the_traceback_redacted(
    sqlite_runner, monkeypatch
):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    register_secret(Secret("password-in-the-error-0042"))

    def explode(*_args, **_kwargs):
        raise RuntimeError("a bug met password-in-the-error-0042")

    monkeypatch.setattr("cli.fees.list_fees", explode)

    result = sqlite_runner("fees", "list")

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "unexpected error " in result.stderr
    incident_id = result.stderr.split("unexpected error ")[1].split(";")[0]
    log = (sqlite_runner.data_dir / "errors.log").read_text()
    assert f"unexpected error {incident_id} in `" in log
    assert "Traceback" in log and "RuntimeError: a bug met ********" in log
    assert "password-in-the-error-0042" not in log + result.output
    assert oct((sqlite_runner.data_dir / "errors.log").stat().st_mode & 0o777) == "0o600"


def test_a_broken_invariant_shows_its_sentence_and_an_incident_id(sqlite_runner, monkeypatch):
    assert sqlite_runner("db", "upgrade").exit_code == 0

    def stalled(*_args, **_kwargs):
        raise FatalError("the realize lock was taken over by another process")

    monkeypatch.setattr("cli.fees.list_fees", stalled)

    result = sqlite_runner("fees", "list")

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "Error: the realize lock was taken over by another process" in result.stderr
    assert "unexpected error " in result.stderr
    assert "FatalError" in (sqlite_runner.data_dir / "errors.log").read_text()


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", "-Infinity", "1,000", "1e3", ""])
def test_a_malformed_amount_is_refused_with_the_option_named(sqlite_runner, amount):
    result = sqlite_runner("invoice", "credit", "INV-000001", "--amount", amount, "--reason", "x")

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "Invalid value for '--amount'" in result.stderr
    assert "like 500 or 1000.00" in result.stderr


def test_an_amount_larger_than_any_column_keeps_is_refused(sqlite_runner):
    amount = "1" * 30
    result = sqlite_runner("invoice", "credit", "INV-000001", "--amount", amount, "--reason", "x")

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "at most 14 digits before the decimal point" in result.stderr


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("notaurl", "is not a database URL this service can use (notaurl)"),
        ("nosuchdialect://u:sekrit-pw@h/db", "is not a database URL this service can use"),
        ("postgresql+psycopg://u:sekrit-pw@127.0.0.1:1/db", "cannot be reached"),
        ("mysql+pymysql://root:sekrit-pw@127.0.0.1:3306/test", "cannot be reached"),
    ],
)
def test_an_unusable_database_url_names_the_setting_with_the_password_masked(
    sqlite_runner, url, says
):
    result = sqlite_runner("fees", "list", env={"BACKOFFICE_DATABASE_URL": url})

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "BACKOFFICE_DATABASE_URL" in result.stderr
    assert says in result.stderr
    assert "sekrit-pw" not in result.output


def test_a_sqlite_file_that_cannot_be_opened_names_the_setting(sqlite_runner, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    url = f"sqlite:///{tmp_path / 'a-file' / 'backoffice.db'}"

    result = sqlite_runner("db", "upgrade", env={"BACKOFFICE_DATABASE_URL": url})

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "BACKOFFICE_DATABASE_URL" in result.stderr
    assert "cannot be opened or written" in result.stderr


def test_a_read_only_database_says_it_cannot_be_written(sqlite_runner, tmp_path):
    path = tmp_path / "read-only.db"
    sqlite3.connect(path).close()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"

    result = sqlite_runner("db", "upgrade", env={"BACKOFFICE_DATABASE_URL": url})

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "cannot be opened or written: attempt to write a readonly database" in result.stderr


@pytest.mark.parametrize("key", ["abc", "x" * 44, "é" * 10])
@responses.activate
def test_a_malformed_encryption_key_is_a_message(sqlite_runner, key):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    responses.get(f"{SANDBOX}/_sandbox/info", json=QBO_INFO)

    result = sqlite_runner("connection", "add", "books", "--system", "qbo-sandbox",
                           "--url", SANDBOX, env={"BACKOFFICE_ENCRYPTION_KEY": key})  # fmt: skip

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "encryption key is not a valid key" in result.stderr
    assert "BACKOFFICE_ENCRYPTION_KEY" in result.stderr


@pytest.mark.parametrize(
    ("system", "info", "says"),
    [
        ("netsuite-sandbox", QBO_INFO, "is not a netsuite-sandbox: it is a qbo-sandbox"),
        ("qbo-sandbox", NETSUITE_INFO, "is not a qbo-sandbox: it is a netsuite-sandbox"),
        ("qbo-sandbox", {"hello": "world"}, "does not say what it is"),
        ("netsuite-sandbox", ["a", "list"], "does not say what it is"),
    ],
)
@responses.activate
def test_a_sandbox_of_another_system_is_named(sqlite_runner, system, info, says):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    responses.get(f"{SANDBOX}/_sandbox/info", json=info)

    result = sqlite_runner("connection", "add", "books", "--system", system, "--url", SANDBOX)

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert says in result.stderr
    assert sqlite_runner("connection", "list").stdout.startswith("No connections yet")


def test_a_bad_busy_timeout_setting_is_a_message(sqlite_runner):
    result = sqlite_runner("fees", "list", env={"BACKOFFICE_SQLITE_BUSY_TIMEOUT": "soon"})

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "BACKOFFICE_SQLITE_BUSY_TIMEOUT is 'soon', not a number of seconds" in result.stderr


def test_a_database_locked_by_another_writer_waits_then_names_the_holder(sqlite_runner, sqlite_url):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    path = sqlite_url.removeprefix("sqlite:///")
    other_writer = sqlite3.connect(path, isolation_level=None)
    other_writer.execute(
        "INSERT INTO job_lock (name, holder, heartbeat_at) "
        "VALUES ('realize', 'other-host:4242', '2026-01-02 03:04:05')"
    )
    other_writer.execute("BEGIN IMMEDIATE")  # holds the write lock until rolled back
    env = {**os.environ, **sqlite_runner.env, "BACKOFFICE_SQLITE_BUSY_TIMEOUT": "1"}
    command = [
        str(Path(sys.executable).parent / "backoffice"),
        "invoice",
        "numbering",
        "--next",
        "7",
    ]
    started = time.monotonic()
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    finally:
        other_writer.rollback()
        other_writer.close()
    waited = time.monotonic() - started

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "is busy: another process holds its write lock (database is locked)" in result.stderr
    assert "after waiting up to 1 s" in result.stderr
    assert "realize by other-host:4242 since 2026-01-02 03:04:05 UTC" in result.stderr
    assert 1 <= waited < 30


def test_an_unreachable_ats_database_names_its_own_setting(sqlite_runner):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    ats = "postgresql+psycopg://reader:sekrit-pw@127.0.0.1:1/ats"

    result = sqlite_runner("realize", env={"BACKOFFICE_ATS_DATABASE_URL": ats})

    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "The database of BACKOFFICE_ATS_DATABASE_URL (postgresql+psycopg://reader:***@" in (
        result.stderr
    )
    assert "sekrit-pw" not in result.output
