"""QBO's limits per realm: requests in any minute, and requests at once.

QBO throttles at 500 requests a minute and 10 concurrent requests per realm
(both configurable here), answering 429 with code 3001. A refused request
does not count against the minute. The clock is the sandbox's own, so tests
step it instead of waiting.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from dataclasses import dataclass, field

WINDOW = dt.timedelta(minutes=1)


@dataclass
class Throttle:
    """Admits a request when both the minute's budget and a concurrency slot allow."""

    per_minute: int = 500
    concurrent: int = 10
    _admitted: deque[dt.datetime] = field(default_factory=deque)
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, now: dt.datetime) -> bool:
        """Take a slot (release it with ``release``), or refuse."""
        with self._lock:
            while self._admitted and now - self._admitted[0] >= WINDOW:
                self._admitted.popleft()
            if len(self._admitted) >= self.per_minute or self._in_flight >= self.concurrent:
                return False
            self._admitted.append(now)
            self._in_flight += 1
            return True

    def release(self) -> None:
        """An admitted request has been answered."""
        with self._lock:
            self._in_flight -= 1

    def reset(self) -> None:
        """Forget the minute's requests (a reset company starts afresh)."""
        with self._lock:
            self._admitted.clear()
