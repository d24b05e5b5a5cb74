"""Parameter types of the command line that click does not have.

A malformed amount is refused like an amount that does not fit the invoice:
a failure the user can fix, exit 1 with the option named and how to write
it (the command line's error boundary reports it), never a traceback.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import click

from backoffice.errors import NeedsUserAction

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
        """The amount as an exact ``Decimal``, or a refusal saying how to write it."""
        if isinstance(value, Decimal):
            return value
        text = str(value).strip()
        written = _PLAIN_DECIMAL.fullmatch(text)
        if written is None:
            raise _refused(param, f"{text[:40]!r} is not an amount.")
        if len(written.group(1).lstrip("0")) > MAX_WHOLE_DIGITS:
            raise _refused(
                param,
                f"{text[:40]!r} is too large: amounts have at most {MAX_WHOLE_DIGITS} digits "
                "before the decimal point.",
            )
        return Decimal(text)


def _refused(param: click.Parameter | None, problem: str) -> NeedsUserAction:
    option = f"'{param.opts[0]}'" if param is not None and param.opts else "the amount"
    return NeedsUserAction(
        "bad_amount",
        f"Invalid value for {option}: {problem}",
        "Write digits with an optional decimal point, like 500 or 1000.00 (no thousands "
        "separators, no exponent).",
    )


MONEY = MoneyAmount()
