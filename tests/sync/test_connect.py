"""From a stored connection to its adapter's settings, for every kind of connection."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.orm import Session

from adapters.netsuite import ClientCredentials, TbaCredentials
from mapping.connections import load_connection
from sync.connect import netsuite_config, qbo_config
from tests.support.connections import NETSUITE_INFO, vault_of


def record_of(runner, make_engine, sqlite_url, name):
    with Session(make_engine(sqlite_url)) as session:
        return load_connection(session, vault_of(runner), name)


def test_netsuite_oauth2_connection_keeps_its_private_key_sealed(
    sqlite_runner, sqlite_url, make_engine, tmp_path
):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()  # fmt: skip
    (tmp_path / "key.pem").write_text(pem)
    assert sqlite_runner("db", "upgrade").exit_code == 0

    added = sqlite_runner("connection", "add", "ns", "--system", "netsuite",
                          "--account-id", "1234567_SB1", "--client-id", "client-1",
                          "--certificate-id", "cert-9",
                          "--private-key-file", str(tmp_path / "key.pem"))  # fmt: skip

    assert added.exit_code == 0, added.output
    config = netsuite_config(record_of(sqlite_runner, make_engine, sqlite_url, "ns"))
    assert isinstance(config.auth, ClientCredentials)
    assert (config.auth.client_id, config.auth.certificate_id) == ("client-1", "cert-9")
    assert config.auth.private_key.reveal() == pem


def test_netsuite_tba_and_qbo_configs(sqlite_runner, sqlite_url, make_engine, monkeypatch):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    for key, value in NETSUITE_INFO.items():
        monkeypatch.setenv(f"BACKOFFICE_NETSUITE_{key.upper()}", value)
    monkeypatch.setenv("BACKOFFICE_QBO_CLIENT_SECRET", "qbo-client-secret-1")
    assert sqlite_runner("connection", "add", "ns", "--system", "netsuite", "--account-id",
                         "1234567_SB1", input="\n\n\n\n").exit_code == 0  # fmt: skip
    assert sqlite_runner("connection", "add", "books", "--system", "qbo", "--client-id", "abc",
                         "--redirect-uri", "https://bo.example/callback",
                         input="\n").exit_code == 0  # fmt: skip

    netsuite = netsuite_config(record_of(sqlite_runner, make_engine, sqlite_url, "ns"))
    qbo = qbo_config(record_of(sqlite_runner, make_engine, sqlite_url, "books"), "4620816365")

    assert isinstance(netsuite.auth, TbaCredentials)
    assert netsuite.auth.token_secret.reveal() == "token-secret-value-4"
    assert qbo.company_url == "https://quickbooks.api.intuit.com/v3/company/4620816365"
    assert qbo.client_secret.reveal() == "qbo-client-secret-1"
