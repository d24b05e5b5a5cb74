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

from sqlalchemy.engine import Engine

from adapters.base import AccountingAdapter
from adapters.limits import Sleep, limiter_for
from adapters.netsuite import ClientCredentials, NetSuiteAdapter, NetSuiteConfig, TbaCredentials
from adapters.netsuite.adapter import account_limiter
from adapters.qbo import QboAdapter, QboConfig
from backoffice.clock import utc_now
from backoffice.vault import Vault
from mapping.connections import ConnectionRecord, System
from sync.token_store import DatabaseTokenStore

QBO_PER_MINUTE = 500  # Intuit's limit per realm
QBO_CONCURRENT = 10


def qbo_config(connection: ConnectionRecord, realm_id: str | None = None) -> QboConfig:
    """The QBO settings of ``connection`` (``realm_id`` while it is being connected)."""
    settings, secrets = connection.settings, connection.secrets
    local = connection.system is System.QBO_SANDBOX
    return QboConfig(
        client_id=settings["client_id"], client_secret=secrets["client_secret"],
        realm_id=realm_id or settings.get("realm_id", ""),
        redirect_uri=settings.get("redirect_uri", ""),
        environment="sandbox" if local else settings.get("environment", "production"),
        api_base_url=settings.get("base_url") if local else None,
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
    settings, secrets = connection.settings, connection.secrets
    auth: TbaCredentials | ClientCredentials
    if settings.get("auth") == "oauth2":
        auth = ClientCredentials(settings["client_id"], settings["certificate_id"],
                                 secrets["private_key"])  # fmt: skip
    else:
        auth = TbaCredentials(secrets["consumer_key"], secrets["consumer_secret"],
                              secrets["token_id"], secrets["token_secret"])  # fmt: skip
    return NetSuiteConfig(
        account_id=settings["account_id"],
        auth=auth,
        base_url=settings.get("base_url"),
        concurrency=int(settings.get("concurrency", 5)),
    )
