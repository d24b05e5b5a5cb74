"""Connections: credentials sealed at rest, sandboxes read from their control API."""

import datetime as dt
import json

import pytest
import responses
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from adapters.tokens import OAuthTokens
from backoffice.errors import NeedsUserAction
from backoffice.secret import Secret
from backoffice.vault import Vault
from mapping.connection_settings import NetSuiteAuth, NetSuiteSettings
from mapping.connections import Connection, load_connection
from sync.token_store import DatabaseTokenStore
from tests.support.connections import NETSUITE_INFO, QBO_INFO, vault_of


@pytest.fixture
def migrated(sqlite_runner):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    return sqlite_runner


@pytest.fixture
def sqlite_engine(sqlite_url, make_engine):
    return make_engine(sqlite_url)


def test_vault_opens_what_it_sealed_and_refuses_another_key():
    from cryptography.fernet import Fernet

    vault = Vault(Secret(Fernet.generate_key().decode()))
    sealed = vault.seal({"token": Secret("s3cr3t-value")})

    assert "s3cr3t" not in sealed
    assert vault.open(sealed)["token"].reveal() == "s3cr3t-value"
    with pytest.raises(NeedsUserAction, match="cannot be decrypted"):
        Vault(Secret(Fernet.generate_key().decode())).open(sealed)


@responses.activate
def test_qbo_sandbox_connection_is_stored_sealed(migrated, sqlite_engine):
    responses.get("http://127.0.0.1:8001/_sandbox/info", json=QBO_INFO)

    added = migrated("connection", "add", "books", "--system", "qbo-sandbox",
                     "--url", "http://127.0.0.1:8001")  # fmt: skip

    assert added.exit_code == 0, added.output
    assert "default" in added.stdout
    with sqlite_engine.connect() as connection:
        stored = " ".join(
            str(v) for v in connection.execute(text("SELECT * FROM connection")).one()
        )
    for secret in ("client-secret-value-xyz", "access-token-value-1234", "refresh-token-value"):
        assert secret not in stored
    with Session(sqlite_engine) as session:
        record = load_connection(session, vault_of(migrated))
    assert record.settings.remote_account_id == "9130357766900000"
    assert record.secrets["client_secret"].reveal() == "client-secret-value-xyz"
    listed = json.loads(migrated("connection", "list", "--json").stdout)
    assert listed == [{"name": "books", "system": "qbo-sandbox", "default": True,
                       "settings": {"base_url": "http://127.0.0.1:8001",
                                    "client_id": "client-id-abc",
                                    "environment": "local-sandbox",
                                    "realm_id": "9130357766900000",
                                    "redirect_uri": "http://127.0.0.1/qbo/callback"},
                       "authorized": True}]  # fmt: skip


@responses.activate
def test_netsuite_sandbox_connection_keeps_the_tba_keys(migrated, sqlite_engine):
    responses.get("http://127.0.0.1:8002/_sandbox/info", json=NETSUITE_INFO)

    assert migrated("connection", "add", "ns", "--system", "netsuite-sandbox",
                    "--url", "http://127.0.0.1:8002").exit_code == 0  # fmt: skip

    with Session(sqlite_engine) as session:
        record = load_connection(session, vault_of(migrated), "ns")
    assert record.settings == NetSuiteSettings(
        "1234567_SB1", NetSuiteAuth.TBA, base_url="http://127.0.0.1:8002"
    )
    assert record.secrets["token_secret"].reveal() == "token-secret-value-4"


def test_unreachable_sandbox_says_how_to_start_it(migrated):
    result = migrated("connection", "add", "x", "--system", "qbo-sandbox",
                      "--url", "http://127.0.0.1:9")  # fmt: skip

    assert result.exit_code == 1
    assert "backoffice sandbox qbo" in result.stderr


def test_a_real_netsuite_connection_reads_its_secrets_from_the_environment(
    migrated, sqlite_engine, monkeypatch
):
    for key, value in NETSUITE_INFO.items():
        monkeypatch.setenv(f"BACKOFFICE_NETSUITE_{key.upper()}", value)

    result = migrated("connection", "add", "prod", "--system", "netsuite",
                      "--account-id", "1234567", input="\n\n\n\n")  # fmt: skip

    assert result.exit_code == 0, result.output
    with Session(sqlite_engine) as session:
        record = load_connection(session, vault_of(migrated), "prod")
    assert record.secrets["consumer_key"].reveal() == "consumer-key-value-1"
    assert "consumer-key-value-1" not in result.output


