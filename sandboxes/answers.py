"""JSON answers as the real services write them: amounts are JSON numbers (doubles).

QuickBooks Online and NetSuite keep amounts as doubles and answer
``"TotalAmt": 275.1``, not a quoted string and not a fixed number of decimals.
A sandbox writes its ``Decimal`` amounts the same way, with the encoder of the
standard library, so that a client's reading of amounts (``parse_float``) is
tested against what a real answer looks like, never against the client's own
encoder.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def _as_double(value: Any) -> float:
    """How a real service writes an amount it stores: as a double."""
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot write {type(value).__name__} in an answer")


def dumps(body: Any) -> str:
    """Compact JSON text of ``body``, amounts as JSON numbers."""
    return json.dumps(body, default=_as_double, separators=(",", ":"))
