"""The REST record service (``/services/rest/record/v1/``): upsert by external id, update, read.

Idempotency: every create of a customer, item or document is an upsert,
``PUT <type>/eid:<key>`` with our outbox key as the record's external id.
Sent twice, it updates the record the first one created instead of creating
a second, so a write whose answer was lost (``UncertainWrite``) can be read
back by ``get_by_key`` or simply sent again. Sublists named in ``replace``
are replaced, not appended to, when the record already exists (a resent
invoice keeps its lines once). Updates of records we did not create are
``PATCH <type>/<id>``, idempotent by nature.

NetSuite answers a create, an upsert and an update with 204 and no body; the
new record's URL is in ``Location`` (``.../record/v1/invoice/123``). External
ids may hold letters, digits, ``_`` and ``-`` only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests

from adapters.netsuite.errors import NONEXISTENT_ID, SYSTEM
from adapters.netsuite.hosts import RECORD_PATH
from adapters.netsuite.suiteql import Sender
from backoffice.errors import NeedsUserAction, RetryableError

_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_NOT_FOUND = {f"{SYSTEM}:{NONEXISTENT_ID}", f"{SYSTEM}:404"}


def check_key(key: str) -> str:
    """An outbox key usable as an external id in a URL, or ``ValueError`` (a bug upstream)."""
    if not _EXTERNAL_ID.match(key):
        raise ValueError(f"a NetSuite external id holds letters, digits, _ and - only: {key!r}")
    return key


def id_from_location(location: str | None) -> str | None:
    """The internal id at the end of a ``Location`` URL (None when absent or not an id)."""
    if not location:
        return None
    last = urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
    return last if last.isdigit() else None


def is_not_found(error: NeedsUserAction) -> bool:
    """Whether NetSuite said the record does not exist (404 / NONEXISTENT_ID)."""
    return error.code in _NOT_FOUND


class RecordService:
    """Records of one account, sent through the shared HTTP loop."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    def upsert(
        self, record_type: str, key: str, body: dict[str, Any], replace: Sequence[str] = ()
    ) -> str:
        """Create or update the record whose external id is ``key``; its internal id."""
        path = f"{RECORD_PATH}/{record_type}/eid:{check_key(key)}"
        params = {"replace": ",".join(replace)} if replace else None
        response = self.sender.request("PUT", path, json=body, params=params)
        found = id_from_location(response.headers.get("Location"))
        if found is not None:
            return found
        record = self.get_by_key(record_type, key)  # no Location: read the upsert back
        if record is None:
            raise RetryableError(
                f"NetSuite accepted the {record_type} but could not find it.",
                detail=f"{SYSTEM} PUT {path}: no Location, eid not found",
            )
        return str(record["id"])

    def update(
        self, record_type: str, record_id: str, body: dict[str, Any], replace: Sequence[str] = ()
    ) -> None:
        """PATCH the fields in ``body`` (sublists in ``replace`` are replaced whole)."""
        params = {"replace": ",".join(replace)} if replace else None
        self.sender.request(
            "PATCH", f"{RECORD_PATH}/{record_type}/{record_id}", json=body, params=params
        )

    def get(self, record_type: str, record_id: str) -> dict[str, Any]:
        """The record with its sublists expanded; amounts as ``Decimal``."""
        response = self.sender.request(
            "GET", f"{RECORD_PATH}/{record_type}/{record_id}", params={"expandSubResources": "true"}
        )
        return _json_of(response)

    def get_by_key(self, record_type: str, key: str) -> dict[str, Any] | None:
        """The record written with external id ``key``, or None when there is none."""
        try:
            return self.get(record_type, f"eid:{check_key(key)}")
        except NeedsUserAction as error:
            if is_not_found(error):
                return None
            raise


def _json_of(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json(parse_float=Decimal)
    except ValueError as error:
        raise RetryableError(
            "NetSuite answered a read with no JSON.", detail=f"{SYSTEM}: {type(error).__name__}"
        ) from error
    return body if isinstance(body, dict) else {}