def test_a_second_connection_name_is_refused(migrated):
    with responses.RequestsMock() as mock:
        mock.get("http://127.0.0.1:8001/_sandbox/info", json=QBO_INFO)
        args = ("connection", "add", "books", "--system", "qbo-sandbox",
                "--url", "http://127.0.0.1:8001")  # fmt: skip
        assert migrated(*args).exit_code == 0
        again = migrated(*args)

    assert again.exit_code == 1 and "already a connection named books" in again.stderr


@responses.activate
def test_token_store_rotates_tokens_sealed(migrated, sqlite_engine):
    responses.get("http://127.0.0.1:8001/_sandbox/info", json=QBO_INFO)
    migrated("connection", "add", "books", "--system", "qbo-sandbox", "--url",
             "http://127.0.0.1:8001")  # fmt: skip
    with Session(sqlite_engine) as session:
        connection_id = session.scalars(select(Connection.id)).one()
    store = DatabaseTokenStore(sqlite_engine, vault_of(migrated), connection_id)
    expires = dt.datetime(2026, 1, 1, 12, 0)

    with store.lock():
        store.save(OAuthTokens(Secret("new-access-token-1"), expires, Secret("new-refresh-2")))

    loaded = store.load()
    assert loaded is not None
    assert (loaded.access_token.reveal(), loaded.refresh_token.reveal()) == (
        "new-access-token-1", "new-refresh-2",
    )  # fmt: skip
    assert loaded.expires_at == expires


def test_replace_renews_a_restarted_sandbox_keeping_the_connection(migrated, sqlite_engine):
    renewed_info = {**QBO_INFO, "realm_id": "4620816365000000", "access_token": "other-token-1"}
    args = ("connection", "add", "books", "--system", "qbo-sandbox",
            "--url", "http://127.0.0.1:8001", "--replace")  # fmt: skip
    with responses.RequestsMock() as mock:
        mock.get("http://127.0.0.1:8001/_sandbox/info", json=QBO_INFO)
        assert migrated(*args).exit_code == 0
    with responses.RequestsMock() as mock:
        mock.get("http://127.0.0.1:8001/_sandbox/info", json=renewed_info)
        renewed = migrated(*args)

    assert renewed.exit_code == 0 and "Renewed" in renewed.stdout
    with Session(sqlite_engine) as session:
        record = load_connection(session, vault_of(migrated))
    assert record.settings.remote_account_id == "4620816365000000"
    assert len(json.loads(migrated("connection", "list", "--json").stdout)) == 1


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("b" * 61, "is 61 characters long; at most 60 fit"),
        (" books", "starts or ends with a space"),
        ("bo\u200boks", "holds a control or invisible character"),
        ("bo\noks", "holds a control or invisible character"),
    ],
)
@responses.activate
def test_a_connection_name_nobody_could_type_back_is_refused(runner, name, says):
    assert runner("db", "upgrade").exit_code == 0
    responses.get("http://127.0.0.1:8001/_sandbox/info", json=QBO_INFO)

    result = runner("connection", "add", name, "--system", "qbo-sandbox",
                    "--url", "http://127.0.0.1:8001")  # fmt: skip

    assert result.exit_code == 1, result.output
    assert says in result.stderr
    assert "Choose a name of 1 to 60 visible characters" in result.stderr
    assert runner("connection", "list", "--json").stdout.strip() == "[]"
    assert len(responses.calls) == 0  # refused before the sandbox was asked


@pytest.mark.databases
@responses.activate
def test_a_connection_name_of_the_column_length_is_kept_whole(runner):
    assert runner("db", "upgrade").exit_code == 0
    responses.get("http://127.0.0.1:8001/_sandbox/info", json=QBO_INFO)
    name = "é" * 60

    result = runner("connection", "add", name, "--system", "qbo-sandbox",
                    "--url", "http://127.0.0.1:8001")  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json.loads(runner("connection", "list", "--json").stdout)[0]["name"] == name
