"""From a stored connection to its adapter's settings, for every kind of connection."""

import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import update

from adapters.netsuite import ClientCredentials, TbaCredentials
from adapters.netsuite.config import DEFAULT_CONCURRENCY
from backoffice.secret import Secret
from mapping.connections import Connection, load_connection
from services import connections as service
from sync.connect import netsuite_config, qbo_config
from tests.services.support import migrated_runtime
from tests.support.connections import NETSUITE_INFO, QBO_INFO

TBA = service.TbaKeys(*(Secret(NETSUITE_INFO[key]) for key in service.TBA_KEY_NAMES))


@pytest.fixture
def runtime(sqlite_runner):
    with migrated_runtime(sqlite_runner) as runtime:
        yield runtime


def record_of(runtime, name):
    with runtime.transaction() as session:
        return load_connection(session, runtime.vault, name)


def test_netsuite_oauth2_connection_keeps_its_private_key_sealed(runtime):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()  # fmt: skip
    service.add_netsuite_oauth2_connection(
        runtime, "ns", account_id="1234567_SB1", client_id="client-1", certificate_id="cert-9",
        private_key=Secret(pem),
    )  # fmt: skip

    config = netsuite_config(record_of(runtime, "ns"))

    assert isinstance(config.auth, ClientCredentials)
    assert (config.auth.client_id, config.auth.certificate_id) == ("client-1", "cert-9")
    assert config.auth.private_key.reveal() == pem


def test_netsuite_tba_and_qbo_configs(runtime):
    service.add_netsuite_tba_connection(runtime, "ns", account_id="1234567_SB1", keys=TBA)
    service.add_qbo_connection(runtime, "books", client_id="abc",
                               client_secret=Secret("qbo-client-secret-1"),
                               redirect_uri="https://bo.example/callback")  # fmt: skip

    netsuite = netsuite_config(record_of(runtime, "ns"))
    qbo = qbo_config(record_of(runtime, "books"), "4620816365")

    assert isinstance(netsuite.auth, TbaCredentials)
    assert netsuite.auth.token_secret.reveal() == "token-secret-value-4"
    assert (netsuite.base_url, netsuite.concurrency) == (None, DEFAULT_CONCURRENCY)
    assert qbo.company_url == "https://quickbooks.api.intuit.com/v3/company/4620816365"
    assert qbo.client_secret.reveal() == "qbo-client-secret-1"


@responses.activate
def test_a_local_qbo_sandbox_is_reached_at_its_own_address(runtime):
    responses.get(f"{QBO_INFO['base_url']}/_sandbox/info", json=QBO_INFO)
    service.add_sandbox_connection(runtime, "books", service.System.QBO_SANDBOX,
                                   QBO_INFO["base_url"])  # fmt: skip

    qbo = qbo_config(record_of(runtime, "books"))

    assert qbo.environment == "sandbox"
    assert qbo.company_url == "http://127.0.0.1:8001/v3/company/9130357766900000"


def test_a_concurrency_cap_set_by_hand_reaches_the_adapter(runtime):
    service.add_netsuite_tba_connection(runtime, "ns", account_id="1234567", keys=TBA)
    with runtime.engine.begin() as connection:
        connection.execute(update(Connection).values(
            settings='{"account_id": "1234567", "auth": "tba", "concurrency": 15}'
        ))  # fmt: skip

    assert netsuite_config(record_of(runtime, "ns")).concurrency == 15
