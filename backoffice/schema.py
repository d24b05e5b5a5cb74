"""Checking that the service's schema is the one this code was written for.

Every command but ``db upgrade`` calls ``ensure_schema_current`` first, so a
binary newer than its database stops with the command to run instead of
failing halfway through a write. The check reads ``alembic_version`` with
one query against ``SCHEMA_HEAD``, the newest migration this code ships
(a test keeps the two in step), so that commands do not pay for importing
Alembic; only ``db upgrade`` does (``migrations.upgrade``).
"""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from backoffice.errors import NeedsUserAction

SCHEMA_HEAD = "0007"


def current_revision(engine: Engine) -> str | None:
    """The migration the database was last upgraded to (None: never)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


def ensure_schema_current(engine: Engine) -> None:
    """Raise ``NeedsUserAction`` unless the schema is at the code's head revision."""
    current = current_revision(engine)
    if current == SCHEMA_HEAD:
        return
    state = "has no schema yet" if current is None else f"is at schema revision {current}"
    raise NeedsUserAction(
        "schema_out_of_date",
        f"The service database {state}; this version needs revision {SCHEMA_HEAD}.",
        "Run `backoffice db upgrade` first.",
    )
