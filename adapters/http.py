"""The one request loop of every adapter: send, classify, retry, log.

Every HTTP call an adapter makes goes through ``HttpClient.request``: its
API calls, its OAuth token calls, and python-quickbooks' requests (handed to
the loop as its transport, ``adapters.qbo.client``). A system supplies hooks,
not a loop: how to read a fault out of an error response (``FaultReader``),
its resolution table (``adapters/<system>/errors.py``), how to authenticate
(an ``adapters.auth`` strategy) and which query parameter, if any, makes a
write safe to resend. The loop:

- signs each attempt with the strategy, then sends under the realm's
  ``RequestLimiter`` (a token endpoint, under no realm's budget, has none);
- logs one line per call: method, path (no query string), status, duration,
  requestid, attempt; never a body, never a header;
- turns a failure into the error its table says (``adapters.resolution``) and
  retries ``RetryableError`` with tenacity, waiting Retry-After when given,
  else backing off exponentially; sleep is injected;
- a timeout or dropped connection after a write was sent is an
  ``UncertainWrite``, at once when nothing makes a resend safe, after the
  last attempt when the write carries its idempotency key;
- "refresh token then retry" (``AuthExpired``) asks the strategy to refresh
  once, and sends again.

``json=`` bodies are encoded by ``adapters.jsonbody.dumps`` (exact
``Decimal``, never a float).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from adapters.auth import Authenticator
from adapters.jsonbody import dumps
from adapters.limits import RequestLimiter, Sleep
from adapters.resolution import Failure, ResolutionTable, error_for, gave_up
from backoffice.errors import AuthExpired, RetryableError, UncertainWrite

logger = logging.getLogger(__name__)

FaultReader = Callable[[requests.Response], Failure]
Body = bytes | Mapping[str, str] | None  # raw bytes, or a form
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry retryable failures."""

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0

    def retrying(self, sleep: Sleep) -> Retrying:
        """A tenacity loop over retryable failures (an expired token is the caller's)."""
        return Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self.wait,
            retry=retry_if_exception(_is_retried),
            sleep=sleep,
            reraise=True,
        )

    def wait(self, state: RetryCallState) -> float:
        """Retry-After when the failure carried one, else exponential backoff."""
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, RetryableError) and error.retry_after is not None:
            return min(error.retry_after, self.max_delay)
        return min(self.base_delay * 2 ** (state.attempt_number - 1), self.max_delay)


DEFAULT_POLICY = RetryPolicy()


class _Unanswered(RetryableError):
    """Raised when a write went unanswered but carries its idempotency key: safe to resend."""


@dataclass(frozen=True)
class _Call:
    """One request as the caller asked for it, sent once per attempt."""

    method: str
    url: str
    body: Body
    params: Mapping[str, Any] | None
    headers: Mapping[str, str]
    resend_unanswered: bool  # False: an unanswered attempt is uncertain, even with its key


