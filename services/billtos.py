"""Billtos as the ATS holds them: to list them, and to name them in what people read.

A customer assignment is written against a Billto id; a person needs the ids,
names and hierarchy to write one, and every list of fees or invoices reads
better with the Billto's name beside its id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ats.reader import BILLTOS, AtsReader
from ats.records import AtsBillto
from backoffice.runtime import Runtime
from services.ats_access import complete_ats

if TYPE_CHECKING:  # the health check's module is heavy; listing Billtos does not need it
    from billing.invoicing.health import BilltoLookup


@dataclass(frozen=True)
class BilltoSummary:
    """One Billto: what a person needs to write a customer assignment for it."""

    id: int
    name: str
    parent_id: int | None
    active: bool


def list_billtos(runtime: Runtime) -> list[BilltoSummary]:
    """Every Billto of the ATS in id order; raises ``NeedsUserAction`` if the ATS is incomplete."""
    reader = complete_ats(runtime)
    return [
        BilltoSummary(b.id, b.name, b.parent_id, b.active)
        for page in reader.iter_matching(BILLTOS)
        for b in page
    ]


def billto_names(runtime: Runtime, billto_ids: Iterable[int]) -> dict[int, str]:
    """The names of the Billtos among ``billto_ids`` that the ATS holds.

    Names only decorate ids, so an ATS without its Billto table gives no names
    rather than an error: the list they decorate is still worth showing.
    """
    reader = AtsReader(runtime.ats_engine)
    if BILLTOS.table.name in reader.missing_tables():
        return {}
    return {i: b.name for i, b in reader.get(BILLTOS, billto_ids).items()}


def billto_lookup(runtime: Runtime) -> BilltoLookup:
    """Billtos by id from the ATS, each read once per lookup's life (one use case)."""
    reader = AtsReader(runtime.ats_engine)
    known: dict[int, AtsBillto] = {}

    def lookup(ids: set[int]) -> Mapping[int, AtsBillto]:
        missing = ids - known.keys()
        if missing:
            known.update(reader.get(BILLTOS, missing))
        return {i: known[i] for i in ids if i in known}

    return lookup


def names_in(lookup: BilltoLookup, ids: Iterable[int]) -> dict[int, str]:
    """The names of the Billtos still in the ATS, by id."""
    return {billto_id: billto.name for billto_id, billto in lookup(set(ids)).items()}
