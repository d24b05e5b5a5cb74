"""Where each mapping picker's choices come from in NetSuite: one SuiteQL table per kind.

Each list is ``SELECT id, <name> AS name, isinactive[, <detail> AS detail]``
ordered by id (unique, so offset paging never repeats or skips a row).
Tax codes are the legacy ``salestaxitem`` list: an account on SuiteTax has no
such table (its tax engine picks codes), so that list is optional and comes
back empty there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.base import OptionKind, RemoteOption
from adapters.netsuite.suiteql import is_true


@dataclass(frozen=True)
class OptionSource:
    """One table of picker choices."""

    table: str
    name_column: str
    detail_column: str | None = None
    where: str | None = None
    optional: bool = False

    @property
    def statement(self) -> str:
        """The SuiteQL that lists it, ordered by id."""
        detail = f", {self.detail_column} AS detail" if self.detail_column else ""
        where = f" WHERE {self.where}" if self.where else ""
        return (
            f"SELECT id, {self.name_column} AS name, isinactive{detail} "
            f"FROM {self.table}{where} ORDER BY id"
        )


OPTION_SOURCES: dict[OptionKind, OptionSource] = {
    OptionKind.CUSTOMER: OptionSource("customer", "entityid", "email"),
    OptionKind.ITEM: OptionSource(
        "item", "itemid", "BUILTIN.DF(incomeaccount)", "itemtype = 'Service'"
    ),
    OptionKind.INCOME_ACCOUNT: OptionSource(
        "account", "fullname", "acctnumber", "accttype = 'Income'"
    ),
    OptionKind.TERMS: OptionSource("term", "name"),
    OptionKind.TAX_CODE: OptionSource("salestaxitem", "itemid", "description", optional=True),
    OptionKind.CLASS: OptionSource("classification", "fullname"),
    OptionKind.DEPARTMENT: OptionSource("department", "fullname"),
    OptionKind.LOCATION: OptionSource("location", "fullname"),
    OptionKind.SUBSIDIARY: OptionSource("subsidiary", "fullname"),
    OptionKind.CURRENCY: OptionSource("currency", "symbol", "name"),
}


def option_of(row: dict[str, Any]) -> RemoteOption:
    """A SuiteQL row (``id``, ``name``, ``isinactive``, ``detail``) as a picker choice."""
    detail = row.get("detail")
    return RemoteOption(
        id=str(row["id"]),
        name=str(row.get("name") or ""),
        active=not is_true(row.get("isinactive", "F")),
        detail=str(detail) if detail is not None else None,
    )
