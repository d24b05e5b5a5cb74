"""A connection's OAuth tokens in the service database, encrypted: the adapters' ``TokenStore``.

Refreshes are serialized across threads (a lock per connection in this
process) and across workers (the database job lock ``oauth-refresh:<id>``),
so two workers never spend the same single-use refresh token. Each save is
its own committed transaction: the rotated refresh token is durable before
the new access token is used.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from adapters.tokens import OAuthTokens
from backoffice.locks import hold_lock
from backoffice.vault import Vault
from mapping.connections import Connection

REFRESH_LOCK_WAIT = 60.0  # seconds another worker's refresh may take
_thread_locks: dict[int, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


class DatabaseTokenStore:
    """The tokens of one connection, sealed in its ``tokens`` column."""

    def __init__(self, engine: Engine, vault: Vault, connection_id: int) -> None:
        self.engine = engine
        self.vault = vault
        self.connection_id = connection_id

    def load(self) -> OAuthTokens | None:
        """The stored tokens (read fresh from the database each time)."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(Connection.tokens, Connection.token_expires_at,
                       Connection.refresh_expires_at)
                .where(Connection.id == self.connection_id)
            ).one()  # fmt: skip
        if row.tokens is None or row.token_expires_at is None:
            return None
        secrets = self.vault.open(row.tokens)
        return OAuthTokens(
            access_token=secrets["access_token"],
            expires_at=row.token_expires_at,
            refresh_token=secrets.get("refresh_token"),
            refresh_expires_at=row.refresh_expires_at,
        )

    def save(self, tokens: OAuthTokens) -> None:
        """Seal and commit ``tokens`` at once."""
        secrets = {"access_token": tokens.access_token}
        if tokens.refresh_token is not None:
            secrets["refresh_token"] = tokens.refresh_token
        with self.engine.begin() as connection:
            connection.execute(
                update(Connection).where(Connection.id == self.connection_id)
                .values(tokens=self.vault.seal(secrets), token_expires_at=tokens.expires_at,
                        refresh_expires_at=tokens.refresh_expires_at)
            )  # fmt: skip

    @contextmanager
    def lock(self) -> Iterator[None]:
        """This connection's refresh lock, in this process and across workers."""
        with (
            _thread_lock(self.connection_id),
            hold_lock(
                self.engine, f"oauth-refresh:{self.connection_id}", wait_seconds=REFRESH_LOCK_WAIT
            ),
        ):
            yield


def _thread_lock(connection_id: int) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(connection_id, threading.Lock())
