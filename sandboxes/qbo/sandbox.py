"""The running sandbox: its options, the company, tokens, faults, limits and notifier.

Every request thread shares one ``Sandbox``. Company reads and writes happen
under its lock (``session``), one request at a time, so a requestid repeated
by two threads at once is still applied once; webhook notifications go out
after the lock is released. A request whose session noted a change is
counted as a write in the request stats.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import g, has_request_context

from sandboxes.faults import FaultBook
from sandboxes.qbo.limits import Throttle
from sandboxes.qbo.oauth import TokenBook
from sandboxes.qbo.records import Session
from sandboxes.qbo.seed import CompanySetup, new_company
from sandboxes.qbo.state import Clock
from sandboxes.qbo.webhooks import Notifier
from sandboxes.stats import RequestStats


def _realm() -> str:
    return str(9130000000000000 + secrets.randbelow(10**15))


@dataclass(frozen=True)
class SandboxOptions:
    """How ``create_app`` sets the sandbox up; credentials are generated unless given."""

    realm_id: str = field(default_factory=_realm)
    client_id: str = field(default_factory=lambda: "AB" + secrets.token_hex(24))
    client_secret: str = field(default_factory=lambda: secrets.token_hex(20))
    webhook_verifier: str = field(default_factory=lambda: secrets.token_hex(18))
    company_name: str = "Sandbox Company_US_1"
    multicurrency: bool = False
    custom_txn_numbers: bool = True
    auto_apply_credit: bool = False  # SalesFormsPrefs.AutoApplyCredit (also set by the API)
    per_minute: int = 500  # QBO's limit per realm
    concurrent: int = 10  # QBO's limit per realm
    timeout_delay: float = 35.0  # seconds a "timeout" fault holds a request (clients wait 30)
    retry_after: int = 5  # seconds, in the Retry-After of a 429

    def setup(self) -> CompanySetup:
        """What a new (or reset) company starts with."""
        return CompanySetup(
            self.realm_id,
            self.company_name,
            self.multicurrency,
            self.custom_txn_numbers,
            self.auto_apply_credit,
        )


class Sandbox:
    """Shared state of the app (``app.extensions["qbo_sandbox"]``)."""

    def __init__(self, options: SandboxOptions, clock: Clock, notifier: Notifier) -> None:
        self.options = options
        self.clock = clock
        self.notifier = notifier
        self.realm_id = options.realm_id
        self.lock = threading.RLock()
        self.company = new_company(options.setup(), clock())
        self.tokens = TokenBook(options.client_id, options.client_secret)
        self.tokens.issue(clock())
        self.faults = FaultBook()
        self.throttle = Throttle(options.per_minute, options.concurrent)
        self.stats = RequestStats()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One request's work under the lock; its changes are notified once it succeeded."""
        with self.lock:
            session = Session(self.company, self.clock())
            yield session
        if session.changes and has_request_context():
            g.wrote = True
        self.notifier.notify(self.realm_id, session.changes)

    def reset(self) -> None:
        """A new company (same realm and credentials), no faults, a fresh minute, fresh counts."""
        with self.lock:
            self.company = new_company(self.options.setup(), self.clock())
        self.faults.clear()
        self.throttle.reset()
        self.stats.reset()
