"""Fresh, throw-away databases on SQLite, PostgreSQL and MariaDB for one test each."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

KINDS = ("sqlite", "postgresql", "mariadb")
SERVERS = {
    "postgresql": os.environ.get(
        "BACKOFFICE_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get(
        "BACKOFFICE_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"
    ),
}
LABELS = {"postgresql": "PostgreSQL", "mariadb": "MariaDB"}


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A new empty database of ``kind``; dropped afterwards. Fails if the server is down."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    server = make_url(SERVERS[kind])
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"bo_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except OperationalError as error:
        admin.dispose()
        pytest.fail(
            f"{LABELS[kind]} at {server.host}:{server.port} is not reachable ({error.orig}). "
            "The storage tests must run on it: start the server (see README, Tests).",
            pytrace=False,
        )
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            force = " WITH (FORCE)" if kind == "postgresql" else ""
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
        admin.dispose()


def load_sql_file(engine: Engine, path: Path) -> None:
    """Run a portable SQL file (the shared ATS schema, a seed) statement by statement."""
    without_comments = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
    statements = [s.strip() for s in without_comments.split(";") if s.strip()]
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
