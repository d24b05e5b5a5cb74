"""The Billto hierarchy, for walking from a Billto up to its company.

Customer assignments on a Billto cover every Billto below it, so realization
needs each Billto's chain of ancestors, nearest first. Billtos are few
compared with events, so the whole tree is held in memory for a run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ats.records import AtsBillto


@dataclass
class BilltoTree:
    """Billtos by id, with their ancestor chains computed once each."""

    billtos: dict[int, AtsBillto]
    _chains: dict[int, tuple[AtsBillto, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, billtos: Iterable[AtsBillto]) -> BilltoTree:
        """A tree of these Billtos."""
        return cls({b.id: b for b in billtos})

    def chain(self, billto_id: int) -> tuple[AtsBillto, ...]:
        """The Billto and its ancestors, nearest first (empty if it is unknown).

        A parent cycle in the ATS would loop forever; the walk stops at the
        first Billto it has already seen.
        """
        cached = self._chains.get(billto_id)
        if cached is not None:
            return cached
        chain: list[AtsBillto] = []
        seen: set[int] = set()
        current = self.billtos.get(billto_id)
        while current is not None and current.id not in seen:
            chain.append(current)
            seen.add(current.id)
            current = self.billtos.get(current.parent_id) if current.parent_id else None
        self._chains[billto_id] = tuple(chain)
        return self._chains[billto_id]

    def broken_link(self, billto_id: int) -> str | None:
        """Why the walk up from ``billto_id`` does not reach a top Billto (None: it does).

        A parent that is not in the ATS, or a cycle of parents, leaves no
        company at the top and no parent that an assignment could mean: the
        Billto an invoice goes to would depend on where the walk starts. The
        cycle is named from its smallest id, the same from wherever it is met.
        """
        walked: list[int] = []
        current = self.billtos.get(billto_id)
        while current is not None and current.parent_id is not None:
            walked.append(current.id)
            parent = self.billtos.get(current.parent_id)
            if parent is None:
                return (
                    f"the parent of Billto {current.id} is Billto {current.parent_id}, which is "
                    "not in the ATS: correct parent_id in the ATS"
                )
            if parent.id in walked:
                return _describe_cycle(walked[walked.index(parent.id) :])
            current = parent
        return None

    def subtree(self, billto_ids: Iterable[int]) -> set[int]:
        """The given Billtos and every Billto below them."""
        wanted = set(billto_ids)
        return {b for b in self.billtos if any(a.id in wanted for a in self.chain(b))}

    def describe(self, billto_id: int) -> str:
        """``Billto 110 'Acme Engineering'`` for messages a person reads."""
        billto = self.billtos.get(billto_id)
        return f"Billto {billto_id} '{billto.name}'" if billto else f"Billto {billto_id}"


def _describe_cycle(cycle: list[int]) -> str:
    start = cycle.index(min(cycle))
    ordered = cycle[start:] + cycle[:start]
    path = " → ".join(str(i) for i in [*ordered, ordered[0]])
    return (
        f"the parents of Billtos {path} form a cycle, so no Billto is at its top: correct "
        "parent_id in the ATS"
    )
