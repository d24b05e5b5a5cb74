import pytest

from backoffice.errors import NeedsUserAction
from services.catalog import export_catalog_text, import_catalog_bytes, import_catalog_file
from tests.services.books import sqlite_runtime
from tests.support.databases import load_sql_file
from tests.support.payloads import FIXTURES
from tests.support.product_files import ATS_SCHEMA, EXAMPLE_CATALOG

EXAMPLE = EXAMPLE_CATALOG


def test_an_exported_catalog_imports_back_unchanged(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        load_sql_file(runtime.engine, ATS_SCHEMA)
        load_sql_file(runtime.engine, FIXTURES / "examples" / "ats_seed_example.sql")
        first = import_catalog_file(runtime, EXAMPLE)

        again = import_catalog_bytes(runtime, export_catalog_text(runtime).encode())

    assert first.created > 0 and first.billtos_checked
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)


def test_without_an_ats_billto_table_the_import_says_ids_were_not_checked(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        summary = import_catalog_file(runtime, EXAMPLE)

    assert not summary.billtos_checked


def test_an_unreadable_file_is_refused_with_its_path(tmp_path):
    missing = tmp_path / "nowhere.yaml"

    with sqlite_runtime(tmp_path) as runtime, pytest.raises(NeedsUserAction) as refused:
        import_catalog_file(runtime, missing)

    assert refused.value.code == "catalog_unreadable"
    assert str(missing) in refused.value.message


def test_a_wrong_file_writes_nothing(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        before = export_catalog_text(runtime)
        with pytest.raises(NeedsUserAction):
            import_catalog_bytes(runtime, b"terms: [{code: NET30}]\nproducts: 7\n")

        assert export_catalog_text(runtime) == before
