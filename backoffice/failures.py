"""Sorting a failure that reached an interface: a known one and what to do, or a bug.

The command line and the admin app each have one error boundary; both ask
``explain_failure`` whether an exception is one a person can act on (the
error tree's ``NeedsUserAction``, a remote system that stayed down, a
database that cannot be used, a file that cannot be written) and show its
message, or else record it as an incident (``backoffice.incidents``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.exc import DBAPIError

from backoffice.database_failures import describe_database_failure
from backoffice.errors import NeedsUserAction, RetryableError, UncertainWrite


def explain_failure(
    error: BaseException, lock_holders: Callable[[], Sequence[str]] = tuple
) -> NeedsUserAction | None:
    """``error`` as a message with what to do, or None when nobody foresaw it.

    ``lock_holders`` is asked only when the database is busy, since reading
    the job locks needs the database.
    """
    if isinstance(error, NeedsUserAction):
        return error
    if isinstance(error, DBAPIError):
        return describe_database_failure(error, lock_holders)
    if isinstance(error, RetryableError | UncertainWrite):
        return NeedsUserAction(
            "remote_unavailable",
            error.message,
            "Try again later; a write that may have been applied is read back before it is sent "
            "again.",
            detail=error.detail,
        )
    if isinstance(error, OSError) and error.filename:
        return NeedsUserAction(
            "file_unusable",
            f"{error.filename}: {error.strerror or type(error).__name__}.",
            "Check the path and its permissions, then run the command again.",
        )
    return None
