"""The connection services, called directly: add, authorize, check and list connections."""

import pytest
import requests
import responses
from sqlalchemy import text

from backoffice.errors import NeedsUserAction
from backoffice.secret import Secret
from mapping.connection_settings import CompanyFacts, NetSuiteAuth, NetSuiteSettings, QboSettings
from mapping.connections import load_connection
from services import connections as service
from services.connections import System, TbaKeys
from tests.adapters.sandbox_apps import netsuite_app, qbo_app
from tests.sandboxes.support import live_server
from tests.services.support import migrated_runtime
from tests.support.connections import NETSUITE_INFO, QBO_INFO

QBO_URL = QBO_INFO["base_url"]
NETSUITE_URL = NETSUITE_INFO["base_url"]
TBA = TbaKeys(*(Secret(NETSUITE_INFO[key]) for key in service.TBA_KEY_NAMES))


@pytest.fixture
def runtime(sqlite_runner):
    with migrated_runtime(sqlite_runner) as runtime:
        yield runtime


def record_of(runtime, name=None):
    with runtime.transaction() as session:
        return load_connection(session, runtime.vault, name)


def stored_row(runtime):
    with runtime.engine.connect() as connection:
        return " ".join(str(v) for v in connection.execute(text("SELECT * FROM connection")).one())


@responses.activate
def test_a_qbo_sandbox_is_added_sealed_authorized_and_default(runtime):
    responses.get(f"{QBO_URL}/_sandbox/info", json=QBO_INFO)

    added = service.add_sandbox_connection(runtime, "books", System.QBO_SANDBOX, QBO_URL)

    assert added == service.AddedConnection("books", System.QBO_SANDBOX, True, False)
    for secret in ("client-secret-value-xyz", "access-token-value-1234", "webhook-verifier"):
        assert secret not in stored_row(runtime)
    record = record_of(runtime)
    assert record.settings == QboSettings(
        client_id="client-id-abc", redirect_uri="http://127.0.0.1/qbo/callback",
        environment="local-sandbox", realm_id="9130357766900000", base_url=QBO_URL,
    )  # fmt: skip
    assert record.secrets["webhook_verifier"].reveal() == "webhook-verifier-value-000"
    [listed] = service.list_connections(runtime)
    assert (listed.name, listed.is_default, listed.is_authorized) == ("books", True, True)


@responses.activate
def test_a_netsuite_sandbox_keeps_its_tba_keys_and_needs_no_tokens(runtime):
    responses.get(f"{NETSUITE_URL}/_sandbox/info", json=NETSUITE_INFO)

    service.add_sandbox_connection(runtime, "ns", System.NETSUITE_SANDBOX, NETSUITE_URL)

    record = record_of(runtime, "ns")
    assert record.settings == NetSuiteSettings("1234567_SB1", base_url=NETSUITE_URL)
    assert record.secrets["consumer_secret"].reveal() == "consumer-secret-value-2"
    assert not service.list_connections(runtime)[0].is_authorized


def test_a_real_qbo_connection_takes_its_secret_as_an_argument(runtime):
    added = service.add_qbo_connection(
        runtime, "books", client_id="abc", client_secret=Secret("qbo-client-secret-1"),
        redirect_uri="https://bo.example/callback", environment="sandbox",
    )  # fmt: skip

    assert added.is_default and not added.is_renewed
    record = record_of(runtime, "books")
    assert record.settings == QboSettings("abc", "https://bo.example/callback", "sandbox")
    assert record.secrets == {"client_secret": Secret("qbo-client-secret-1")}
    assert "qbo-client-secret-1" not in stored_row(runtime)


def test_netsuite_tba_and_oauth2_connections_keep_their_credentials_apart(runtime):
    service.add_netsuite_tba_connection(runtime, "tba", account_id="1234567", keys=TBA)
    service.add_netsuite_oauth2_connection(
        runtime, "oauth2", account_id="1234567_SB1", client_id="client-1",
        certificate_id="cert-9", private_key=Secret("-----BEGIN PRIVATE KEY-----x"),
    )  # fmt: skip

    tba, oauth2 = record_of(runtime, "tba"), record_of(runtime, "oauth2")
    assert tba.settings == NetSuiteSettings("1234567", NetSuiteAuth.TBA)
    assert sorted(tba.secrets) == sorted(service.TBA_KEY_NAMES)
    assert oauth2.settings == NetSuiteSettings(
        "1234567_SB1", NetSuiteAuth.OAUTH2, "client-1", "cert-9"
    )
    assert oauth2.secrets["private_key"].reveal() == "-----BEGIN PRIVATE KEY-----x"
    listed = service.list_connections(runtime)
    assert [(c.name, c.is_default) for c in listed] == [("oauth2", False), ("tba", True)]


