"""NetSuite's concurrency governance: at most N requests of an account at once.

NetSuite limits how many web services requests of one account run at the
same time (5 on the lowest service tier, more with SuiteCloud Plus
licences), and refuses the excess at once with 429
CONCURRENCY_LIMIT_EXCEEDED rather than queueing it. It limits concurrency,
not rate.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class ConcurrencyGate:
    """Admits a request while fewer than ``limit`` are in flight."""

    limit: int = 5
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self) -> bool:
        """Take a slot (give it back with ``release``), or refuse."""
        with self._lock:
            if self._in_flight >= self.limit:
                return False
            self._in_flight += 1
            return True

    def release(self) -> None:
        """An admitted request has been answered."""
        with self._lock:
            self._in_flight -= 1
