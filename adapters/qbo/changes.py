"""Pulling payments and document edits, voids and deletes: CDC, or a full query when it cannot.

QBO's change data capture (``GET /cdc?entities=...&changedSince=...``) only
looks back 30 days. A cursor older than that (or none, on the first pull)
falls back to querying each entity by ``MetaData.LastUpdatedTime``; such a
pull cannot see deletes, which the ``ChangeSet`` says in its notes (the sync
engine reconciles by ``get_document_state``).

The cursor is QBO's own clock (the response ``time``) in ISO 8601 UTC, so
client clock skew never loses a change. Each pull starts ``LAG`` before the
cursor, inclusive (a closed start), to catch writes committed late; the
repeats it brings are removed by remote id plus SyncToken, here within a
pull and by the sync engine across pulls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Protocol

from adapters.base import ChangeKind, ChangeSet, RemoteChange
from adapters.qbo.query import Querier, Select, query_all, quote
from adapters.qbo.records import (
    DOCUMENT_TYPE_OF,
    deleted_state,
    document_state_of,
    is_voided,
    payment_of,
    updated_at,
    utc,
)

CDC_ENTITIES = ("Payment", "Invoice", "CreditMemo")
CDC_WINDOW = dt.timedelta(days=30)
LAG = dt.timedelta(minutes=5)
FULL_READ_NOTE = (
    "The cursor was missing or older than QuickBooks' 30-day change window: payments and "
    "documents were read in full by last update; deletes in that span are not reported."
)


class ChangeSource(Querier, Protocol):
    """The client calls a pull needs: CDC and queries."""

    def changes(self, entities: tuple[str, ...], changed_since: str) -> dict[str, Any]:
        """The raw CDC response."""


def pull_changes(
    source: ChangeSource, cursor: str | None, *, now: dt.datetime, home_currency: str
) -> ChangeSet:
    """Changes since ``cursor`` (``now`` is naive UTC, from the adapter's clock)."""
    since = parse_cursor(cursor) - LAG if cursor else None
    if since is None or since < now - CDC_WINDOW:
        return _full_read(source, since, now=now, home_currency=home_currency)
    response = source.changes(CDC_ENTITIES, format_cursor(since))
    server_time = response.get("time")
    next_cursor = format_cursor(parse_cursor(server_time)) if server_time else format_cursor(now)
    return ChangeSet(_unique(changes_of_cdc(response, home_currency)), next_cursor)


def changes_of_cdc(response: dict[str, Any], home_currency: str) -> Iterator[RemoteChange]:
    """The changes of a CDC response: ``CDCResponse[].QueryResponse[]`` of entity lists."""
    for block in response.get("CDCResponse") or []:
        for query_response in block.get("QueryResponse") or []:
            for entity, rows in query_response.items():
                if entity in CDC_ENTITIES and isinstance(rows, list):
                    yield from (change_of(entity, row, home_currency) for row in rows)


def change_of(entity: str, row: dict[str, Any], home_currency: str) -> RemoteChange:
    """One changed Payment, Invoice or CreditMemo (CDC marks deletes with ``status``)."""
    document_type = DOCUMENT_TYPE_OF.get(entity)
    remote_id = str(row["Id"])
    changed_at = updated_at(row)
    if row.get("status") == "Deleted":
        state = deleted_state(remote_id) if document_type else None
        return RemoteChange(ChangeKind.DELETED, document_type, remote_id, changed_at, state=state)
    if document_type is None:
        payment = payment_of(row, home_currency)
        return RemoteChange(ChangeKind.PAYMENT, None, remote_id, changed_at, payment=payment)
    kind = ChangeKind.VOIDED if is_voided(row) else ChangeKind.UPDATED
    state = document_state_of(document_type, row)
    return RemoteChange(kind, document_type, remote_id, changed_at, state=state)


def parse_cursor(cursor: str) -> dt.datetime:
    """A cursor (ISO 8601, any offset) as naive UTC."""
    return utc(dt.datetime.fromisoformat(cursor))


def format_cursor(moment: dt.datetime) -> str:
    """Naive UTC as the ISO 8601 text QBO takes for ``changedSince`` and in queries."""
    return moment.replace(microsecond=0).isoformat() + "+00:00"


def _full_read(
    source: Querier, since: dt.datetime | None, *, now: dt.datetime, home_currency: str
) -> ChangeSet:
    where = [f"MetaData.LastUpdatedTime >= {quote(format_cursor(since))}"] if since else []
    changes = [
        change_of(entity, row, home_currency)
        for entity in CDC_ENTITIES
        for row in query_all(source, Select(entity, where, order_by="MetaData.LastUpdatedTime"))
    ]
    return ChangeSet(
        _unique(changes), format_cursor(now), full_resync=True, notes=(FULL_READ_NOTE,)
    )


def _unique(changes: Any) -> tuple[RemoteChange, ...]:
    """Each (entity, id, version) once, oldest first."""
    seen: dict[tuple[object, ...], RemoteChange] = {}
    for change in changes:
        seen.setdefault(_identity(change), change)
    return tuple(sorted(seen.values(), key=lambda change: change.changed_at))


def _identity(change: RemoteChange) -> tuple[object, ...]:
    version = None
    if change.payment is not None:
        version = change.payment.ref.version
    elif change.state is not None:
        version = change.state.ref.version
    return (
        change.kind is ChangeKind.PAYMENT,
        change.document_type,
        change.remote_id,
        version,
        change.kind,
    )
