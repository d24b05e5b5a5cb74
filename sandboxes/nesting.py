"""How deep a request body nests, measured without recursion.

A body of 100,000 nested arrays must be refused as bad input, not exhaust
the stack of whatever walks it next (rendering it back, copying it).
Both sandboxes refuse bodies nested deeper than any record they serve.
"""

from __future__ import annotations

from typing import Any

MAX_NESTING = 100  # no QBO or NetSuite record nests a tenth as deep


def is_nested_deeper(body: Any, limit: int) -> bool:
    """Whether ``body`` holds lists or objects more than ``limit`` levels deep."""
    pending: list[tuple[Any, int]] = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if not isinstance(value, dict | list):
            continue
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        pending.extend((child, depth + 1) for child in children)
    return False
