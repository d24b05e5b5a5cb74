"""Batch requests and change data capture (CDC), as QBO answers them.

A batch holds at most 30 ``BatchItemRequest`` items, each with a ``bId``
and either an entity with its ``operation`` (create, update, delete) or a
``Query``. Items run in order, each on its own: a failing item answers a
``Fault`` in its place and the others still apply (QBO batches are not
transactions). CDC answers, for each entity asked, the records changed
since ``changedSince`` (at most 30 days back) and the ones deleted, marked
``"status": "Deleted"``, in a ``QueryResponse`` list, at most 1000 records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sandboxes.qbo import errors, operations
from sandboxes.qbo.query import run_query
from sandboxes.qbo.records import Session
from sandboxes.qbo.schema import EntityKind, kind_named
from sandboxes.qbo.state import Record, answer_copy, parse_time

BATCH_LIMIT = 30
REPEATED_BATCH_DETAIL = (
    "An unexpected error occurred while accessing or saving your data. "
    "Please wait a few minutes and try again.  If the problem persists, "
    "contact customer support."
)
CDC_WINDOW = dt.timedelta(days=30)
CDC_LIMIT = 1000


def run_batch(session: Session, body: Any) -> list[Record]:
    """The ``BatchItemResponse`` list of a batch body."""
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise errors.required_param("BatchItemRequest")
    if len(items) > BATCH_LIMIT:
        raise errors.business_validation(
            f"The number of batch items ({len(items)}) exceeds the maximum of {BATCH_LIMIT}."
        )
    return [_batch_item(session, item) for item in items]


def repeated_batch(body: Any) -> list[Record]:
    """What QBO answers a batch sent again under its requestid: a 6000 on every item.

    QBO does not replay a batch's first answer as it does a single write's;
    it applies nothing and faults each item with its "unexpected error ...
    try again" 6000, so a client must read back what the first one saved.
    """
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise errors.required_param("BatchItemRequest")
    fault = errors.business_validation(REPEATED_BATCH_DETAIL).fault()
    return [{"Fault": fault, "bId": item.get("bId")} for item in items if isinstance(item, dict)]


def _batch_item(session: Session, item: Record) -> Record:
    bid = item.get("bId")
    try:
        if not bid:
            raise errors.required_param("bId")
        return {**_batch_answer(session, item), "bId": bid}
    except errors.ApiError as fault:
        return {"Fault": fault.fault(), "bId": bid}


def _batch_answer(session: Session, item: Record) -> Record:
    if "Query" in item:
        return {"QueryResponse": run_query(session.company, str(item["Query"]))}
    kind, body = _entity_of(item)
    operation = str(item.get("operation") or "create").lower()
    if operation == "create":
        return {kind.name: operations.create(session, kind, body)}
    if operation == "update":
        return {kind.name: operations.update(session, kind, body)}
    if operation == "delete":
        return {kind.name: operations.delete(session, kind, body)}
    raise errors.unsupported_operation(operation, kind.name)


def _entity_of(item: Record) -> tuple[EntityKind, Record]:
    for name, value in item.items():
        kind = kind_named(name)
        if kind is not None and isinstance(value, dict):
            return kind, value
    raise errors.required_param("BatchItemRequest entity")


def change_data(session: Session, entities: str, changed_since: str) -> list[Record]:
    """The ``CDCResponse`` list: one block holding a QueryResponse per entity asked."""
    if not entities:
        raise errors.required_param("entities")
    if not changed_since:
        raise errors.required_param("changedSince")
    since = _since(changed_since, session.now)
    budget = CDC_LIMIT
    responses = []
    for name in (part.strip() for part in entities.split(",") if part.strip()):
        kind = kind_named(name)
        if kind is None:
            raise errors.query_validation(f"invalid context declaration: {name}")
        rows = _changed(session, kind, since)[:budget]
        budget -= len(rows)
        responses.append(
            {kind.name: rows, "startPosition": 1, "maxResults": len(rows)} if rows else {}
        )
    return [{"QueryResponse": responses}]


def _since(text: str, now: dt.datetime) -> dt.datetime:
    try:
        since = parse_time(text)
    except ValueError as error:
        raise errors.validation(
            "2080", "Illegal number format", "changedSince should be a date-time", "changedSince"
        ) from error
    if since < now - CDC_WINDOW:
        raise errors.validation(
            "6000",
            "A business validation error has occurred while processing your request",
            f"Operation cdc with changedSince date {text} which is older than fixed days "
            "is not supported.",
        )
    return since


def _changed(session: Session, kind: EntityKind, since: dt.datetime) -> list[Record]:
    """Records updated at or after ``since``, then deletions since then, oldest first."""
    rows = [
        answer_copy(row)
        for row in session.company.all(kind.name)
        if parse_time(row["MetaData"]["LastUpdatedTime"]) >= since
    ]
    rows += [
        {
            "domain": "QBO",
            "status": "Deleted",
            "Id": tombstone.record_id,
            "MetaData": {"LastUpdatedTime": tombstone.deleted_at},
        }
        for tombstone in session.company.tombstones
        if tombstone.entity == kind.name and parse_time(tombstone.deleted_at) >= since
    ]
    rows.sort(key=lambda row: parse_time(row["MetaData"]["LastUpdatedTime"]))
    return rows
