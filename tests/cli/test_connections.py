"""``backoffice connection ...``: readable lists, and hints that name the command to run."""

import json

import pytest
import responses
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from mapping.connections import load_connection
from tests.support.connections import NETSUITE_INFO, QBO_INFO, vault_of


@pytest.fixture
def migrated(sqlite_runner):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    return sqlite_runner


def add_sandbox(runner, name, system, info, *extra):
    with responses.RequestsMock() as mock:
        mock.get(f"{info['base_url']}/_sandbox/info", json=info)
        return runner("connection", "add", name, "--system", system,
                      "--url", info["base_url"], *extra)  # fmt: skip


def test_connections_are_listed_as_a_table_with_headers(migrated):
    assert add_sandbox(migrated, "books", "qbo-sandbox", QBO_INFO).exit_code == 0
    assert add_sandbox(migrated, "ns", "netsuite-sandbox", NETSUITE_INFO).exit_code == 0

    listed = migrated("connection", "list")

    assert listed.exit_code == 0, listed.output
    header, _rule, books, ns = listed.stdout.splitlines()
    assert header.split() == ["Name", "System", "Default", "Authorized", "Company", "or",
                              "account", "Home", "currency"]  # fmt: skip
    assert books.split() == ["books", "qbo-sandbox", "yes", "yes", "9130357766900000", "not",
                             "checked", "yet"]  # fmt: skip
    assert ns.split() == ["ns", "netsuite-sandbox", "not", "yet", "1234567_SB1", "not",
                          "checked", "yet"]  # fmt: skip


def test_no_connection_is_said_plainly(migrated):
    listed = migrated("connection", "list")

    assert listed.exit_code == 0
    assert listed.stdout == "No connections yet: add one with `backoffice connection add`.\n"


def test_adding_then_renewing_says_which_it_did(migrated):
    added = add_sandbox(migrated, "books", "qbo-sandbox", QBO_INFO)
    renewed = add_sandbox(migrated, "books", "qbo-sandbox", QBO_INFO, "--replace")

    assert added.stdout == "Added connection books to qbo-sandbox (the default connection).\n"
    assert renewed.stdout == "Renewed connection books to qbo-sandbox (the default connection).\n"


def test_a_taken_name_says_to_pass_replace(migrated):
    assert add_sandbox(migrated, "books", "qbo-sandbox", QBO_INFO).exit_code == 0

    again = add_sandbox(migrated, "books", "netsuite-sandbox", NETSUITE_INFO)

    assert again.exit_code == 1
    assert "pass --replace to renew a connection of the same system" in again.stderr


def test_an_unreachable_sandbox_says_how_to_start_it(migrated):
    result = migrated("connection", "add", "x", "--system", "netsuite-sandbox",
                      "--url", "http://127.0.0.1:9")  # fmt: skip

    assert result.exit_code == 1
    assert "Start it (`backoffice sandbox netsuite --port P`) and give its URL." in result.stderr


def test_authorizing_a_netsuite_connection_points_to_the_check(migrated):
    assert add_sandbox(migrated, "ns", "netsuite-sandbox", NETSUITE_INFO).exit_code == 0

    result = migrated("connection", "authorize", "ns")

    assert result.exit_code == 1
    assert "`backoffice connection check` tells whether it answers" in result.stderr


def test_a_missing_option_is_a_usage_error(migrated):
    result = migrated("connection", "add", "books", "--system", "qbo-sandbox")

    assert result.exit_code == 2
    assert "--url is required for this system" in result.stderr


def test_checking_an_unknown_connection_says_how_to_add_one(migrated):
    result = migrated("connection", "check", "nowhere")

    assert result.exit_code == 1
    assert "There is no connection named nowhere." in result.stderr
    assert "`backoffice connection add NAME --system ...`" in result.stderr


def test_a_real_qbo_connection_reads_its_secret_from_the_environment(migrated, monkeypatch):
    monkeypatch.setenv("BACKOFFICE_QBO_CLIENT_SECRET", "qbo-client-secret-1")

    added = migrated("connection", "add", "books", "--system", "qbo", "--client-id", "abc",
                     "--redirect-uri", "https://bo.example/callback", input="\n")  # fmt: skip

    assert added.exit_code == 0, added.output
    assert "qbo-client-secret-1" not in added.output
    assert secrets_of(migrated, "books") == {"client_secret": "qbo-client-secret-1"}
    [listed] = json.loads(migrated("connection", "list", "--json").stdout)
    assert listed["settings"] == {"client_id": "abc", "environment": "production",
                                  "redirect_uri": "https://bo.example/callback"}  # fmt: skip
    assert listed["authorized"] is False


def test_a_netsuite_connection_with_a_private_key_file_uses_oauth2(migrated, tmp_path):
    (tmp_path / "key.pem").write_text("-----BEGIN PRIVATE KEY-----\nabc\n")

    added = migrated("connection", "add", "ns", "--system", "netsuite", "--account-id", "1234567",
                     "--client-id", "client-1", "--certificate-id", "cert-9",
                     "--private-key-file", str(tmp_path / "key.pem"))  # fmt: skip

    assert added.exit_code == 0, added.output
    assert secrets_of(migrated, "ns") == {"private_key": "-----BEGIN PRIVATE KEY-----\nabc\n"}
    [listed] = json.loads(migrated("connection", "list", "--json").stdout)
    assert listed["settings"] == {"account_id": "1234567", "auth": "oauth2",
                                  "certificate_id": "cert-9", "client_id": "client-1"}  # fmt: skip


def secrets_of(runner, name):
    engine = create_engine(runner.env["BACKOFFICE_DATABASE_URL"])
    try:
        with Session(engine) as session:
            record = load_connection(session, vault_of(runner), name)
    finally:
        engine.dispose()
    return {key: secret.reveal() for key, secret in record.secrets.items()}
