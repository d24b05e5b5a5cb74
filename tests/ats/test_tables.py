"""``ats/tables.py`` is the shared ``ats_schema.sql``, column for column, on every database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Numeric, String, inspect
from sqlalchemy.engine import Inspector

from ats.tables import ALL_TABLES, ats_metadata
from backoffice.storage import create_database_engine
from tests.support.databases import KINDS, fresh_database, load_sql_file
from tests.support.product_files import ATS_SCHEMA


@pytest.fixture(scope="module", params=KINDS)
def shared_inspector(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Inspector]:
    """An inspector on a fresh database of each kind holding only ``ats_schema.sql``.

    Built once per kind for the module: every test here only reads the schema.
    """
    with fresh_database(request.param, tmp_path_factory.mktemp("schema")) as url:
        engine = create_database_engine(url)
        load_sql_file(engine, ATS_SCHEMA)
        yield inspect(engine)
        engine.dispose()


@pytest.fixture
def shared_schema(shared_inspector: Inspector) -> dict[str, list[dict[str, Any]]]:
    """The columns of every table ``ats_schema.sql`` creates, as the database reflects them.

    SQLite reflects an ``INTEGER PRIMARY KEY`` as nullable although it never
    holds NULL, so primary key columns are marked not nullable here.
    """
    schema = {}
    for name in shared_inspector.get_table_names():
        key = set(shared_inspector.get_pk_constraint(name)["constrained_columns"])
        schema[name] = [
            {**column, "nullable": column["nullable"] and column["name"] not in key}
            for column in shared_inspector.get_columns(name)
        ]
    return schema


def _declared(select_column: Callable[[Any], Any]) -> dict[str, dict[str, Any]]:
    return {
        table.name: {column.name: select_column(column) for column in table.columns}
        for table in ats_metadata.sorted_tables
    }


def _reflected(
    schema: dict[str, list[dict[str, Any]]], select_column: Callable[[dict[str, Any]], Any]
) -> dict[str, dict[str, Any]]:
    return {
        table: {column["name"]: select_column(column) for column in columns}
        for table, columns in schema.items()
    }


def _decimal_places(type_: Any) -> tuple[int, int] | None:
    numeric = getattr(type_, "impl", type_)
    if not isinstance(numeric, Numeric):
        return None
    return numeric.precision, numeric.scale


def _length(type_: Any) -> int | None:
    return type_.length if isinstance(type_, String) else None


def test_mirror_has_the_shared_tables(shared_schema):
    assert set(shared_schema) == set(ats_metadata.tables)


def test_all_tables_lists_every_mirrored_table(shared_schema):
    assert {table.name for table in ALL_TABLES} == set(shared_schema)


def test_mirror_has_the_shared_columns_in_order(shared_schema):
    declared = _declared(lambda column: None)
    reflected = _reflected(shared_schema, lambda column: None)

    assert {t: list(c) for t, c in declared.items()} == {t: list(c) for t, c in reflected.items()}


def test_mirror_nullability_matches_shared_schema(shared_schema):
    declared = _declared(lambda column: column.nullable)

    assert declared == _reflected(shared_schema, lambda column: column["nullable"])


def test_mirror_decimal_precision_and_scale_match_shared_schema(shared_schema):
    declared = _declared(lambda column: _decimal_places(column.type))

    assert declared == _reflected(shared_schema, lambda column: _decimal_places(column["type"]))


def test_mirror_string_lengths_match_shared_schema(shared_schema):
    declared = _declared(lambda column: _length(column.type))

    assert declared == _reflected(shared_schema, lambda column: _length(column["type"]))


def test_mirror_primary_keys_match_shared_schema(shared_inspector):
    declared = {table.name: [column.name for column in table.primary_key] for table in ALL_TABLES}

    assert declared == {
        name: shared_inspector.get_pk_constraint(name)["constrained_columns"] for name in declared
    }


def test_mirror_foreign_keys_match_shared_schema(shared_inspector):
    declared = {
        table.name: {
            (fk.parent.name, fk.column.table.name, fk.column.name) for fk in table.foreign_keys
        }
        for table in ALL_TABLES
    }

    assert declared == {
        name: {
            (fk["constrained_columns"][0], fk["referred_table"], fk["referred_columns"][0])
            for fk in shared_inspector.get_foreign_keys(name)
        }
        for name in declared
    }


def test_mirror_indexes_exist_in_shared_schema(shared_inspector):
    inspector = shared_inspector
    reflected = {
        (table, index["name"], tuple(index["column_names"]))
        for table in ats_metadata.tables
        for index in inspector.get_indexes(table)
    }

    declared = {
        (table.name, index.name, tuple(column.name for column in index.columns))
        for table in ats_metadata.sorted_tables
        for index in table.indexes
    }
    assert declared <= reflected
