"""JSON answers as the real services write them: amounts as exact JSON numbers.

QuickBooks Online and NetSuite answer an amount as a JSON number in its own
textual form (``"TotalAmt": 150.50``, recorded payloads keep the trailing
zero), never quoted and never through a binary float. The standard encoder
cannot write a ``Decimal`` as a number, so each amount is first written as a
marked string and the marks are then taken off, leaving the number's text.
This encoder is the sandboxes' own: sharing the adapters' encoder would let an
encoding bug hide on both sides of the wire.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_MARK = "\u0000amount:"
_MARKED = re.compile(r'"\\u0000amount:(-?[0-9.]+)"')


def _marked(value: Any) -> str:
    """A ``Decimal`` as a marked string holding its exact text."""
    if isinstance(value, Decimal) and value.is_finite():
        return _MARK + format(value, "f")
    raise TypeError(f"cannot write {type(value).__name__} {value!r} in an answer")


def dumps(body: Any) -> str:
    """Compact JSON text of ``body``, every ``Decimal`` as the number it holds."""
    text = json.dumps(body, default=_marked, separators=(",", ":"))
    return _MARKED.sub(r"\1", text)
