"""A database that cannot be used, as a message naming the setting to fix.

SQLAlchemy's own errors run to a hundred lines of traceback that name neither
the setting nor what to do. ``open_engine`` refuses a URL SQLAlchemy cannot
read and tags every later error of the engine with the setting its URL came
from; ``describe_database_failure`` turns the failures a person can fix (a
server that does not answer, a file that cannot be opened or written, a
write lock held too long) into ``NeedsUserAction``. Passwords never show:
URLs are quoted masked, and their passwords are registered for log redaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import ExceptionContext
from sqlalchemy.exc import ArgumentError, DBAPIError

from backoffice.errors import NeedsUserAction
from backoffice.logs import register_secret
from backoffice.secret import MASK, Secret
from backoffice.settings import BUSY_TIMEOUT_SETTING, DATABASE_URL_SETTING
from backoffice.storage import create_database_engine

URL_EXAMPLES = (
    "sqlite:////srv/backoffice/backoffice.db, postgresql+psycopg://user:password@host/db "
    "or mysql+pymysql://user:password@host/db"
)
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@]*(@)")
_LOCKED = ("database is locked", "database table is locked", "lock wait timeout", "lock timeout")
_CONFLICT = ("deadlock", "could not serialize access")
_UNWRITABLE = ("readonly database", "read-only", "unable to open database file",
               "disk i/o error", "database or disk is full")  # fmt: skip


@dataclass(frozen=True)
class DatabaseSource:
    """Which setting an engine's URL came from, the URL masked, and its busy timeout."""

    setting: str
    masked_url: str
    busy_timeout: float


def mask_url(url: str) -> str:
    """``url`` with its password replaced by the mask, even when SQLAlchemy cannot parse it."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _PASSWORD_IN_URL.sub(rf"\g<1>{MASK}\g<2>", url)


def open_engine(url: str, setting: str, *, busy_timeout: float) -> Engine:
    """The engine of the database ``setting`` names; a URL it cannot use is ``NeedsUserAction``."""
    source = DatabaseSource(setting, mask_url(url), busy_timeout)
    try:
        password = make_url(url).password
        if password:
            register_secret(Secret(str(password)))
        engine = create_database_engine(url, busy_timeout=busy_timeout)
    except (ArgumentError, ValueError) as error:
        raise NeedsUserAction(
            "bad_database_url",
            f"{setting} is not a database URL this service can use ({source.masked_url}).",
            f"Set {setting} to a URL like {URL_EXAMPLES}.",
            detail=f"{type(error).__name__}",
        ) from error

    def tag(context: ExceptionContext) -> None:
        if context.sqlalchemy_exception is not None:
            context.sqlalchemy_exception.database_source = source  # type: ignore[attr-defined]

    event.listen(engine, "handle_error", tag)
    return engine


def describe_database_failure(
    error: DBAPIError, lock_holders: Callable[[], Sequence[str]] = tuple
) -> NeedsUserAction | None:
    """What to do about ``error``; None when it is not a failure a person can fix (a bug).

    ``lock_holders`` names the job locks held now; it is asked only when the
    database is busy.
    """
    source: DatabaseSource = getattr(
        error, "database_source", DatabaseSource(DATABASE_URL_SETTING, "(unknown)", 0.0)
    )
    reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
    lowered = reason.lower()
    if any(words in lowered for words in _LOCKED):
        return _busy(source, lock_holders(), reason)
    if any(words in lowered for words in _CONFLICT):
        return NeedsUserAction(
            "database_conflict",
            f"Another command wrote the same records at the same moment ({reason}); the database "
            "rolled this command's last transaction back.",
            "Run the command again.",
        )
    if any(words in lowered for words in _UNWRITABLE):
        return NeedsUserAction(
            "database_unusable",
            f"The database of {source.setting} ({source.masked_url}) cannot be opened or "
            f"written: {reason}.",
            f"Check that its file and directory exist and are writable by this user, or set "
            f"{source.setting} to another database.",
        )
    if error.statement is None or error.connection_invalidated:
        return NeedsUserAction(
            "database_unreachable",
            f"The database of {source.setting} ({source.masked_url}) cannot be reached: {reason}.",
            f"Check that the server is running and that {source.setting} names the right host, "
            "port, database, user and password.",
        )
    return None


def _busy(source: DatabaseSource, lock_holders: Sequence[str], reason: str) -> NeedsUserAction:
    """Busy: who holds a job lock if anyone does, and how long a SQLite writer waited."""
    if lock_holders:
        held = f" Job locks held now: {'; '.join(lock_holders)}."
    else:
        held = (" No job lock is held: the writer is a command that takes none (invoice "
                "approve, catalog import...) or another program using the database.")  # fmt: skip
    is_sqlite = source.masked_url.startswith("sqlite")
    waited = f" after waiting up to {source.busy_timeout:g} s" if is_sqlite else ""
    return NeedsUserAction(
        "database_busy",
        f"The database of {source.setting} is busy: another process holds its write lock "
        f"({reason}){waited}.{held}",
        "Wait for the other command to finish, then run this one again"
        + (f" ({BUSY_TIMEOUT_SETTING} sets how many seconds to wait)." if is_sqlite else "."),
    )
