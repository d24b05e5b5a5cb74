"""Parameter types of the command line that click does not have.

A malformed option value is bad usage: click reports it with the option's
name and exits 2 (CONTRACT.md section 3), before any command runs.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import click

_PLAIN_DECIMAL = re.compile(r"[+-]?([0-9]+)(\.[0-9]+)?")
MAX_WHOLE_DIGITS = 14  # what the service's DECIMAL(18, 4) amount columns keep


class MoneyAmount(click.ParamType):
    """An amount written as a plain decimal number: ``500``, ``1000.00``, ``-12.5``.

    ``Decimal`` alone would also take ``NaN``, ``Infinity``, ``1e3`` and
    ``1_000``, none of which is an amount anyone types on an invoice; and a
    thousands separator (``1,000``) is ambiguous between locales. Whether the
    amount fits the document (its sign, the currency's decimals) is the
    service's decision, not the parser's.
    """

    name = "amount"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The amount as an exact ``Decimal``, or a usage error saying how to write it."""
        if isinstance(value, Decimal):
            return value
        text = str(value).strip()
        written = _PLAIN_DECIMAL.fullmatch(text)
        if written is None:
            self.fail(
                f"{text[:40]!r} is not an amount: write digits with an optional decimal point, "
                "like 500 or 1000.00 (no thousands separators, no exponent).",
                param,
                ctx,
            )
        if len(written.group(1).lstrip("0")) > MAX_WHOLE_DIGITS:
            self.fail(
                f"{text[:40]!r} is too large: amounts have at most {MAX_WHOLE_DIGITS} digits "
                "before the decimal point.",
                param,
                ctx,
            )
        return Decimal(text)


MONEY = MoneyAmount()