def test_replace_renews_a_connection_of_the_same_system_only(runtime):
    service.add_netsuite_tba_connection(runtime, "ns", account_id="1", keys=TBA)

    renewed = service.add_netsuite_tba_connection(
        runtime, "ns", account_id="2", keys=TBA, replace=True
    )

    assert renewed.is_renewed
    assert record_of(runtime, "ns").settings.remote_account_id == "2"
    with pytest.raises(NeedsUserAction, match="already a connection named ns") as refused:
        service.add_qbo_connection(runtime, "ns", client_id="a", client_secret=Secret("s"),
                                   redirect_uri="https://x", replace=True)  # fmt: skip
    assert "backoffice" not in refused.value.action


def test_a_bad_name_is_refused_before_the_sandbox_is_asked(runtime):
    with responses.RequestsMock() as mock:
        with pytest.raises(NeedsUserAction, match="starts or ends with a space"):
            service.add_sandbox_connection(runtime, " books", System.QBO_SANDBOX, QBO_URL)
        assert len(mock.calls) == 0


def test_an_unreachable_sandbox_says_to_start_it_without_naming_a_command(runtime):
    with pytest.raises(NeedsUserAction) as refused:
        service.add_sandbox_connection(runtime, "x", System.QBO_SANDBOX, "http://127.0.0.1:9")

    assert refused.value.code == "sandbox_unreachable"
    assert refused.value.action == "Start the qbo sandbox and give its URL."
    assert service.list_connections(runtime) == []


@responses.activate
def test_a_sandbox_of_the_other_system_is_refused(runtime):
    responses.get(f"{QBO_URL}/_sandbox/info", json=NETSUITE_INFO)

    with pytest.raises(NeedsUserAction, match="is not a qbo-sandbox: it is a netsuite-sandbox"):
        service.add_sandbox_connection(runtime, "x", System.QBO_SANDBOX, QBO_URL)


def test_a_netsuite_connection_needs_no_consent(runtime):
    service.add_netsuite_tba_connection(runtime, "ns", account_id="1", keys=TBA)

    with pytest.raises(NeedsUserAction, match="need no consent") as refused:
        service.start_qbo_authorization(runtime, "ns")
    assert refused.value.code == "no_oauth"


def test_a_callback_without_a_started_attempt_is_refused(runtime):
    service.add_qbo_connection(runtime, "books", client_id="a", client_secret=Secret("secret-1"),
                               redirect_uri="https://x")  # fmt: skip

    with pytest.raises(NeedsUserAction, match="No connect attempt"):
        service.complete_qbo_authorization(runtime, "books", "https://x?code=1&state=s")


@pytest.fixture
def qbo_sandbox(runtime):
    with live_server(qbo_app()) as base_url:
        service.add_sandbox_connection(runtime, "books", System.QBO_SANDBOX, base_url)
        yield runtime


def test_consent_connects_the_company_and_a_check_keeps_its_facts(qbo_sandbox):
    runtime = qbo_sandbox
    consent = service.start_qbo_authorization(runtime, "books")
    answer = requests.get(consent, allow_redirects=False, timeout=5)
    realm = record_of(runtime).settings.remote_account_id

    authorized = service.complete_qbo_authorization(runtime, "books", answer.headers["Location"])
    checked = service.check_connection(runtime, "books")

    assert authorized == service.AuthorizedConnection("books", realm)
    assert "oauth_state" not in record_of(runtime).secrets
    assert checked == service.CheckedConnection("books", "Sandbox Company_US_1", "USD")
    assert record_of(runtime).settings.company == CompanyFacts(
        "Sandbox Company_US_1", "USD", multicurrency=False
    )


def test_a_connection_refused_by_its_system_is_reported_and_keeps_its_settings(runtime):
    with live_server(netsuite_app()) as base_url:
        with responses.RequestsMock() as mock:  # keys the sandbox never issued
            mock.get(f"{base_url}/_sandbox/info", json={**NETSUITE_INFO, "base_url": base_url})
            service.add_sandbox_connection(runtime, "ns", System.NETSUITE_SANDBOX, base_url)
        before = record_of(runtime).settings

        with pytest.raises(NeedsUserAction, match="Connection ns does not answer") as refused:
            service.check_connection(runtime)

    assert refused.value.code == "connection_down"
    assert record_of(runtime).settings == before
