"""The request loop every ``requests``-based adapter shares: send, classify, retry, log.

A system supplies hooks, not a loop: how to read a fault out of an error
response (``FaultReader``), its resolution table (``adapters/<system>/errors.py``)
and how to authenticate (a ``requests`` auth object, or headers). The loop:

- sends under the realm's ``RequestLimiter``;
- logs one line per call: method, path (no query string), status, duration,
  attempt; never a body, never a header;
- turns a failure into the error its table says (``adapters.resolution``) and
  retries ``RetryableError`` with tenacity, waiting Retry-After when given,
  else backing off exponentially; sleep is injected;
- a timeout or dropped connection after a write was sent is an
  ``UncertainWrite`` (not retried here: the caller reads back first);
- a 401 calls ``on_auth_expired`` once (refresh the token) and sends again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from adapters.limits import RequestLimiter, Sleep
from adapters.resolution import Failure, ResolutionTable, error_for, gave_up
from backoffice.errors import AuthExpired, RetryableError, UncertainWrite

logger = logging.getLogger(__name__)

FaultReader = Callable[[requests.Response], Failure]
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


@dataclass
class HttpClient:
    """One system's HTTP loop; see the module docstring."""

    system: str
    session: requests.Session
    base_url: str
    table: ResolutionTable
    read_fault: FaultReader
    limiter: RequestLimiter
    policy: RetryPolicy = RetryPolicy()
    sleep: Sleep = time.sleep
    timeout: float = 30.0
    on_auth_expired: Callable[[], None] | None = None

    def request(
        self, method: str, path: str, *, json: Any = None,
        params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
    ) -> requests.Response:  # fmt: skip
        """Send with retries; the successful response, or the error its table names."""
        refreshed = False
        while True:
            try:
                return self._with_retries(method, path, json, params, headers)
            except AuthExpired:
                if refreshed or self.on_auth_expired is None:
                    raise
                self.on_auth_expired()
                refreshed = True

    def _with_retries(self, method: str, path: str, json: Any,
                      params: Mapping[str, Any] | None,
                      headers: Mapping[str, str] | None) -> requests.Response:  # fmt: skip
        try:
            for attempt in self.policy.retrying(self.sleep):
                with attempt:
                    number = attempt.retry_state.attempt_number
                    return self._send_once(method, path, json, params, headers, number)
        except AuthExpired:
            raise
        except RetryableError as error:
            raise gave_up(error, self.policy.max_attempts) from error
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _send_once(self, method: str, path: str, json: Any,
                   params: Mapping[str, Any] | None, headers: Mapping[str, str] | None,
                   attempt: int) -> requests.Response:  # fmt: skip
        url = f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"
        started = time.monotonic()
        status: int | str = "-"
        try:
            with self.limiter.slot():
                response = self.session.request(
                    method, url, json=json, params=params, headers=headers, timeout=self.timeout
                )
            status = response.status_code
        except requests.ConnectTimeout as error:
            status = "connect-timeout"
            raise RetryableError(f"{self.system} could not be reached.",
                                 detail=type(error).__name__) from error  # fmt: skip
        except (requests.ConnectionError, requests.Timeout) as error:
            status = "no-answer"
            if method.upper() in WRITE_METHODS:
                raise UncertainWrite(
                    f"{self.system} did not answer a {method} of {_path_of(url)}: "
                    "it may have been applied.", detail=type(error).__name__,
                ) from error  # fmt: skip
            raise RetryableError(f"{self.system} did not answer.",
                                 detail=type(error).__name__) from error  # fmt: skip
        finally:
            logger.info("%s %s %s %s %.0f ms attempt %d", self.system, method, _path_of(url),
                        status, (time.monotonic() - started) * 1000, attempt)  # fmt: skip
        if response.ok:
            return response
        raise error_for(self.table, self.read_fault(response))


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
