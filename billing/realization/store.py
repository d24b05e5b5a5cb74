"""Reading realized fees for a page of events and writing a page of changes.

Core statements in bulk (one query per table and page, executemany for the
writes) keep a full realization of a million time cards within a small
multiple of a plain bulk insert. The caller holds the realize run lock and
passes one connection in one transaction per page.

Fees are written by realize alone (under its run lock), but installments are
also moved by ``invoice approve`` (pending to invoiced) and ``invoice void``
(back to pending) while a page is being planned. So every installment update
is conditional on the status and amount it was planned from, and a page
whose plan no longer holds raises ``PageOutdated`` for the caller to roll
back and plan again from fresh state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from backoffice.errors import RetryableError
from backoffice.storage import refresh_planner_statistics
from billing.convergence import FeeChange, FeeState, InstallmentState
from billing.fees import (
    BlockedEvent,
    FeeInstallment,
    FeeRecheck,
    FeeRevision,
    FeeStatus,
    InstallmentKind,
    InstallmentStatus,
    RealizedFee,
    SourceType,
)
from billing.realization.evaluation import Blocked, EventKey

FEES: Table = RealizedFee.__table__  # type: ignore[assignment]
INSTALLMENTS: Table = FeeInstallment.__table__  # type: ignore[assignment]
REVISIONS: Table = FeeRevision.__table__  # type: ignore[assignment]
BLOCKED: Table = BlockedEvent.__table__  # type: ignore[assignment]
RECHECKS: Table = FeeRecheck.__table__  # type: ignore[assignment]
CHUNK = 1000

FeeKey = tuple[str, int, str]


class PageOutdated(RetryableError):
    """Raised when installments changed after their page was planned (approve or void ran).

    Nothing of the page may be kept: the caller rolls its transaction back and
    plans the page again from what is stored now.
    """


def load_fee_states(
    connection: Connection, source_type: SourceType, source_ids: Iterable[int]
) -> dict[FeeKey, FeeState]:
    """The stored fees (with installments) of these sources, by natural key."""
    fees: dict[int, Any] = {}
    wanted = sorted(set(source_ids))
    for start in range(0, len(wanted), CHUNK):
        query = select(FEES).where(
            FEES.c.source_type == source_type.value,
            FEES.c.source_id.in_(wanted[start : start + CHUNK]),
        )
        fees.update({row.id: row for row in connection.execute(query)})
    installments = _installments_of(connection, list(fees))
    return {
        (row.source_type, row.source_id, row.occurrence_key): FeeState(
            id=row.id,
            status=FeeStatus(row.status),
            currency=row.currency,
            amount=row.amount,
            basis=row.basis,
            installments=tuple(installments.get(row.id, ())),
        )
        for row in fees.values()
    }


def realized_through(connection: Connection, service_fee_ids: Iterable[int]) -> dict[int, dt.date]:
    """The latest occurrence realized so far (in any status) of each of these service fees."""
    latest: dict[int, dt.date] = {}
    wanted = sorted(set(service_fee_ids))
    for start in range(0, len(wanted), CHUNK):
        query = (
            select(FEES.c.source_id, func.max(FEES.c.occurrence))
            .where(
                FEES.c.source_type == SourceType.SERVICE_FEE.value,
                FEES.c.source_id.in_(wanted[start : start + CHUNK]),
                FEES.c.occurrence.is_not(None),
            )
            .group_by(FEES.c.source_id)
        )
        latest.update({source_id: day for source_id, day in connection.execute(query)})
    return latest


def _installments_of(
    connection: Connection, fee_ids: list[int]
) -> dict[int, list[InstallmentState]]:
    by_fee: dict[int, list[InstallmentState]] = {}
    for start in range(0, len(fee_ids), CHUNK):
        query = (
            select(INSTALLMENTS)
            .where(INSTALLMENTS.c.fee_id.in_(fee_ids[start : start + CHUNK]))
            .order_by(INSTALLMENTS.c.fee_id, INSTALLMENTS.c.seq)
        )
        for row in connection.execute(query):
            by_fee.setdefault(row.fee_id, []).append(
                InstallmentState(
                    id=row.id,
                    seq=row.seq,
                    kind=InstallmentKind(row.kind),
                    plan_line=row.plan_line,
                    effective_date=row.effective_date,
                    amount=row.amount,
                    status=InstallmentStatus(row.status),
                    credit_review_reason=row.credit_review_reason,
                )
            )
    return by_fee


def apply_changes(
    connection: Connection,
    changes: list[FeeChange],
    planned_from: Mapping[int, InstallmentState],
) -> None:
    """Write a page of planned changes: new fees, updates, installments, revisions.

    ``planned_from`` holds the installments as they were read for planning;
    ``PageOutdated`` is raised if any one to update is no longer so.

    New fees get their ids here, counting on from the highest id: the realize
    run lock makes this run the only writer of fees, and the primary key would
    refuse a second one anyway. That spares a RETURNING round trip per row,
    which SQLite and MariaDB cannot batch.
    """
    new = [c for c in changes if c.fee_id is None and c.fee_values is not None]
    updated = [c for c in changes if c.fee_id is not None and c.fee_values is not None]
    next_id = (connection.scalar(select(func.max(FEES.c.id))) or 0) + 1
    for offset, change in enumerate(new):
        change.fee_id = next_id + offset
    _insert_all(connection, FEES, [
        {**_key_columns(c.key), **(c.fee_values or {}), "id": c.fee_id} for c in new
    ])  # fmt: skip
    _update_fees(connection, updated)
    _insert_all(connection, INSTALLMENTS, [
        {**i, "fee_id": c.fee_id} for c in changes for i in c.new_installments
    ])  # fmt: skip
    _update_installments(connection, changes, planned_from)
    _insert_all(connection, REVISIONS, [
        {**c.revision, "fee_id": c.fee_id} for c in changes if c.revision is not None
    ])  # fmt: skip


def _key_columns(key: EventKey) -> dict[str, Any]:
    return {
        "source_type": key.source_type.value,
        "source_id": key.source_id,
        "occurrence_key": key.occurrence_key,
        "occurrence": key.occurrence,
    }


def _insert_all(connection: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(insert(table), rows)


def _update_fees(connection: Connection, changes: list[FeeChange]) -> None:
    """One executemany per set of columns (a removal writes fewer columns than a change)."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        values = change.fee_values or {}
        by_columns.setdefault(tuple(sorted(values)), []).append(
            {**{f"v_{k}": v for k, v in values.items()}, "b_id": change.fee_id}
        )
    for columns, rows in by_columns.items():
        statement = (
            update(FEES)
            .where(FEES.c.id == bindparam("b_id"))
            .values({name: bindparam(f"v_{name}") for name in columns})
        )
        connection.execute(statement, rows)


