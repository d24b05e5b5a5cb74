"""Reading one catalog file entry field by field, collecting every problem.

Each reader method returns the parsed value, or None after recording an issue
that names the entry and the field, so validation can carry on and report
everything wrong with a file in one pass.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from billing.catalog.document import CatalogIssue
from billing.catalog.file import CatalogMapping, RefusedNumber, quoted, shorten

# What every database stores exactly. The columns are DECIMAL(18, 4) and
# 32-bit INTEGER, but SQLite keeps a decimal as a double, exact to 15
# significant digits only ("99999999999999.99" reads back .98, and every
# re-import "updates" it): 11 digits before the point and 4 after. A value
# beyond would be rounded or refused with a raw database error, so the file is
# refused.
DECIMAL_PLACES = 4
DECIMAL_LIMIT = Decimal(10) ** 11
INTEGER_LIMIT = 2**31 - 1
# Payment terms and pay plan offsets: ten years covers any real agreement,
# while an absurd offset (2147483647 days) overflows every date it is added to.
MAX_DAYS = 3650

# Unicode categories no text may hold: control characters (NUL, tab, newline,
# ...), lone surrogates and line or paragraph separators.
CONTROL_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}
# A code also refuses what cannot be seen: format characters (zero-width
# space, direction marks), private-use and unassigned code points, and every
# blank but the plain space.
INVISIBLE_CATEGORIES = CONTROL_CATEGORIES | {"Cf", "Co", "Cn", "Zs"}


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
        """Flag fields the format does not have (usually typos) and fields written twice.

        YAML keeps one value of a repeated key and drops the other silently: a
        second ``products:`` section would replace the first.
        """
        known = set(allowed)
        for repeat in self.raw.repeated if isinstance(self.raw, CatalogMapping) else ():
            where = (
                f"on line {repeat.line}"
                if repeat.line == repeat.first_line
                else f"at lines {repeat.first_line} and {repeat.line}"
            )
            self.fail(
                shown_key(repeat.key),
                f"is written twice, {where}: keep one (merge the two if both hold entries)",
            )
        for name in self.raw:
            if name not in known:
                self.fail(
                    shown_key(name), f"unknown field; expected one of {', '.join(sorted(known))}"
                )

    def text(self, field: str, *, required: bool = True, max_length: int = 200) -> str | None:
        """A non-empty string of at most ``max_length`` characters, without control characters."""
        value = self.raw.get(field)
        if value is None:
            if required:
                self.fail(field, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(field, f"must be non-empty text, got {quoted(value)}")
            return None
        if len(value) > max_length:
            self.fail(field, f"must be at most {max_length} characters, got {len(value)}")
            return None
        return self._without(field, value.strip(), CONTROL_CATEGORIES, "a control character")

    def code(self, field: str, *, required: bool = True, max_length: int = 60) -> str | None:
        """A code: text whose every character is visible (a space is the only blank).

        A code is typed and compared by people and by other systems; one that
        differs by a zero-width space, a non-breaking space or the way an
        accent is encoded looks the same and is not.
        """
        value = self.text(field, required=required, max_length=max_length)
        if value is None:
            return None
        if not unicodedata.is_normalized("NFC", value):
            self.fail(
                field,
                f"{quoted(value)} writes an accent as a separate character: retype it "
                "(or save the file in composed form, NFC)",
            )
            return None
        return self._without(field, value, INVISIBLE_CATEGORIES, "an invisible character")

    def _without(self, field: str, value: str, categories: set[str], what: str) -> str | None:
        """``value``, or None and an issue naming its first character in ``categories``."""
        for position, character in enumerate(value, start=1):
            if character != " " and unicodedata.category(character) in categories:
                name = unicodedata.name(character, "unnamed")
                self.fail(
                    field,
                    f"contains {what}, U+{ord(character):04X} {name} at character {position} "
                    f"of {quoted(value)}: remove it",
                )
                return None
        return value

    def integer(
        self, field: str, *, minimum: int = 0, maximum: int = INTEGER_LIMIT, unit: str = ""
    ) -> int | None:
        """A whole number from ``minimum`` to ``maximum``, written in plain decimal notation."""
        value = self.raw.get(field)
        if value is None:
            self.fail(field, "is required")
            return None
        if isinstance(value, RefusedNumber):
            self._refuse_number(field, value, "a plain whole number such as 30")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(field, f"must be a whole number of at least {minimum}, got {quoted(value)}")
            return None
        if value > maximum:
            self.fail(field, f"must be at most {maximum}{unit}, got {value}")
            return None
        return value

    def days(self, field: str) -> int | None:
        """A number of days from 0 to ``MAX_DAYS`` (ten years)."""
        return self.integer(field, maximum=MAX_DAYS, unit=" days (ten years)")

    def _refuse_number(self, field: str, value: RefusedNumber, example: str) -> None:
        self.fail(
            field,
            f"{value.text} (line {value.line}) {value.reading}: write it as {example}",
        )

    def boolean(self, field: str) -> bool | None:
        """A YAML boolean, true or false."""
        value = self.raw.get(field)
        if not isinstance(value, bool):
            self.fail(field, f"must be true or false, got {quoted(value)}")
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
        if isinstance(value, RefusedNumber):
            self._refuse_number(
                field, value, 'a plain decimal number or quoted text, such as 2500.00 or "2500.00"'
            )
            return None
        number = parse_decimal(value)
        if number is None:
            self.fail(
                field, f'must be a decimal number such as "25" or "2500.00", got {quoted(value)}'
            )
            return None
        if number < 0 or (positive and number == 0):
            bound = "greater than 0" if positive else "0 or more"
            self.fail(field, f"must be {bound}, got {shorten(str(number))}")
            return None
        if not fits_decimal_column(number):
            self.fail(
                field,
                f"must have at most {DECIMAL_PLACES} decimal places and be below "
                f"{DECIMAL_LIMIT:,} (what every supported database stores exactly), "
                f"got {shorten(str(number))}",
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
            self.fail(field, f"must be a date as YYYY-MM-DD, got {quoted(value)}")
            return None


def shown_key(key: object) -> str:
    """A field name as an issue shows it: as written if printable, else escaped; shortened."""
    return shorten(key if isinstance(key, str) and key.isprintable() else repr(key))


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
