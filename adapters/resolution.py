"""From a failed remote call to what the caller does next: a table, not branches.

Each system has its own table (``adapters/<system>/errors.py``) keyed by its
fault codes and by HTTP status; ``resolve`` looks the fault code up first
(more specific), then the status, then the defaults every HTTP API shares.
An unknown failure is logged at WARNING and treated as retryable: if it keeps
failing, ``raise_for`` turns the last one into ``NeedsUserAction`` with the
detail attached (STYLE.md, Errors).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from backoffice.errors import (
    AuthExpired,
    BackofficeError,
    NeedsUserAction,
    RetryableError,
    UncertainWrite,
)

logger = logging.getLogger(__name__)


class Action(StrEnum):
    """What the caller does about a failure."""

    RETRY = "retry"
    REFRESH_AUTH = "refresh_auth"
    NEEDS_USER = "needs_user"
    UNCERTAIN = "uncertain"


@dataclass(frozen=True)
class Resolution:
    """An action, the sentence a person reads, and what they should do.

    ``code`` replaces the system's own fault code in ``NeedsUserAction.code``
    where several codes mean one thing to a person (every refused refresh
    token is "reconnect").
    """

    action: Action
    message: str
    user_action: str = ""
    code: str | None = None


ResolutionTable = Mapping[int | str, Resolution]

DEFAULTS: ResolutionTable = {
    401: Resolution(Action.REFRESH_AUTH, "The access token was refused."),
    408: Resolution(Action.RETRY, "The request timed out."),
    429: Resolution(Action.RETRY, "Too many requests: the system's rate limit was reached."),
    500: Resolution(Action.RETRY, "The accounting system had an internal error."),
    502: Resolution(Action.RETRY, "The accounting system's gateway failed."),
    503: Resolution(Action.RETRY, "The accounting system is unavailable."),
    504: Resolution(Action.RETRY, "The accounting system's gateway timed out."),
}
UNKNOWN = Resolution(Action.RETRY, "The accounting system answered with an unexpected error.")


@dataclass(frozen=True)
class Failure:
    """A failed call as the system reported it (never a secret, never a whole body)."""

    system: str
    status: int | None
    code: str | None
    message: str
    retry_after: float | None = None
    request_id: str | None = None

    @property
    def detail(self) -> str:
        """For engineers: status, fault code, request id."""
        return (f"{self.system} status={self.status} code={self.code} "
                f"requestid={self.request_id}: {self.message}")  # fmt: skip


def resolve(table: ResolutionTable, failure: Failure) -> Resolution:
    """The resolution of ``failure``: by fault code, else status, else the defaults."""
    for key in (failure.code, failure.status):
        if key is not None and key in table:
            return table[key]
    if failure.status is not None and failure.status in DEFAULTS:
        return DEFAULTS[failure.status]
    if failure.status is not None and failure.status >= 500:
        return DEFAULTS[500]
    logger.warning("unknown failure, treated as retryable: %s", failure.detail)
    return UNKNOWN


def error_for(table: ResolutionTable, failure: Failure) -> BackofficeError:
    """The error to raise for ``failure`` (a retry policy decides whether to retry it)."""
    resolution = resolve(table, failure)
    message = f"{resolution.message} ({failure.system}: {failure.message})"
    if resolution.action is Action.REFRESH_AUTH:
        return AuthExpired(message, detail=failure.detail)
    if resolution.action is Action.RETRY:
        return RetryableError(message, retry_after=failure.retry_after, detail=failure.detail)
    if resolution.action is Action.UNCERTAIN:
        return UncertainWrite(message, detail=failure.detail)
    return NeedsUserAction(
        f"{failure.system}:{resolution.code or failure.code or failure.status}",
        message,
        resolution.user_action or "Correct the record named in the message and sync again.",
        detail=failure.detail,
    )


def gave_up(error: RetryableError, attempts: int) -> NeedsUserAction:
    """A retryable failure that outlived its retries, for a person to look at."""
    return NeedsUserAction(
        "retries_exhausted",
        f"{error.message} It still failed after {attempts} attempts.",
        "Check the accounting system's status page; the sync retries on its next run.",
        detail=error.detail,
    )
