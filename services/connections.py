"""Connections to accounting systems: add, authorize, check and list them.

Every credential arrives as an argument (a ``Secret``): where it came from
(a hidden prompt, the environment, a form) is the interface's business. A
sandbox connection reads its credentials from the sandbox's control API
(``GET /_sandbox/info``) and is stored sealed like a real one. Secrets go
to the vault; the plain settings are typed per system
(``mapping.connection_settings``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from sqlalchemy.orm import Session

from adapters.qbo.oauth import QboOAuth
from backoffice.clock import utc_now
from backoffice.errors import NeedsUserAction
from backoffice.runtime import Runtime
from backoffice.secret import Secret
from mapping import connections as stored
from mapping.connection_settings import (
    LOCAL_SANDBOX_ENVIRONMENT,
    CompanyFacts,
    ConnectionSettings,
    NetSuiteAuth,
    NetSuiteSettings,
    QboSettings,
)
from mapping.connections import (
    ConnectionRecord,
    ConnectionSummary,
    System,
    check_connection_name,
)
from sync.connect import adapter_for, qbo_config
from sync.token_store import DatabaseTokenStore

__all__ = [
    "TBA_KEY_NAMES",
    "AddedConnection",
    "AuthorizedConnection",
    "CheckedConnection",
    "ConnectionSummary",
    "System",
    "TbaKeys",
    "add_netsuite_oauth2_connection",
    "add_netsuite_tba_connection",
    "add_qbo_connection",
    "add_sandbox_connection",
    "check_connection",
    "check_connection_name",
    "complete_qbo_authorization",
    "list_connections",
    "start_qbo_authorization",
]

SANDBOX_TIMEOUT = 10.0
SANDBOX_REDIRECT = "http://127.0.0.1/qbo/callback"  # the sandbox redirects anywhere it is told
SANDBOX_TOKEN_LIFETIME = dt.timedelta(hours=1)  # as the sandboxes' access tokens, like QBO's
QBO_ENVIRONMENTS = ("production", "sandbox")  # Intuit's two


@dataclass(frozen=True)
class TbaKeys:
    """A NetSuite integration's token-based authentication keys."""

    consumer_key: Secret
    consumer_secret: Secret
    token_id: Secret
    token_secret: Secret

    def as_secrets(self) -> dict[str, Secret]:
        """The keys as the vault stores them."""
        return {name: getattr(self, name) for name in TBA_KEY_NAMES}


TBA_KEY_NAMES = tuple(field.name for field in fields(TbaKeys))
SANDBOX_INFO_KEYS = {
    System.QBO_SANDBOX: ("base_url", "realm_id", "client_id", "client_secret",
                         "webhook_verifier", "access_token", "refresh_token"),
    System.NETSUITE_SANDBOX: ("base_url", "account_id", *TBA_KEY_NAMES),
}  # fmt: skip


@dataclass(frozen=True)
class AddedConnection:
    """A connection just added, or renewed (``is_renewed``) by a replace."""

    name: str
    system: System
    is_default: bool
    is_renewed: bool


@dataclass(frozen=True)
class AuthorizedConnection:
    """A QuickBooks connection whose company consented: its tokens are stored."""

    name: str
    realm_id: str


@dataclass(frozen=True)
class CheckedConnection:
    """A connection that answered, and the company it answered as."""

    name: str
    company_name: str | None
    home_currency: str | None


@dataclass(frozen=True)
class _Credentials:
    settings: ConnectionSettings
    secrets: dict[str, Secret]
    tokens: dict[str, Secret] | None = None


def add_sandbox_connection(
    runtime: Runtime, name: str, system: System, url: str, *, replace: bool = False
) -> AddedConnection:
    """Add (or renew) a connection to a local sandbox, with the credentials it hands out.

    The sandbox's own tokens are stored at once: a sandbox needs no consent.
    """
    if system not in SANDBOX_INFO_KEYS:
        raise ValueError(f"{system} is not a sandbox")
    check_connection_name(name)
    return _add(runtime, name, system, _from_sandbox(system, url), replace)


