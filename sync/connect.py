"""From a stored connection to the adapter that speaks its system's API.

The one place that turns a connection record (plain settings, vault-sealed
secrets, tokens in the database) into a ``QboAdapter`` or ``NetSuiteAdapter``:
the token store is the database's, the limiter the realm's or account's, the
clock real. Tests pass their own clock and sleep.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Engine

from adapters.base import AccountingAdapter
from adapters.limits import Sleep, limiter_for
from adapters.netsuite import ClientCredentials, NetSuiteAdapter, NetSuiteConfig, TbaCredentials
from adapters.netsuite.adapter import account_limiter
from adapters.netsuite.config import DEFAULT_CONCURRENCY
from adapters.qbo import QboAdapter, QboConfig
from backoffice.clock import utc_now
from backoffice.vault import Vault
from mapping.connection_settings import NetSuiteAuth, NetSuiteSettings, QboSettings
from mapping.connections import ConnectionRecord
from sync.token_store import DatabaseTokenStore

QBO_PER_MINUTE = 500  # Intuit's limit per realm
QBO_CONCURRENT = 10


def qbo_config(connection: ConnectionRecord, realm_id: str | None = None) -> QboConfig:
    """The QBO settings of ``connection`` (``realm_id`` while it is being connected)."""
    settings = _settings_of(connection, QboSettings)
    local = settings.is_local_sandbox
    return QboConfig(
        client_id=settings.client_id, client_secret=connection.secrets["client_secret"],
        realm_id=realm_id or settings.realm_id, redirect_uri=settings.redirect_uri,
        environment="sandbox" if local else settings.environment,
        api_base_url=settings.base_url if local else None,
    )  # fmt: skip


def adapter_for(
    engine: Engine,
    vault: Vault,
    connection: ConnectionRecord,
    *,
    clock: Callable[[], dt.datetime] = utc_now,
    sleep: Sleep = time.sleep,
) -> AccountingAdapter:
    """The adapter of ``connection``."""
    store = DatabaseTokenStore(engine, vault, connection.id)
    if connection.system.family == "qbo":
        config = qbo_config(connection)
        limiter = limiter_for("qbo", config.realm_id, per_minute=QBO_PER_MINUTE,
                              concurrent=QBO_CONCURRENT, sleep=sleep)  # fmt: skip
        return QboAdapter(config, store, limiter, clock, sleep)
    account = netsuite_config(connection)
    return NetSuiteAdapter(account, store, account_limiter(account, sleep), clock, sleep)


def netsuite_config(connection: ConnectionRecord) -> NetSuiteConfig:
    """The NetSuite settings of ``connection``: TBA, or OAuth 2.0 client credentials."""
    settings, secrets = _settings_of(connection, NetSuiteSettings), connection.secrets
    auth: TbaCredentials | ClientCredentials
    if settings.auth is NetSuiteAuth.OAUTH2:
        auth = ClientCredentials(settings.client_id or "", settings.certificate_id or "",
                                 secrets["private_key"])  # fmt: skip
    else:
        auth = TbaCredentials(secrets["consumer_key"], secrets["consumer_secret"],
                              secrets["token_id"], secrets["token_secret"])  # fmt: skip
    return NetSuiteConfig(
        account_id=settings.account_id,
        auth=auth,
        base_url=settings.base_url,
        concurrency=DEFAULT_CONCURRENCY if settings.concurrency is None else settings.concurrency,
    )


Settings = TypeVar("Settings", QboSettings, NetSuiteSettings)


def _settings_of(connection: ConnectionRecord, kind: type[Settings]) -> Settings:
    """``connection``'s settings, which must be of ``kind`` (a bug otherwise)."""
    if not isinstance(connection.settings, kind):
        raise TypeError(f"connection {connection.name} has no {kind.__name__}")
    return connection.settings
