"""The migrations build the models' schema on every database, up and down again."""

import pytest
from sqlalchemy import inspect

from backoffice.errors import NeedsUserAction
from backoffice.schema import SCHEMA_HEAD, current_revision, ensure_schema_current
from migrations.upgrade import alembic_config, head_revision, upgrade_schema


@pytest.mark.databases
def test_upgrade_creates_the_schema_and_is_idempotent(database_url, make_engine):
    engine = make_engine(database_url)

    upgrade_schema(engine)
    upgrade_schema(engine)

    assert current_revision(engine) == head_revision()
    assert {"terms", "product", "pay_plan", "customer_assignment"} <= set(
        inspect(engine).get_table_names()
    )


def test_out_of_date_schema_is_refused_with_the_command_to_run(sqlite_url, make_engine):
    engine = make_engine(sqlite_url)

    with pytest.raises(NeedsUserAction, match="backoffice db upgrade"):
        ensure_schema_current(engine)


def test_commands_refuse_an_unmigrated_database(sqlite_runner):
    result = sqlite_runner("catalog", "export")

    assert result.exit_code == 1
    assert "backoffice db upgrade" in result.stderr
    assert result.stdout == ""


def test_db_upgrade_then_commands_run(sqlite_runner):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    assert sqlite_runner("catalog", "export").exit_code == 0


def test_schema_head_constant_is_the_newest_migration():
    assert head_revision() == SCHEMA_HEAD


@pytest.mark.databases
def test_migrations_build_exactly_the_models_tables(database_url, make_engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from migrations.models import metadata

    engine = make_engine(database_url)
    upgrade_schema(engine)

    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)

    assert differences == []


@pytest.mark.databases
def test_every_migration_downgrades_and_upgrades_again(database_url, make_engine):
    from alembic import command

    engine = make_engine(database_url)
    upgrade_schema(engine)

    command.downgrade(alembic_config(engine), "base")
    upgrade_schema(engine)

    assert current_revision(engine) == SCHEMA_HEAD