def _update_installments(
    connection: Connection,
    changes: list[FeeChange],
    planned_from: Mapping[int, InstallmentState],
) -> None:
    """Update installments still as planned from, in id order; the rest outdate the page.

    One executemany whose matched-row count tells whether every row still
    held (SQLite, psycopg and PyMySQL, which SQLAlchemy connects with
    FOUND_ROWS, all count matched rows, changed or not). Id order is the
    order approval locks them in, so the two wait for each other instead of
    deadlocking.
    """
    rows = sorted(
        (
            {**{f"v_{k}": v for k, v in values.items()}, "b_id": installment_id,
             "w_status": planned_from[installment_id].status.value,
             "w_amount": planned_from[installment_id].amount}
            for change in changes
            for installment_id, values in change.installment_updates.items()
        ),
        key=lambda row: row["b_id"],
    )  # fmt: skip
    if not rows:
        return
    statement = (
        update(INSTALLMENTS)
        .where(INSTALLMENTS.c.id == bindparam("b_id"),
               INSTALLMENTS.c.status == bindparam("w_status"),
               INSTALLMENTS.c.amount == bindparam("w_amount"))
        .values({name: bindparam(f"v_{name}") for name in
                 ("effective_date", "amount", "status", "credit_review_reason")})
    )  # fmt: skip
    matched = connection.execute(statement, rows).rowcount
    if matched != len(rows):
        raise PageOutdated(
            f"{len(rows) - matched} of {len(rows)} installments changed since the page was read"
        )


def replace_blocked(
    connection: Connection,
    evaluated: dict[SourceType, set[int]],
    blocked: list[Blocked],
) -> None:
    """Make the blocked list for these sources exactly ``blocked``."""
    for source_type, ids in evaluated.items():
        wanted = sorted(ids)
        for start in range(0, len(wanted), CHUNK):
            connection.execute(
                delete(BLOCKED).where(
                    BLOCKED.c.source_type == source_type.value,
                    BLOCKED.c.source_id.in_(wanted[start : start + CHUNK]),
                )
            )
    _insert_all(connection, BLOCKED, [
        {**_key_columns(b.key), "billto_id": b.billto_id, "product_code": b.product_code,
         "event_date": b.event_date, "reason": b.reason,
         "source_updated_at": b.source_updated_at}
        for b in blocked
    ])  # fmt: skip


def refresh_statistics(connection: Connection) -> None:
    """Have the database re-count the fee tables after a large write.

    A first realization grows them from nothing to millions of rows; on stale
    statistics PostgreSQL answered the next run's look-ups (a thousand source
    ids at a time) with a bitmap scan of the whole table: 600 ms a page
    instead of 4.
    """
    refresh_planner_statistics(connection, [FEES.name, INSTALLMENTS.name])


@dataclass(frozen=True)
class QueuedRecheck:
    """A fee queued for a recheck: the ATS event it comes from, and why it was queued."""

    source_type: SourceType
    source_id: int
    reason: str


def queued_rechecks(connection: Connection) -> dict[int, QueuedRecheck]:
    """Fees queued for a recheck, by fee id."""
    query = select(FEES.c.id, FEES.c.source_type, FEES.c.source_id, RECHECKS.c.reason).join(
        RECHECKS, RECHECKS.c.fee_id == FEES.c.id
    )
    return {fee_id: QueuedRecheck(SourceType(kind), source_id, reason) for
            fee_id, kind, source_id, reason in connection.execute(query)}  # fmt: skip


def clear_rechecks(connection: Connection, done: Mapping[int, QueuedRecheck]) -> None:
    """Drop the rechecks a run has done, unless queued again meanwhile.

    A void during the run replaces its fees' rechecks with its own reason
    (``billing.invoicing.corrections``); those stay for the next run, whose plan then
    sees what the void gave back.
    """
    if not done:
        return
    connection.execute(
        delete(RECHECKS).where(RECHECKS.c.fee_id == bindparam("b_fee_id"),
                               RECHECKS.c.reason == bindparam("b_reason")),
        [{"b_fee_id": fee_id, "b_reason": recheck.reason} for fee_id, recheck in done.items()],
    )  # fmt: skip
