"""What a sandbox was asked, for ``GET /_sandbox/stats`` (CONTRACT.md section 5).

Tests check how many calls a sync made, how many of them wrote and how often
it was throttled, without a proxy in between. Every request but the control
API's is counted once it has been answered: ``writes`` are those that
created, changed or deleted something (each sandbox says which did),
``throttled`` those answered 429, injected or earned by going over the
limits. ``by_path`` counts requests per endpoint under the key
``"<METHOD> <path template>"``: the real path with the variable parts that
identify the company or a record written as placeholders (``{realm}``,
``{id}``), e.g. ``"GET /v3/company/{realm}/invoice/{id}"`` or
``"PATCH /services/rest/record/v1/invoice/{id}"``; a path no endpoint
serves is kept as it was asked.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def endpoint_key(
    method: str,
    path: str,
    rule: str | None,
    values: Mapping[str, Any] | None,
    placeholders: Mapping[str, str],
) -> str:
    """The ``by_path`` key of a request matched to ``rule`` with ``values`` (``None``: unmatched).

    Variables named in ``placeholders`` become their placeholder; the others
    (an entity or record type) keep the value asked, so each endpoint of a
    generic rule is counted apart.
    """
    if rule is None:
        return f"{method.upper()} {path}"
    found = dict(values or {})

    def written(match: re.Match[str]) -> str:
        name = match.group(1)
        return placeholders.get(name) or str(found.get(name, match.group(0)))

    return f"{method.upper()} {_VARIABLE.sub(written, rule)}"


@dataclass
class RequestStats:
    """Counters shared by every request thread, zeroed by a reset."""

    _requests: int = 0
    _writes: int = 0
    _throttled: int = 0
    _by_path: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, key: str, *, wrote: bool, status: int) -> None:
        """One answered request."""
        with self._lock:
            self._requests += 1
            self._writes += int(wrote)
            self._throttled += int(status == 429)
            self._by_path[key] += 1

    def reset(self) -> None:
        """Start counting afresh."""
        with self._lock:
            self._requests = self._writes = self._throttled = 0
            self._by_path.clear()

    def as_json(self) -> dict[str, Any]:
        """The control API's answer."""
        with self._lock:
            return {
                "requests": self._requests,
                "writes": self._writes,
                "throttled": self._throttled,
                "by_path": dict(sorted(self._by_path.items())),
            }
