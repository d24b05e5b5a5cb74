"""Storage: the declarative base, the exact-decimal column type and engines.

One engine factory serves the service's database and the ATS database on
SQLite, PostgreSQL (psycopg 3) and MariaDB (PyMySQL), so no other module needs
to know which server it talks to.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Numeric, create_engine, event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of the service's own tables; Alembic compares against its metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ExactDecimal(TypeDecorator[Decimal]):
    """A DECIMAL column that always reads back as an exact ``Decimal``.

    PostgreSQL and MariaDB return ``Decimal`` natively. SQLite keeps DECIMAL as
    INTEGER or REAL, so on SQLite the value goes through ``str()`` before it
    becomes a ``Decimal`` (CONTRACT.md section 6) and is then quantized to the
    column's scale; arithmetic never touches the float.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.scale = scale
        self.exponent = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """On SQLite, read the raw number so it can go through ``str``."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(asdecimal=False))
        return dialect.type_descriptor(self.impl_instance)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Refuse floats; hand SQLite the decimal's text so nothing is rounded."""
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError(f"refusing float {value!r} for a DECIMAL column: use Decimal")
        if dialect.name == "sqlite":
            return str(value)
        return Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """An exact ``Decimal`` at the column's scale."""
        if value is None:
            return None
        return Decimal(str(value)).quantize(self.exponent)


DEFAULT_BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for another writer
PRIVATE_FILE = 0o600


def create_database_engine(
    url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, **kwargs: Any
) -> Engine:
    """An engine with the per-server settings the service relies on.

    SQLite gets foreign keys and a busy timeout (``busy_timeout`` seconds) so
    that a second process waits for a writer instead of failing at once, and
    its file is made readable by its owner only (it holds sealed credentials
    and every invoice); MariaDB gets utf8mb4.
    """
    if url.startswith("mysql") and "charset=" not in url:
        url += ("&" if "?" in url else "?") + "charset=utf8mb4"
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": busy_timeout})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _make_sqlite_file_private(engine.url.database)
        event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _make_sqlite_file_private(database: str | None) -> None:
    """Create the database file owner-only before SQLite does, or tighten an existing one.

    SQLite creates its ``-wal`` and ``-shm`` files with the permissions of the
    database file, so this one file decides for all three. An in-memory
    database, or a directory that does not exist (SQLite reports that itself
    when it connects), is left alone.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass  # never open and close an existing file: that drops this process's SQLite locks
    except PermissionError:
        return  # a directory of someone else's: SQLite reports whether it can be used at all
    try:
        os.chmod(path, PRIVATE_FILE)
    except PermissionError:
        return  # someone else's file: SQLite reports whether it can be used at all


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Any]:
    """Sessions whose objects stay readable after commit (for printing results)."""
    return sessionmaker(engine, expire_on_commit=False)


def refresh_planner_statistics(
    connection: Connection, tables: Sequence[str], *, in_transaction: bool = False
) -> None:
    """Have the database re-count ``tables`` after a large write.

    Until PostgreSQL's autovacuum gets round to it, the planner believes a
    freshly filled table empty and may scan a million rows per look-up.
    MariaDB's ANALYZE TABLE commits the open transaction, so it is skipped
    when the caller is in the middle of one (``in_transaction``).
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql(f"ANALYZE {', '.join(tables)}")
    elif dialect in ("mysql", "mariadb"):
        if not in_transaction:
            connection.exec_driver_sql(f"ANALYZE TABLE {', '.join(tables)}")
    else:
        for name in tables:
            connection.exec_driver_sql(f"ANALYZE {name}")


def take_write_lock(connection: Connection) -> None:
    """On SQLite, take the database's write lock now, as the transaction's first statement.

    Python's sqlite3 opens a transaction only at the first write, so the
    reads before it see whatever was committed at the time and another
    writer may commit in between: a plan made from those reads would then be
    written over that writer's work. ``BEGIN IMMEDIATE`` waits (up to the
    busy timeout) for the lock instead. PostgreSQL and MariaDB take row locks
    as they go and need nothing here.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_deadlock(error: DBAPIError) -> bool:
    """Whether the server rolled the transaction back to break a deadlock (safe to retry)."""
    original = error.orig
    if getattr(original, "sqlstate", None) in ("40P01", "40001"):  # PostgreSQL
        return True
    code = original.args[0] if original is not None and original.args else None
    return code in (1213, 1205)  # MariaDB: deadlock, lock wait timeout
