"""Reading one catalog file entry field by field, collecting every problem.

Each reader method returns the parsed value, or None after recording an issue
that names the entry and the field, so validation can carry on and report
everything wrong with a file in one pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from billing.catalog_document import CatalogIssue

# What the catalog's columns hold: DECIMAL(18, 4) and 32-bit INTEGER. A value
# beyond them would be rounded by the database (so a re-import would always
# "update" it) or refused with a raw database error, so the file is refused.
DECIMAL_PLACES = 4
DECIMAL_LIMIT = Decimal(10) ** 14
INTEGER_LIMIT = 2**31 - 1


class EntryReader:
    """Parses the fields of one mapping entry, appending issues to a shared list."""

    def __init__(self, entry: str, raw: Mapping[str, Any], issues: list[CatalogIssue]) -> None:
        self.entry = entry
        self.raw = raw
        self.issues = issues

    def fail(self, field: str, message: str) -> None:
        """Record a problem with ``field`` of this entry."""
        self.issues.append(CatalogIssue(self.entry, field, message))

    def refuse_unknown(self, allowed: Iterable[str]) -> None:
        """Flag fields the format does not have, which are usually typos."""
        known = set(allowed)
        for name in self.raw:
            if name not in known:
                self.fail(str(name), f"unknown field; expected one of {', '.join(sorted(known))}")

    def text(self, field: str, *, required: bool = True, max_length: int = 200) -> str | None:
        """A non-empty string of at most ``max_length`` characters."""
        value = self.raw.get(field)
        if value is None:
            if required:
                self.fail(field, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(field, f"must be non-empty text, got {value!r}")
            return None
        if len(value) > max_length:
            self.fail(field, f"must be at most {max_length} characters, got {len(value)}")
            return None
        return value.strip()

    def integer(self, field: str, *, minimum: int = 0) -> int | None:
        """A whole number from ``minimum`` up to what an INTEGER column holds."""
        value = self.raw.get(field)
        if value is None:
            self.fail(field, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(field, f"must be a whole number of at least {minimum}, got {value!r}")
            return None
        if value > INTEGER_LIMIT:
            self.fail(field, f"must be at most {INTEGER_LIMIT}, got {value}")
            return None
        return value

    def boolean(self, field: str) -> bool | None:
        """A YAML boolean, true or false."""
        value = self.raw.get(field)
        if not isinstance(value, bool):
            self.fail(field, f"must be true or false, got {value!r}")
            return None
        return value

    def decimal(
        self, field: str, *, required: bool = True, positive: bool = False
    ) -> Decimal | None:
        """An exact decimal (string or number in the file), not negative."""
        value = self.raw.get(field)
        if value is None:
            if required:
                self.fail(field, "is required")
            return None
        number = parse_decimal(value)
        if number is None:
            self.fail(field, f'must be a decimal number such as "25" or "2500.00", got {value!r}')
            return None
        if number < 0 or (positive and number == 0):
            bound = "greater than 0" if positive else "0 or more"
            self.fail(field, f"must be {bound}, got {number}")
            return None
        if not fits_decimal_column(number):
            self.fail(
                field,
                f"must have at most {DECIMAL_PLACES} decimal places and be below "
                f"{DECIMAL_LIMIT:,}, got {number}",
            )
            return None
        return number

    def date(self, field: str, *, required: bool = True) -> dt.date | None:
        """An ISO date (YYYY-MM-DD)."""
        value = self.raw.get(field)
        if value is None:
            if required:
                self.fail(field, "is required")
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(field, f"must be a date as YYYY-MM-DD, got {value!r}")
            return None


def parse_decimal(value: object) -> Decimal | None:
    """An exact, finite ``Decimal`` from a str, int or Decimal; None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def fits_decimal_column(number: Decimal) -> bool:
    """Whether the database stores ``number`` exactly; trailing zeros do not count."""
    exponent = number.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return abs(number) < DECIMAL_LIMIT and places <= DECIMAL_PLACES
