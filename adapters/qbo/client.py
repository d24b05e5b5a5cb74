"""python-quickbooks, with the request loop as its transport.

python-quickbooks knows QBO's URLs and parameters (``minorversion``,
``requestid``, the ``application/text`` query body) and decodes responses
with ``Decimal`` amounts (``use_decimal``). Everything it sends goes through
``adapters.http.HttpClient`` (limits, retries honouring Retry-After, the
bearer token and its refresh on a 401, one log line per call with its
requestid): python-quickbooks' one transport hook, ``process_request``, hands
each call to the loop. Its own version writes ``Authorization`` once per call
from ``session.access_token``; the loop's ``BearerAuth`` writes it on each
attempt, so an attempt after a refresh carries the new token.

- errors only by code: the loop reads a failed response with
  ``errors.read_fault`` and resolves it by ``QBO_TABLE``, so python-quickbooks
  only ever sees successful responses;
- ``save()`` returning a new object: we never call ``save()``; each write
  returns the entity as QBO answered it, and callers take Id and SyncToken
  from that answer only.

A write always carries ``requestid``: QBO answers a repeated requestid with
the original response instead of applying it again, so a write whose answer
was lost is resent with the same requestid; only when every attempt went
unanswered is it an ``UncertainWrite`` (the loop's ``idempotency_param``).
A batch is the exception: QBO has answered a batch sent again under its
requestid with a 6000 fault on every item, so an unanswered batch is an
``UncertainWrite`` at once, for the caller to read back; its requestid holds
at most ``MAX_BATCH_REQUEST_ID`` characters (Intuit allows 36 for a batch,
and the requestid with an item's bId at most 50).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from quickbooks import QuickBooks
from quickbooks.exceptions import QuickbooksException

from adapters.base import MAX_KEY_LENGTH
from adapters.http import HttpClient
from adapters.qbo.config import MINOR_VERSION, QboConfig
from backoffice.errors import RetryableError

MAX_BATCH_REQUEST_ID = 32
BATCH_PATH = "/batch"


class _QuickBooks(QuickBooks):  # type: ignore[misc]
    """python-quickbooks pointed at the loop's base URL, sending through the loop."""

    def __init__(self, http: HttpClient, **_kwargs: Any) -> None:
        self._http = http

    @property
    def api_url(self) -> str:
        return f"{self._http.base_url}/v3"

    def process_request(
        self,
        request_type: str,
        url: str,
        headers: Any = None,
        params: Any = None,
        data: Any = None,
    ) -> requests.Response:
        body = data if isinstance(data, str) and data else None  # a GET's body is ``{}``
        return self._http.request(
            request_type,
            url,
            data=body,
            params=dict(params or {}),
            headers=dict(headers or {}),
            resend_unanswered=not urlsplit(url).path.endswith(BATCH_PATH),
        )


class QboClient:
    """QBO's REST API for one company, through python-quickbooks and the request loop."""

    def __init__(self, config: QboConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self._qb = _QuickBooks(
            http=http, company_id=config.realm_id, minorversion=MINOR_VERSION, use_decimal=True
        )

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        """The entity object (``Invoice``, ``Customer``...) with this Id."""
        return self._unwrap(self._call(self._qb.get_single_object, entity, entity_id), entity)

    def query(self, statement: str) -> dict[str, Any]:
        """The raw response of one query statement (see ``adapters.qbo.query``)."""
        return self._call(self._qb.query, statement)

    def create(self, entity: str, body: str, request_id: str) -> dict[str, Any]:
        """Create from a JSON body (``jsonbody.dumps``); the entity as QBO saved it."""
        check_request_id(request_id)
        response = self._call(self._qb.create_object, entity, body, request_id=request_id)
        return self._unwrap(response, entity)

    def update(self, entity: str, body: str, request_id: str) -> dict[str, Any]:
        """A (sparse) update; the body names Id and the SyncToken it was read at."""
        check_request_id(request_id)
        response = self._call(self._qb.update_object, entity, body, request_id=request_id)
        return self._unwrap(response, entity)

    def batch(self, body: str, request_id: str) -> list[dict[str, Any]]:
        """A ``BatchItemRequest`` body (at most 30 items); the ``BatchItemResponse`` items.

        Sent once: unanswered, it is an ``UncertainWrite`` (see the module docstring).
        """
        check_request_id(request_id, MAX_BATCH_REQUEST_ID)
        url = f"{self._qb.api_url}/company/{self.config.realm_id}{BATCH_PATH}"
        response = self._call(self._qb.post, url, body, request_id=request_id)
        return list(response.get("BatchItemResponse", []))

    def changes(self, entities: Sequence[str], changed_since: str) -> dict[str, Any]:
        """The raw CDC response for ``entities`` changed since an ISO timestamp."""
        return self._call(self._qb.change_data_capture, ",".join(entities), changed_since)

    def company_info(self) -> dict[str, Any]:
        """The company's ``CompanyInfo``."""
        return self.read("CompanyInfo", self.config.realm_id)

    def preferences(self) -> dict[str, Any]:
        """The company's ``Preferences`` (currency, departments, terms defaults)."""
        url = f"{self._qb.api_url}/company/{self.config.realm_id}/preferences"
        return self._unwrap(self._call(self._qb.get, url), "Preferences")

    @staticmethod
    def _unwrap(response: dict[str, Any], entity: str) -> dict[str, Any]:
        found = response.get(entity)
        if not isinstance(found, dict):
            raise RetryableError(
                f"QuickBooks answered without the {entity}.", detail=f"qbo keys={sorted(response)}"
            )
        return found

    @staticmethod
    def _call(method: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """A python-quickbooks call; its own exceptions only come from unreadable 2xx bodies."""
        try:
            result = method(*args, **kwargs)
        except QuickbooksException as error:
            raise RetryableError(
                "QuickBooks answered with a response we could not read.",
                detail=f"qbo code={error.error_code}",
            ) from error
        return result if isinstance(result, dict) else {}


def check_request_id(request_id: str, maximum: int = MAX_KEY_LENGTH) -> None:
    """QBO keeps at most 50 characters of a requestid: a longer one would not be idempotent."""
    if not request_id or len(request_id) > maximum:
        raise ValueError(f"a QBO requestid is 1..{maximum} characters: {request_id!r}")