def add_qbo_connection(
    runtime: Runtime,
    name: str,
    *,
    client_id: str,
    client_secret: Secret,
    redirect_uri: str,
    environment: str = "production",
    replace: bool = False,
) -> AddedConnection:
    """Add (or renew) a QuickBooks Online connection; its company consents afterwards."""
    if environment not in QBO_ENVIRONMENTS:
        raise ValueError(f"unknown QuickBooks environment {environment!r}")
    check_connection_name(name)
    settings = QboSettings(client_id, redirect_uri, environment)
    credentials = _Credentials(settings, {"client_secret": client_secret})
    return _add(runtime, name, System.QBO, credentials, replace)


def add_netsuite_tba_connection(
    runtime: Runtime, name: str, *, account_id: str, keys: TbaKeys, replace: bool = False
) -> AddedConnection:
    """Add (or renew) a NetSuite connection that signs with token-based authentication."""
    check_connection_name(name)
    credentials = _Credentials(NetSuiteSettings(account_id, NetSuiteAuth.TBA), keys.as_secrets())
    return _add(runtime, name, System.NETSUITE, credentials, replace)


def add_netsuite_oauth2_connection(
    runtime: Runtime,
    name: str,
    *,
    account_id: str,
    client_id: str,
    certificate_id: str,
    private_key: Secret,
    replace: bool = False,
) -> AddedConnection:
    """Add (or renew) a NetSuite connection using OAuth 2.0 client credentials.

    ``private_key`` is the PEM text of the certificate's key; it is kept sealed.
    """
    check_connection_name(name)
    settings = NetSuiteSettings(account_id, NetSuiteAuth.OAUTH2, client_id, certificate_id)
    credentials = _Credentials(settings, {"private_key": private_key})
    return _add(runtime, name, System.NETSUITE, credentials, replace)


def _add(
    runtime: Runtime, name: str, system: System, credentials: _Credentials, replace: bool
) -> AddedConnection:
    now = utc_now()
    with runtime.transaction() as session:
        added = stored.add_connection(
            session, runtime.vault, name=name, system=system, settings=credentials.settings,
            secrets=credentials.secrets, now=now, replace=replace,
        )  # fmt: skip
        if credentials.tokens is not None:
            added.tokens = runtime.vault.seal(credentials.tokens)
            added.token_expires_at = now + SANDBOX_TOKEN_LIFETIME
        return AddedConnection(name, system, added.is_default, added.created_at < now)


def _from_sandbox(system: System, url: str) -> _Credentials:
    """Settings, secrets and tokens read from a sandbox's control API."""
    try:
        response = requests.get(f"{url.rstrip('/')}/_sandbox/info", timeout=SANDBOX_TIMEOUT)
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError) as error:
        raise NeedsUserAction(
            "sandbox_unreachable",
            f"The sandbox at {url} did not answer its control API ({type(error).__name__}).",
            f"Start the {system.family} sandbox and give its URL.",
        ) from error
    _check_sandbox_info(system, url, info)
    if system is System.QBO_SANDBOX:
        settings = QboSettings(
            client_id=info["client_id"], redirect_uri=SANDBOX_REDIRECT,
            environment=LOCAL_SANDBOX_ENVIRONMENT, realm_id=info["realm_id"],
            base_url=info["base_url"],
        )  # fmt: skip
        secrets = {"client_secret": Secret(info["client_secret"]),
                   "webhook_verifier": Secret(info["webhook_verifier"])}  # fmt: skip
        tokens = {"access_token": Secret(info["access_token"]),
                  "refresh_token": Secret(info["refresh_token"])}  # fmt: skip
        return _Credentials(settings, secrets, tokens)
    netsuite = NetSuiteSettings(info["account_id"], NetSuiteAuth.TBA, base_url=info["base_url"])
    return _Credentials(netsuite, {key: Secret(info[key]) for key in TBA_KEY_NAMES})


