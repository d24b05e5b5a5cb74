"""Request bodies as JSON text with ``Decimal`` amounts written exactly, as JSON numbers.

``json.dumps`` refuses ``Decimal``; python-quickbooks' ``DecimalEncoder``
writes it as a quoted string (``"Amount": "275.00"``), a shape QBO's own
responses never use. Here a ``Decimal`` becomes the number text it holds
(``"Amount": 275.00``), exactly like QBO's responses, and a ``float`` is
refused outright: money never passes through binary floating point.
Never imports ``billing``, ``mapping`` or ``sync``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def dumps(value: Any) -> str:
    """Compact JSON text of dicts, lists, strings, ints, bools, None and ``Decimal``."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite amount: {value}")
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError("a float reached a QBO request body: amounts must be Decimal")
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value)
