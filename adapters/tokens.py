"""OAuth tokens of a connection and where the adapter keeps them.

An adapter never stores tokens itself: it is given a ``TokenStore`` (the
service keeps them encrypted in its database, tests keep them in memory).
Refreshing follows the rule of single-use refresh tokens: take the store's
lock, load again (another worker may have refreshed meanwhile), refresh only
if still needed, and save the rotated refresh token before using the new
access token.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

from backoffice.secret import Secret

EARLY_REFRESH = dt.timedelta(minutes=5)  # refresh this long before the access token expires


@dataclass(frozen=True)
class OAuthTokens:
    """An access token (and, for QBO, its refresh token) with their expiries (naive UTC)."""

    access_token: Secret
    expires_at: dt.datetime
    refresh_token: Secret | None = None
    refresh_expires_at: dt.datetime | None = None

    def needs_refresh(self, now: dt.datetime) -> bool:
        """Whether the access token is expired or about to be."""
        return now >= self.expires_at - EARLY_REFRESH


class TokenStore(Protocol):
    """Loads and saves one connection's tokens; ``lock`` serializes refreshes."""

    def load(self) -> OAuthTokens | None:
        """The stored tokens, or None before the first authorization."""

    def save(self, tokens: OAuthTokens) -> None:
        """Store rotated tokens at once (durably, before they are used)."""

    def lock(self) -> AbstractContextManager[None]:
        """Held while refreshing, across threads and (for a database store) processes."""


class MemoryTokenStore:
    """Tokens in memory, for tests and one-process tools."""

    def __init__(self, tokens: OAuthTokens | None = None) -> None:
        self.tokens = tokens
        self.saves = 0
        self._lock = threading.Lock()

    def load(self) -> OAuthTokens | None:
        """The tokens last saved."""
        return self.tokens

    def save(self, tokens: OAuthTokens) -> None:
        """Keep ``tokens`` and count the save."""
        self.tokens = tokens
        self.saves += 1

    @contextmanager
    def lock(self) -> Iterator[None]:
        """A thread lock."""
        with self._lock:
            yield
