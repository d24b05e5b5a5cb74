"""The one error tree, grouped by what the caller does next (STYLE.md, Errors).

Every error carries a sentence for the user (``message`` and, where a person
must act, ``action``) and a ``detail`` for engineers. Neither may contain a
secret or a raw payload.
"""

from __future__ import annotations

from collections.abc import Sequence


class BackofficeError(Exception):
    """Base of every error the service raises on purpose."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class RetryableError(BackofficeError):
    """Raised for a transient failure (429, 5xx, reset, timeout before sending)."""

    def __init__(self, message: str, *, retry_after: float | None = None, detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.retry_after = retry_after


class AuthExpired(RetryableError):
    """Raised when the access token was refused (401): refresh it once, then retry."""


class UncertainWrite(BackofficeError):
    """Raised when a write was sent but no answer came back (timeout, dropped connection).

    The remote system may have applied it: read back by the idempotency key
    before any retry, never blindly send it again.
    """


class NeedsUserAction(BackofficeError):
    """Raised when data or configuration must change before the work can go on.

    The command line prints ``message``, each of ``issues`` (when there are
    several things to fix) and ``action`` to stderr and exits 1.
    """

    def __init__(
        self,
        code: str,
        message: str,
        action: str,
        *,
        detail: str = "",
        issues: Sequence[object] = (),
    ) -> None:
        super().__init__(message, detail=detail)
        self.code = code
        self.action = action
        self.issues = list(issues)

    def __str__(self) -> str:
        return f"{self.message} {self.action}".strip()


class FatalError(BackofficeError):
    """Raised when an invariant is broken: a bug, never bad input. Stops the run."""
