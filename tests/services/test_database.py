from backoffice.schema import SCHEMA_HEAD
from migrations.upgrade import upgrade_schema
from services.database import SchemaChange, upgrade_database
from tests.services.books import sqlite_runtime


def test_a_new_database_gets_its_schema_created(tmp_path):
    with sqlite_runtime(tmp_path, upgraded=False) as runtime:
        done = upgrade_database(runtime)

    assert (done.change, done.before, done.after) == (SchemaChange.CREATED, None, SCHEMA_HEAD)


def test_a_current_schema_is_left_as_it_is(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        done = upgrade_database(runtime)

    assert (done.change, done.before, done.after) == (
        SchemaChange.CURRENT,
        SCHEMA_HEAD,
        SCHEMA_HEAD,
    )


def test_an_older_schema_is_upgraded(tmp_path):
    with sqlite_runtime(tmp_path, upgraded=False) as runtime:
        upgrade_schema(runtime.engine, "0001")
        done = upgrade_database(runtime)

    assert (done.change, done.before, done.after) == (SchemaChange.UPGRADED, "0001", SCHEMA_HEAD)