@dataclass
class HttpClient:
    """One system's HTTP loop (or one token endpoint's); see the module docstring.

    ``title`` names the system in sentences a person reads ("QuickBooks did
    not answer."); ``writes`` are the methods whose unanswered attempt may
    have been applied and must be read back (none for a token endpoint: an
    unanswered token request is simply sent again; a spent authorization
    code is then refused, and a person connects again); ``idempotency_param``
    is the query parameter whose value makes a write safe to resend (QBO's
    ``requestid``).
    """

    system: str
    title: str
    session: requests.Session
    base_url: str
    table: ResolutionTable
    read_fault: FaultReader
    limiter: RequestLimiter | None
    policy: RetryPolicy = DEFAULT_POLICY
    sleep: Sleep = time.sleep
    auth: Authenticator | None = None
    writes: frozenset[str] = WRITE_METHODS
    idempotency_param: str | None = None
    timeout: float = 30.0

    def request(
        self, method: str, path: str, *, json: Any = None, data: str | Body = None,
        params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
        resend_unanswered: bool = True,
    ) -> requests.Response:  # fmt: skip
        """Send with retries; the successful response, or the error its table names.

        ``path`` is under ``base_url``, or a whole URL (python-quickbooks
        builds its own); ``json`` is encoded exactly, ``data`` sent as is
        (text as UTF-8, a mapping as a form). ``resend_unanswered=False``
        makes an unanswered write an ``UncertainWrite`` at once even when it
        carries its key: a system that refuses a repeated key for this call
        (QBO's batch) must be read back instead.
        """
        call = self._call_of(method, path, json, data, params, headers, resend_unanswered)
        refreshed = False
        while True:
            try:
                return self._with_retries(call)
            except AuthExpired:
                if refreshed or self.auth is None or not self.auth.refresh():
                    raise
                refreshed = True

    def _call_of(self, method: str, path: str, json: Any, data: str | Body,
                 params: Mapping[str, Any] | None,
                 headers: Mapping[str, str] | None, resend_unanswered: bool) -> _Call:  # fmt: skip
        url = path if urlsplit(path).scheme else f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"
        sent_headers = dict(headers or {})
        body: Body = data.encode("utf-8") if isinstance(data, str) else data
        if json is not None:
            body = dumps(json).encode("utf-8")
            sent_headers["Content-Type"] = "application/json"
        return _Call(method.upper(), url, body, params, sent_headers, resend_unanswered)

    def _with_retries(self, call: _Call) -> requests.Response:
        try:
            for attempt in self.policy.retrying(self.sleep):
                with attempt:
                    return self._send_once(call, attempt.retry_state.attempt_number)
        except AuthExpired:
            raise
        except _Unanswered as error:
            raise UncertainWrite(error.message, detail=error.detail) from error
        except RetryableError as error:
            raise gave_up(error, self.policy.max_attempts) from error
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _send_once(self, call: _Call, attempt: int) -> requests.Response:
        prepared = self._signed(call)
        settings = self.session.merge_environment_settings(prepared.url, {}, None, None, None)
        request_id = self._request_id_of(call)
        started = time.monotonic()
        status: int | str = "-"
        try:
            with self._slot():
                response = self.session.send(prepared, timeout=self.timeout, **settings)
            status = response.status_code
        except requests.ConnectTimeout as error:
            status = "connect-timeout"
            detail = self._detail(call, request_id, error)
            raise RetryableError(f"{self.title} could not be reached.", detail=detail) from error
        except (requests.ConnectionError, requests.Timeout) as error:
            status = "no-answer"
            raise self._unanswered(call, request_id, error) from error
        finally:
            logger.info("%s %s %s %s %.0f ms requestid=%s attempt %d", self.system, call.method,
                        _path_of(call.url), status, (time.monotonic() - started) * 1000,
                        request_id or "-", attempt)  # fmt: skip
        if response.ok:
            return response
        raise error_for(self.table, self.read_fault(response))

    def _signed(self, call: _Call) -> requests.PreparedRequest:
        """The attempt, signed now (outside the limiter slot: a refresh is a call of its own)."""
        request = requests.Request(call.method, call.url, headers=dict(call.headers),
                                   data=call.body, params=call.params, auth=self.auth)  # fmt: skip
        return self.session.prepare_request(request)

    @contextmanager
    def _slot(self) -> Iterator[None]:
        if self.limiter is None:
            yield
            return
        with self.limiter.slot():
            yield

    def _request_id_of(self, call: _Call) -> str | None:
        if self.idempotency_param is None or not call.params:
            return None
        value = call.params.get(self.idempotency_param)
        return str(value) if value else None

    def _unanswered(self, call: _Call, request_id: str | None, error: Exception) -> Exception:
        """Sent, but no answer: retried when nothing was written or the key makes it safe."""
        detail = self._detail(call, request_id, error)
        if call.method not in self.writes:
            return RetryableError(f"{self.title} did not answer.", detail=detail)
        message = f"{self.title} did not answer a {call.method} of {_path_of(call.url)}: "
        if request_id is not None and call.resend_unanswered:
            return _Unanswered(message + "it may have been applied.", detail=detail)
        return UncertainWrite(message + "it may have been applied.", detail=detail)

    def _detail(self, call: _Call, request_id: str | None, error: Exception) -> str:
        return (f"{self.system} {call.method} {_path_of(call.url)} requestid={request_id}: "
                f"{type(error).__name__}")  # fmt: skip


def _is_retried(error: BaseException) -> bool:
    """Retryable failures are retried here; an expired token is refreshed by ``request``."""
    return isinstance(error, RetryableError) and not isinstance(error, AuthExpired)


def _path_of(url: str) -> str:
    """The URL's path only: query strings may carry tokens."""
    return urlsplit(url).path


def retry_after_of(response: requests.Response) -> float | None:
    """Retry-After in seconds, when the response gives it as a number."""
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
