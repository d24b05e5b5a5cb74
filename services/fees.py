"""Realized fees and blocked events: listing them, and blocked events grouped by cause.

Hundreds of blocked events usually come from a handful of causes (one
company without a customer assignment blocks every event below it), so a
person is shown each cause once with how many events it blocks and the fix.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from backoffice.runtime import Runtime
from billing.fee_queries import BlockedView, FeeView, InstallmentView
from billing.fee_queries import count_blocked as _count_blocked
from billing.fee_queries import list_blocked as _list_blocked
from billing.fee_queries import list_fees as _list_fees
from services.billtos import billto_names

__all__ = [
    "BilltoCount",
    "BlockedCause",
    "BlockedView",
    "FeeView",
    "InstallmentView",
    "blocked_by_cause",
    "count_blocked",
    "list_blocked",
    "list_fees",
]

# Causes recognised by the wording of their reasons, the most frequent first; the
# groups of the pattern name the cause (a reason matching none is its own cause).
KNOWN_CAUSES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^no customer assignment covers "),
     "No customer assignment covers the event's Billto and product on its date"),
    (re.compile(r"^the ATS record names no product and no product assignment covers "),
     "The ATS record names no product, and no customer assignment supplies one"),
    (re.compile(r"^the ATS record names no product and .* is assigned several "),
     "The ATS record names no product, and several assigned products fit"),
    (re.compile(r"has [0-9.]+ (\w+) hours but placement \d+ has no (\w+)"),
     "Time cards have {0} hours but their placement has no {1}"),
    (re.compile(r"^time card \d+ belongs to placement \d+, not in the ATS"),
     "Time cards belong to a placement that is not in the ATS"),
    (re.compile(r"^product (\S+) is not in the catalog"), "Product {0} is not in the catalog"),
    (re.compile(r"^pay plan (\S+) \(.*\) is not in the catalog"),
     "Pay plan {0} is not in the catalog"),
    (re.compile(r"^product (\S+) is priced (\w+), but an? (.+) needs"),
     "Product {0} is priced {1}, which cannot price a {2}"),
)  # fmt: skip


@dataclass(frozen=True)
class BilltoCount:
    """How many events of one cause are on one Billto."""

    billto_id: int
    name: str | None
    events: int


@dataclass(frozen=True)
class BlockedCause:
    """Blocked events that share a cause and a fix, with the Billtos they are on."""

    cause: str
    fix: str
    count: int
    billtos: tuple[BilltoCount, ...]  # most events first
    events: tuple[BlockedView, ...]


def list_fees(
    runtime: Runtime,
    *,
    billto_id: int | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[FeeView]:
    """Realized fees with their installments, oldest event first."""
    with runtime.transaction() as session:
        return _list_fees(session, billto_id=billto_id, status=status, limit=limit)


def list_blocked(runtime: Runtime) -> list[BlockedView]:
    """Every blocked ATS event with its reason: those without a valid date, then oldest first."""
    with runtime.transaction() as session:
        return _list_blocked(session)


def count_blocked(runtime: Runtime) -> int:
    """How many ATS events are blocked now, whichever run blocked them."""
    with runtime.transaction() as session:
        return _count_blocked(session)


def blocked_by_cause(runtime: Runtime) -> list[BlockedCause]:
    """Blocked events grouped by cause and fix, the cause blocking most events first."""
    events = list_blocked(runtime)
    groups: dict[tuple[str, str], list[BlockedView]] = {}
    for event in events:
        groups.setdefault(cause_and_fix(event.reason), []).append(event)
    names = billto_names(runtime, {e.billto_id for e in events})
    causes = [
        BlockedCause(cause, fix, len(members), _billto_counts(members, names), tuple(members))
        for (cause, fix), members in groups.items()
    ]
    return sorted(causes, key=lambda c: (-c.count, c.cause))


def cause_and_fix(reason: str) -> tuple[str, str]:
    """A reason's cause without what is particular to its event, and its fix.

    Reasons are written ``<what is wrong>: <what to do>``; the fix is what follows
    the last colon (empty when the reason names none).
    """
    problem, separator, fix = reason.rpartition(": ")
    if not separator:
        problem, fix = reason, ""
    for pattern, cause in KNOWN_CAUSES:
        found = pattern.search(problem)
        if found:
            return cause.format(*found.groups()), _sentence(fix)
    return _sentence(problem), _sentence(fix)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _billto_counts(members: list[BlockedView], names: dict[int, str]) -> tuple[BilltoCount, ...]:
    counted = Counter(e.billto_id for e in members)
    return tuple(
        BilltoCount(billto_id, names.get(billto_id), count)
        for billto_id, count in sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    )