def _check_sandbox_info(system: System, url: str, info: Any) -> None:
    """Refuse control API answers that are not ``system``'s (a QBO sandbox given as NetSuite)."""
    if _has_keys(info, SANDBOX_INFO_KEYS[system]):
        return
    other = System.QBO_SANDBOX if system is System.NETSUITE_SANDBOX else System.NETSUITE_SANDBOX
    if _has_keys(info, SANDBOX_INFO_KEYS[other]):
        found, action = f"it is a {other.value}", f"Add it as a {other.value}, or give the"
    else:
        found, action = "its control API does not say what it is", "Give the"
    raise NeedsUserAction(
        "wrong_sandbox",
        f"The sandbox at {url} is not a {system.value}: {found}.",
        f"{action} URL of a {system.family} sandbox.",
    )


def _has_keys(info: Any, keys: tuple[str, ...]) -> bool:
    return isinstance(info, dict) and all(isinstance(info.get(key), str) for key in keys)


def start_qbo_authorization(runtime: Runtime, name: str) -> str:
    """The consent address a person opens to connect the QuickBooks company of ``name``.

    A new ``state`` is kept sealed with the connection's secrets until the
    callback comes back with it (``complete_qbo_authorization``).
    """
    with runtime.transaction() as session:
        record = _qbo_record(session, runtime, name)
        state = QboOAuth.new_state()
        stored.remember_secrets(session, runtime.vault, record.id, {"oauth_state": Secret(state)})
    return _oauth(runtime, record).authorization_url(state)


def complete_qbo_authorization(
    runtime: Runtime, name: str, callback_url: str
) -> AuthorizedConnection:
    """Finish a connect attempt with the whole address QuickBooks sent the browser back to.

    The callback's ``state`` must be the one kept by ``start_qbo_authorization``
    (a forged or replayed callback is refused); its code is exchanged for
    tokens, which are saved sealed, and the company's realm id is kept.
    """
    with runtime.transaction() as session:
        record = _qbo_record(session, runtime, name)
    expected = record.secrets.get("oauth_state")
    if expected is None:
        raise NeedsUserAction(
            "qbo:state", "No connect attempt of this connection is waiting for its callback.",
            f"Start connecting {name} to QuickBooks again.",
        )  # fmt: skip
    params = dict(parse_qsl(urlsplit(callback_url).query))
    realm = params.get("realmId", "")
    _oauth(runtime, record, realm).complete_authorization(params, expected.reveal())
    with runtime.transaction() as session:
        stored.remember_realm(session, record.id, realm)
        stored.remember_secrets(session, runtime.vault, record.id, {"oauth_state": None})
    return AuthorizedConnection(record.name, realm)


def _qbo_record(session: Session, runtime: Runtime, name: str) -> ConnectionRecord:
    record = stored.load_connection(session, runtime.vault, name)
    if record.system.family != "qbo":
        raise NeedsUserAction(
            "no_oauth", f"{name} is a NetSuite connection: its TBA tokens need no consent.",
            "Nothing to do; checking the connection tells whether it answers.",
        )  # fmt: skip
    return record


def _oauth(runtime: Runtime, record: ConnectionRecord, realm_id: str | None = None) -> QboOAuth:
    store = DatabaseTokenStore(runtime.engine, runtime.vault, record.id)
    return QboOAuth(qbo_config(record, realm_id), store, session=requests.Session(),
                    clock=utc_now)  # fmt: skip


def check_connection(runtime: Runtime, name: str | None = None) -> CheckedConnection:
    """Ask the system (of ``name``, else the default connection) who it is.

    Its home currency and multicurrency are kept in the connection's settings
    for the mapping check.
    """
    with runtime.transaction() as session:
        record = stored.load_connection(session, runtime.vault, name)
    health = adapter_for(runtime.engine, runtime.vault, record).check_health()
    if not health.ok:
        raise NeedsUserAction(
            "connection_down",
            f"Connection {record.name} does not answer: {health.message}",
            "Check the credentials (renew the connection with new ones) and the system's "
            "status, then check again.",
        )
    company = CompanyFacts(health.company_name, health.home_currency, health.multicurrency)
    with runtime.transaction() as session:
        stored.remember_company(session, record.id, company)
    return CheckedConnection(record.name, health.company_name, health.home_currency)


def list_connections(runtime: Runtime) -> list[ConnectionSummary]:
    """Every connection by name, with its plain settings, never a secret."""
    with runtime.transaction() as session:
        return stored.list_connections(session)
