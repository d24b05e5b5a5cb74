"""Creating, upgrading and checking the service's schema with Alembic.

Every command but ``db upgrade`` calls ``ensure_schema_current`` first, so a
binary newer than its database stops with the command to run instead of
failing halfway through a write.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from backoffice.errors import NeedsUserAction

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config for our migrations, bound to ``engine`` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a no-op when it is already there."""
    command.upgrade(alembic_config(engine), revision)


def head_revision() -> str | None:
    """The newest migration this code ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database was last upgraded to (None: never)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_schema_current(engine: Engine) -> None:
    """Raise ``NeedsUserAction`` unless the schema is at the code's head revision."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    state = "has no schema yet" if current is None else f"is at schema revision {current}"
    raise NeedsUserAction(
        "schema_out_of_date",
        f"The service database {state}; this version needs revision {head}.",
        "Run `backoffice db upgrade` first.",
    )
