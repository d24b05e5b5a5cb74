"""Client-side limits per realm or account, so we stay under the system's own.

QBO allows 500 requests a minute and 10 at once per realm; NetSuite caps
concurrent requests per account (default 5 here, configurable). Limiters are
shared by every adapter of the same realm/account in the process (a registry
keyed by system and id). Clock and sleep are injected so tests never wait.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass
class RequestLimiter:
    """At most ``per_minute`` requests in any 60 s, and ``concurrent`` at once."""

    per_minute: int
    concurrent: int
    clock: Clock = time.monotonic
    sleep: Sleep = time.sleep
    _sent: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _slots: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.concurrent)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one request slot, waiting first if the minute's budget is spent."""
        self._wait_for_budget()
        with self._slots:
            yield

    def _wait_for_budget(self) -> None:
        while True:
            with self._lock:
                now = self.clock()
                while self._sent and now - self._sent[0] >= 60.0:
                    self._sent.popleft()
                if len(self._sent) < self.per_minute:
                    self._sent.append(now)
                    return
                wait = 60.0 - (now - self._sent[0])
            self.sleep(wait)


_registry: dict[tuple[str, str], RequestLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(
    system: str, realm: str, *, per_minute: int, concurrent: int,
    clock: Clock = time.monotonic, sleep: Sleep = time.sleep,
) -> RequestLimiter:  # fmt: skip
    """The process-wide limiter of one realm/account (created on first use)."""
    with _registry_lock:
        key = (system, realm)
        if key not in _registry:
            _registry[key] = RequestLimiter(per_minute, concurrent, clock, sleep)
        return _registry[key]
