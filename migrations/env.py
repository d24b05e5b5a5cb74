"""Alembic environment: runs migrations on the engine ``migrations.upgrade`` passes in."""

from alembic import context

from migrations.models import metadata

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
