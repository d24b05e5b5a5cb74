"""Which customer assignment covers an event (catalog.yaml, customer_assignments).

Among the assignments in effect on the event date whose scope includes the
product, the nearest Billto up the hierarchy wins, then the most specific
scope (product over family over class). Import refuses overlapping
assignments of one Billto and scope, so the winner is unique. A run asks
this for every event, so the candidates of each (Billto, product) are
ordered once and kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from billing.assignments import ScopeKind
from billing.billtos import BilltoTree
from billing.catalog.snapshot import AssignmentInfo, CatalogSnapshot, ProductInfo


class Coverage:
    """Answers "which assignment covers this Billto and product on this day"."""

    def __init__(self, catalog: CatalogSnapshot, billtos: BilltoTree) -> None:
        self.catalog = catalog
        self.billtos = billtos
        self._candidates: dict[tuple[int, str], tuple[AssignmentInfo, ...]] = {}

    def covering_assignment(
        self, billto_id: int, product: ProductInfo, day: dt.date
    ) -> AssignmentInfo | None:
        """The assignment that applies to ``product`` for ``billto_id`` on ``day``."""
        key = (billto_id, product.code)
        candidates = self._candidates.get(key)
        if candidates is None:
            candidates = self._candidates[key] = self._ordered_candidates(billto_id, product)
        return next((a for a in candidates if a.is_in_effect(day)), None)

    def _ordered_candidates(
        self, billto_id: int, product: ProductInfo
    ) -> tuple[AssignmentInfo, ...]:
        """Assignments covering the product up the chain: nearest Billto first, then narrowest."""
        ordered: list[AssignmentInfo] = []
        for billto in self.billtos.chain(billto_id):
            here = [
                a
                for a in self.catalog.assignments_by_billto.get(billto.id, ())
                if a.covers(product)
            ]
            ordered.extend(sorted(here, key=lambda a: a.specificity))
        return tuple(ordered)

    def assigned_products(
        self, billto_id: int, day: dt.date, fits: Callable[[ProductInfo], bool]
    ) -> list[ProductInfo]:
        """Products named by product-scoped assignments at the nearest Billto that has any.

        Used when an event names no product: the covering assignment's product
        is the one to bill, and it must be a single, unambiguous product.
        """
        products = self.catalog.products
        for billto in self.billtos.chain(billto_id):
            found = [
                products[a.scope_code]
                for a in self.catalog.assignments_by_billto.get(billto.id, ())
                if a.scope_kind is ScopeKind.PRODUCT
                and a.scope_code in products
                and a.is_in_effect(day)
                and fits(products[a.scope_code])
            ]
            if found:
                return found
        return []
