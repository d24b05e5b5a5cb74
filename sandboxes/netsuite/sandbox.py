"""The running sandbox: its options, the account, credentials, faults and concurrency gate.

Every request thread shares one ``Sandbox``; account reads and writes
happen under its lock (``account()``), one request at a time. TBA
credentials are generated unless given. The integration's OAuth 2.0 client
id is its consumer key, as on a NetSuite integration record; certificates
for the client credentials flow are mapped at creation (``certificates``)
or later through the control API.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sandboxes.faults import FaultBook
from sandboxes.netsuite.limits import ConcurrencyGate
from sandboxes.netsuite.oauth2 import TokenBook
from sandboxes.netsuite.seed import new_account
from sandboxes.netsuite.state import Account, Clock
from sandboxes.netsuite.tba import NonceBook, TbaCredentials, realm_of
from sandboxes.stats import RequestStats


def _account_id() -> str:
    return f"{1000000 + secrets.randbelow(9000000)}_SB1"


def _hex() -> str:
    return secrets.token_hex(32)


@dataclass(frozen=True)
class SandboxOptions:
    """How ``create_app`` sets the sandbox up."""

    account_id: str = field(default_factory=_account_id)
    consumer_key: str = field(default_factory=_hex)
    consumer_secret: str = field(default_factory=_hex)
    token_id: str = field(default_factory=_hex)
    token_secret: str = field(default_factory=_hex)
    certificates: tuple[tuple[str, str], ...] = ()  # (certificate id, public PEM)
    company_name: str = "Parent Company"
    time_zone: str = "America/Los_Angeles"
    concurrency: int = 5  # NetSuite's lowest per-account limit
    timeout_delay: float = 35.0  # seconds a "timeout" fault holds its answer (clients wait 30)
    retry_after: int = 5  # seconds, in the Retry-After of an injected 429
    timestamp_tolerance: dt.timedelta | None = dt.timedelta(minutes=5)  # None: not checked
    # REST answers a duplicate as USER_ERROR "... already exists"; True: the older DUP_* codes
    legacy_duplicates: bool = False

    @property
    def tba(self) -> TbaCredentials:
        """The TBA credentials that sign valid requests."""
        return TbaCredentials(
            self.consumer_key, self.consumer_secret, self.token_id, self.token_secret
        )

    @property
    def realm(self) -> str:
        """The realm signatures must name."""
        return realm_of(self.account_id)


class Sandbox:
    """Shared state of the app (``app.extensions["netsuite_sandbox"]``)."""

    def __init__(self, options: SandboxOptions, clock: Clock) -> None:
        self.options = options
        self.clock = clock
        self.lock = threading.RLock()
        self.zone = ZoneInfo(options.time_zone)
        self._account = self._new_account()
        self.nonces = NonceBook()
        self.tokens = TokenBook(options.consumer_key)
        for certificate_id, public_pem in options.certificates:
            self.tokens.register(public_pem, certificate_id)
        self.faults = FaultBook()
        self.gate = ConcurrencyGate(options.concurrency)
        self.stats = RequestStats()

    @contextmanager
    def account(self) -> Iterator[Account]:
        """The account, for one request's reads and writes under the lock."""
        with self.lock:
            yield self._account

    def reset(self) -> None:
        """A new account (same id and credentials), no pending faults or tokens, fresh counts."""
        with self.lock:
            self._account = self._new_account()
        self.faults.clear()
        self.nonces.clear()
        self.tokens.clear_tokens()
        self.stats.reset()

    def _new_account(self) -> Account:
        account = new_account(
            self.options.account_id, self.options.company_name, self.zone, self.clock()
        )
        account.legacy_duplicates = self.options.legacy_duplicates
        return account
