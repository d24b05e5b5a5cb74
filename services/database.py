"""The service's own schema: creating it on a new database, upgrading it on an old one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backoffice.runtime import Runtime
from backoffice.schema import current_revision
from migrations.upgrade import upgrade_schema


class SchemaChange(StrEnum):
    """What an upgrade did to the schema."""

    CREATED = "created"
    UPGRADED = "upgraded"
    CURRENT = "current"  # already at the newest revision: nothing was done


@dataclass(frozen=True)
class SchemaUpgrade:
    """The schema revision before and after an upgrade, and what that amounts to."""

    change: SchemaChange
    before: str | None  # None: the database had no schema
    after: str


def upgrade_database(runtime: Runtime) -> SchemaUpgrade:
    """Create or upgrade the service's schema to the newest revision (idempotent)."""
    before = current_revision(runtime.engine)
    upgrade_schema(runtime.engine)
    after = current_revision(runtime.engine) or ""
    if before is None:
        change = SchemaChange.CREATED
    elif before == after:
        change = SchemaChange.CURRENT
    else:
        change = SchemaChange.UPGRADED
    return SchemaUpgrade(change, before, after)
