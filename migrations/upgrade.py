"""Creating and upgrading the service's schema with Alembic.

Only ``db upgrade`` and the tests import this module: it pulls in Alembic and
every table of every package (``migrations.models``), which a command that just
checks the schema (``backoffice.schema``) must not pay for.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config for our migrations, bound to ``engine`` when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a no-op when it is already there."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def head_revision() -> str | None:
    """The newest migration in the migrations folder."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
