"""The recorded payloads in ``tests/fixtures`` (each file's origin is in its folder's SOURCES.md).

The one way the tests read them: the adapter tests replay them as a system's
answers, the sandbox tests compare the sandboxes' answers with them.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def payload_bytes(system: str, name: str) -> bytes:
    """The exact bytes of ``name`` recorded from ``system`` (signed webhook bodies, XML)."""
    return (FIXTURES / system / name).read_bytes()


def payload_text(system: str, name: str) -> str:
    """A recorded non-JSON file's text (HTTP headers, an authorization header)."""
    return (FIXTURES / system / name).read_text(encoding="utf-8")


def payload(system: str, name: str, *, exact: bool = False) -> Any:
    """A recorded JSON payload; with ``exact``, its numbers with a fraction as ``Decimal``."""
    return json.loads(payload_bytes(system, name), parse_float=Decimal if exact else float)
