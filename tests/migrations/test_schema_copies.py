"""A test's copy of the session's migrated template is the migrated schema itself.

Most tests start from such a copy instead of running every migration; on
MariaDB, which has no template databases, the copy is rebuilt from the
template's own statements, so it must keep every key, index and trigger.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from migrations.upgrade import upgrade_schema
from tests.support.databases import fresh_database, load_sql_file
from tests.support.product_files import ATS_SCHEMA

TRIGGERS = {
    "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
    "postgresql": "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger"
    " WHERE NOT tgisinternal ORDER BY tgname",
    "mariadb": "SELECT trigger_name, action_statement FROM information_schema.triggers"
    " WHERE trigger_schema = DATABASE() ORDER BY trigger_name",
}


def snapshot(engine: Engine, kind: str) -> dict[str, Any]:
    """Tables, columns, keys, indexes, triggers and rows of a database."""
    inspector = inspect(engine)
    found: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        found[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in inspector.get_columns(table)
            ],
            "primary key": inspector.get_pk_constraint(table),
            "foreign keys": sorted(map(repr, inspector.get_foreign_keys(table))),
            "indexes": sorted(map(repr, inspector.get_indexes(table))),
            "unique": sorted(map(repr, inspector.get_unique_constraints(table))),
        }
    with engine.connect() as connection:
        found["triggers"] = [tuple(row) for row in connection.execute(text(TRIGGERS[kind]))]
        for table in inspector.get_table_names():
            rows = connection.execute(text(f"SELECT * FROM {table}"))
            found[f"rows of {table}"] = sorted(map(repr, rows))
    return found


@pytest.mark.databases
def test_a_copy_of_the_template_equals_a_migrated_database(
    database_kind, db, make_engine, tmp_path
):
    with fresh_database(database_kind, tmp_path) as url:
        migrated = make_engine(url)
        upgrade_schema(migrated)

        assert snapshot(db, database_kind) == snapshot(migrated, database_kind)
        assert snapshot(db, database_kind)["triggers"]
        assert snapshot(db, database_kind)["rows of number_sequence"]


@pytest.mark.databases
def test_a_copy_with_the_ats_example_equals_a_database_loaded_by_hand(
    database_kind, ats, make_engine, shared, tmp_path
):
    with fresh_database(database_kind, tmp_path) as url:
        loaded = make_engine(url)
        upgrade_schema(loaded)
        load_sql_file(loaded, ATS_SCHEMA)
        load_sql_file(loaded, shared / "examples" / "ats_seed_example.sql")

        assert snapshot(ats, database_kind) == snapshot(loaded, database_kind)
        assert snapshot(ats, database_kind)["rows of ats_placement"]
