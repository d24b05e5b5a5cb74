"""CSV cells a spreadsheet opens as text, never as a formula (CSV injection).

A Billto name or description such as ``=HYPERLINK(...)`` comes from the ATS
and would run as a formula in the spreadsheet that opens the export. OWASP's
rule: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return gets a leading single quote, which spreadsheets show as text. A plain
number is left alone, since it cannot be a formula and a credit of
``-4400.00`` must stay an amount.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def spreadsheet_safe(value: object) -> object:
    """``value`` as a cell no spreadsheet evaluates: text that could be a formula gets ``'``."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return f"'{value}"


class SafeCsvWriter:
    """A ``csv.writer`` whose every cell goes through ``spreadsheet_safe``."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, each cell made safe."""
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])
