"""A value that must never be printed: keys, tokens, client secrets.

``Secret`` masks itself in ``str`` and ``repr`` so that a settings object or
an exception that holds one can be logged safely; code that needs the value
asks for it by name with ``reveal()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MASK = "********"


@dataclass(frozen=True)
class Secret:
    """A secret string that prints as a mask."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        """The secret itself, for the one call that must send or use it."""
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    def __bool__(self) -> bool:
        return bool(self._value)
