"""Faults a test asks for through ``POST /_sandbox/faults`` (CONTRACT.md section 5).

Each fault makes the next ``count`` requests whose method and path match
fail one way: ``429`` (with Retry-After), ``500``, ``401``, ``timeout`` (the
request is served, but answered only after the configured delay: longer
than a client waits) or ``apply_then_drop`` (the request is served, then
the connection is closed without an answer) or ``delay`` with ``seconds``
(the request is served, then its answer is held that long, so a test can
kill a client in the middle of a call that was applied); each sandbox answers them with
its own system's bodies (QBO: the XML throttle, a SystemFault, the expired
token; NetSuite: CONCURRENCY_LIMIT_EXCEEDED, UNEXPECTED_ERROR,
INVALID_LOGIN). Faults are consumed in the order they were added, both
sandboxes keep their book here.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

KINDS = ("429", "500", "401", "timeout", "apply_then_drop", "delay")
MAX_DELAY = 600.0  # seconds; a longer hold would outlive any test


@dataclass
class Fault:
    """One injected fault and how many more requests it will hit."""

    kind: str
    remaining: int
    method: str | None
    path: re.Pattern[str]
    seconds: float | None = None  # how long a "delay" fault holds the answer

    def matches(self, method: str, path: str) -> bool:
        """Whether a request with this method and path is hit."""
        is_method = self.method is None or self.method == method.upper()
        return is_method and self.path.search(path) is not None


def fault_of(spec: Any) -> Fault:
    """A fault from the control API's JSON.

    Raises:
        ValueError: an unknown kind, a count below 1, a bad path regex or a
            delay without a positive ``seconds`` of at most ``MAX_DELAY``.
    """
    if not isinstance(spec, dict) or str(spec.get("kind")) not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    try:
        count = int(spec.get("count", 1))
    except (TypeError, ValueError) as error:
        raise ValueError("count must be a whole number") from error
    if count < 1:
        raise ValueError("count must be at least 1")
    try:
        path = re.compile(str(spec.get("path") or ""))
    except re.error as error:
        raise ValueError(f"path is not a regular expression: {error}") from error
    method = str(spec["method"]).upper() if spec.get("method") else None
    kind = str(spec["kind"])
    seconds = _delay_seconds(spec.get("seconds")) if kind == "delay" else None
    return Fault(kind, count, method, path, seconds)


def _delay_seconds(value: Any) -> float:
    """A delay's ``seconds``: a number above 0 and at most ``MAX_DELAY``."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number or not 0 < value <= MAX_DELAY:
        raise ValueError(f"seconds must be a number above 0 and at most {MAX_DELAY:g}")
    return float(value)


@dataclass
class FaultBook:
    """The pending faults (shared by every request thread)."""

    _faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, fault: Fault) -> None:
        """Queue a fault behind those already pending."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first pending fault this request meets (one of its ``count`` used up), if any."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None
