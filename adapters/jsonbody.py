"""Request bodies with exact ``Decimal`` amounts as JSON numbers, and a session that sends them.

QBO and NetSuite both answer amounts as JSON numbers (``"Amount": 275.00``)
and take them so. ``json.dumps`` refuses ``Decimal``, python-quickbooks'
encoder quotes it, and a float would round (``0.1 + 0.2``): here a
``Decimal`` is written as the number text it holds and a ``float`` is
refused outright. ``DecimalJsonSession`` encodes ``json=`` bodies this way
for ``adapters.http.HttpClient``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import requests


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


class DecimalJsonSession(requests.Session):
    """A session whose ``json=`` bodies go through ``dumps`` (exact Decimal, no float)."""

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, json: Any = None, **kwargs: Any
    ) -> requests.Response:
        """Send; a ``json`` body is encoded exactly and sent as UTF-8 with its content type."""
        if json is not None:
            headers = {**(kwargs.pop("headers", None) or {}), "Content-Type": "application/json"}
            kwargs["data"] = dumps(json).encode("utf-8")
            kwargs["headers"] = headers
        return super().request(method, url, *args, **kwargs)
