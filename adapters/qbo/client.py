"""python-quickbooks, wrapped: its request building sent through our loop.

python-quickbooks knows QBO's URLs and parameters (``minorversion``,
``requestid``, the ``application/text`` query body) and decodes responses
with ``Decimal`` amounts (``use_decimal``). Its gaps are closed here and
nowhere else:

- no retries: every call goes through ``QboClient._send``, which holds a slot
  of the realm's ``RequestLimiter``, retries ``RetryableError`` with tenacity
  (Retry-After first, else exponential; sleep injected), refreshes the token
  once on a 401 and sends again, and logs one line per call (method, path
  without query string, status, duration, requestid, attempt);
- errors only by code: a failed response is read with ``errors.read_fault``
  (status, fault code, Retry-After, JSON or XML) and resolved by ``QBO_TABLE``;
- ``save()`` returning a new object: we never call ``save()``; each write
  returns the entity as QBO answered it, and callers take Id and SyncToken
  from that answer only.

A write always carries ``requestid``: QBO answers a repeated requestid with
the original response instead of applying it again, so a write whose answer
was lost is resent with the same requestid; only when every attempt went
unanswered is it an ``UncertainWrite``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from quickbooks import QuickBooks
from quickbooks.exceptions import QuickbooksException

from adapters.base import MAX_KEY_LENGTH
from adapters.http import RetryPolicy
from adapters.limits import RequestLimiter, Sleep
from adapters.qbo.config import MINOR_VERSION, QboConfig
from adapters.qbo.errors import QBO_TABLE, read_fault
from adapters.qbo.oauth import QboOAuth
from adapters.resolution import error_for, gave_up
from backoffice.errors import AuthExpired, RetryableError, UncertainWrite
from backoffice.secret import Secret

logger = logging.getLogger(__name__)

TIMEOUT = 30.0
DEFAULT_POLICY = RetryPolicy()


class _Unanswered(RetryableError):
    """Raised when a write was sent and no answer came: safe to resend with its requestid."""


class _QuickBooks(QuickBooks):  # type: ignore[misc]
    """python-quickbooks pointed at our base URL, sending through ``QboClient._send``."""

    def __init__(self, client: QboClient, **_kwargs: Any) -> None:
        self._client = client

    @property
    def api_url(self) -> str:
        return f"{self._client.config.api_base}/v3"

    def process_request(
        self,
        request_type: str,
        url: str,
        headers: Any = None,
        params: Any = None,
        data: Any = None,
    ) -> requests.Response:
        return self._client._send(request_type, url, dict(headers or {}), dict(params or {}), data)


class QboClient:
    """QBO's REST API for one company, with retries, limits, refresh and logging."""

    def __init__(
        self,
        config: QboConfig,
        auth: QboOAuth,
        *,
        session: requests.Session,
        limiter: RequestLimiter,
        sleep: Sleep,
        policy: RetryPolicy = DEFAULT_POLICY,
    ) -> None:
        self.config = config
        self.auth = auth
        self.session = session
        self.limiter = limiter
        self.sleep = sleep
        self.policy = policy
        self._qb = _QuickBooks(
            client=self, company_id=config.realm_id, minorversion=MINOR_VERSION, use_decimal=True
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
        """A ``BatchItemRequest`` body (at most 30 items); the ``BatchItemResponse`` items."""
        check_request_id(request_id)
        url = f"{self._qb.api_url}/company/{self.config.realm_id}/batch"
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

    def _send(
        self, method: str, url: str, headers: dict[str, str], params: dict[str, Any], data: Any
    ) -> requests.Response:
        """Send with retries; on a 401, refresh once (under the store's lock) and send again."""
        body = data.encode("utf-8") if isinstance(data, str) and data else None
        for is_second_try in (False, True):
            token = self.auth.access_token()
            try:
                return self._with_retries(method, url, headers, params, body, token)
            except AuthExpired:
                if is_second_try:
                    raise
                self.auth.refresh(refused=token)
        raise AssertionError("unreachable: the second try returns or raises")

    def _with_retries(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        params: Mapping[str, Any],
        body: bytes | None,
        token: Secret,
    ) -> requests.Response:
        try:
            for attempt in self.policy.retrying(self.sleep):
                with attempt:
                    number = attempt.retry_state.attempt_number
                    return self._send_once(method, url, headers, params, body, token, number)
        except AuthExpired:
            raise
        except _Unanswered as error:
            raise UncertainWrite(error.message, detail=error.detail) from error
        except RetryableError as error:
            raise gave_up(error, self.policy.max_attempts) from error
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _send_once(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        params: Mapping[str, Any],
        body: bytes | None,
        token: Secret,
        attempt: int,
    ) -> requests.Response:
        request_id = params.get("requestid")
        started = time.monotonic()
        status: int | str = "-"
        try:
            with self.limiter.slot():
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=body,
                    timeout=TIMEOUT,
                    headers={**headers, "Authorization": f"Bearer {token.reveal()}"},
                )
            status = response.status_code
        except (requests.ConnectionError, requests.Timeout) as error:
            status = "no-answer"
            raise _unanswered(error, method, url, request_id) from error
        finally:
            logger.info(
                "qbo %s %s %s %.0f ms requestid=%s attempt %d",
                method,
                urlsplit(url).path,
                status,
                (time.monotonic() - started) * 1000,
                request_id or "-",
                attempt,
            )
        if response.ok:
            return response
        raise error_for(QBO_TABLE, read_fault(response))


def check_request_id(request_id: str) -> None:
    """QBO keeps at most 50 characters of a requestid: a longer one would not be idempotent."""
    if not request_id or len(request_id) > MAX_KEY_LENGTH:
        raise ValueError(f"a QBO requestid is 1..{MAX_KEY_LENGTH} characters: {request_id!r}")


def _unanswered(error: Exception, method: str, url: str, request_id: str | None) -> RetryableError:
    """A reset or timeout: resendable when not sent yet, or when a requestid makes it safe."""
    detail = f"qbo {method} {urlsplit(url).path} requestid={request_id}: {type(error).__name__}"
    if request_id and not isinstance(error, requests.ConnectTimeout):
        return _Unanswered(
            f"QuickBooks did not answer a {method}: it may have been applied.", detail=detail
        )
    return RetryableError("QuickBooks did not answer.", detail=detail)
