"""Request bodies with exact ``Decimal`` amounts as JSON numbers.

QBO and NetSuite both answer amounts as JSON numbers (``"Amount": 275.00``)
and take them so. ``json.dumps`` refuses ``Decimal``, python-quickbooks'
encoder quotes it, and a float would round (``0.1 + 0.2``): here a
``Decimal`` is written as the number text it holds and a ``float`` is
refused outright. ``adapters.http.HttpClient`` encodes every ``json=`` body
this way.
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
        raise TypeError("a float reached a request body: amounts must be Decimal")
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value)
