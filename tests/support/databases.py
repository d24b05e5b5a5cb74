"""Throw-away databases on SQLite, PostgreSQL and MariaDB, empty or with the service's schema.

Running every migration for every test cost more than most tests: the schema is
migrated once per session and kind (a template) and each test gets a copy.

A server that is not reachable fails the tests that need it when ``CI`` is set;
elsewhere (a laptop without PostgreSQL or MariaDB) those tests are left out,
and the session ends with one line saying which databases were not covered.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from backoffice.storage import create_database_engine
from migrations.upgrade import upgrade_schema

KINDS = ("sqlite", "postgresql", "mariadb")
SERVERS = {
    "postgresql": os.environ.get(
        "BACKOFFICE_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get(
        "BACKOFFICE_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"
    ),
}
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mariadb": "MariaDB"}
NOT_REACHABLE = "not reachable, not covered"  # how a skip for a missing server ends
CONNECT_TIMEOUT = 5  # seconds: a firewalled host must not hang the suite

_why_unreachable: dict[str, str | None] = {}  # kind -> None if it answered (tried once)


def servers_required() -> bool:
    """Whether a server that is down fails its tests (in CI) rather than skipping them."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def why_unreachable(kind: str) -> str | None:
    """Why the server of ``kind`` did not answer; None when it did. Tried once per process."""
    if kind not in _why_unreachable:
        probe = create_engine(
            SERVERS[kind], connect_args={"connect_timeout": CONNECT_TIMEOUT}, poolclass=NullPool
        )
        try:
            with probe.connect():
                _why_unreachable[kind] = None
        except OperationalError as error:
            _why_unreachable[kind] = str(error.orig)
    return _why_unreachable[kind]


def server_kind_of(item: pytest.Item) -> str | None:
    """The server a test is parametrized to run on (PostgreSQL or MariaDB), if any."""
    callspec = getattr(item, "callspec", None)
    values = callspec.params.values() if callspec is not None else ()
    return next((value for value in values if isinstance(value, str) and value in SERVERS), None)


def skip_reason(kind: str) -> str:
    """The skip message of the tests of ``kind`` when its server is down."""
    server = make_url(SERVERS[kind])
    return f"{LABELS[kind]} at {server.host}:{server.port} {NOT_REACHABLE}"


def kind_of_skip(reason: str) -> str | None:
    """The kind of database a skip message is about, when a server was down."""
    for kind, label in LABELS.items():
        if label in reason and reason.endswith(NOT_REACHABLE):
            return kind
    return None


def _admin_engine(kind: str) -> tuple[URL, Engine]:
    """The server of ``kind`` and an autocommit engine on it; skips or fails when it is down."""
    server = make_url(SERVERS[kind])
    why = why_unreachable(kind)
    if why is not None:
        if servers_required():
            pytest.fail(
                f"{LABELS[kind]} at {server.host}:{server.port} is not reachable ({why}). "
                "The storage tests must run on it: start the server (see README, Tests).",
                pytrace=False,
            )
        pytest.skip(skip_reason(kind))
    return server, create_engine(server, isolation_level="AUTOCOMMIT")


@contextmanager
def _server_database(
    kind: str, create: str = "", fill: Callable[[Connection, str], None] | None = None
) -> Iterator[str]:
    """A new database on the server of ``kind``; dropped afterwards.

    ``create`` follows its name in ``CREATE DATABASE``; ``fill`` then runs on the
    server's connection with the new database's name.
    """
    server, admin = _admin_engine(kind)
    name = f"bo_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}{create}"))
            if fill is not None:
                fill(connection, name)
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            force = " WITH (FORCE)" if kind == "postgresql" else ""
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
        admin.dispose()


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A new empty database of ``kind``; dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    with _server_database(kind) as url:
        yield url


@dataclass
class MariaDbSchema:
    """What a copy of a migrated MariaDB database needs (MariaDB has no template databases).

    ``CREATE TABLE ... LIKE`` would lose the foreign keys, so the copy replays the
    template's own ``SHOW CREATE`` statements, then copies the rows it holds
    (the Alembic revision, the default number sequences).
    """

    database: str
    tables: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, connection: Connection, database: str) -> MariaDbSchema:
        schema = cls(database)
        names = connection.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = :db"),
            {"db": database},
        ).scalars()
        for name in names:
            schema.tables.append(
                connection.exec_driver_sql(f"SHOW CREATE TABLE `{database}`.`{name}`").one()[1]
            )
            if connection.exec_driver_sql(f"SELECT 1 FROM `{database}`.`{name}` LIMIT 1").first():
                schema.filled.append(name)
        triggers = connection.execute(
            text(
                "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = :db"
                " ORDER BY event_object_table, action_timing, event_manipulation, action_order"
            ),
            {"db": database},
        ).scalars()
        for name in triggers:
            schema.triggers.append(
                connection.exec_driver_sql(f"SHOW CREATE TRIGGER `{database}`.`{name}`").one()[2]
            )
        return schema

    def copy_into(self, connection: Connection, database: str) -> None:
        connection.exec_driver_sql(f"USE `{database}`")
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        for statement in self.tables:
            connection.exec_driver_sql(statement)
        for name in self.filled:
            source = f"`{self.database}`.`{name}`"
            connection.exec_driver_sql(f"INSERT INTO `{name}` SELECT * FROM {source}")
        for statement in self.triggers:
            connection.exec_driver_sql(statement)
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")


@dataclass(frozen=True)
class Recipe:
    """What a template holds beyond the migrated schema: SQL files, then a step of its own.

    ``then`` runs on the template's URL with a data folder of its own (running
    commands, say); its name tells the templates apart.
    """

    loaded: tuple[Path, ...] = ()
    then: Callable[[str, Path], None] | None = None

    @property
    def key(self) -> tuple[tuple[Path, ...], str]:
        return self.loaded, self.then.__name__ if self.then is not None else ""


SCHEMA_ONLY = Recipe()


class MigratedDatabases:
    """Fresh databases with the service's schema at head, copied from one template per kind.

    A template may also hold what a recipe adds after the migrations (the ATS
    and its worked example, realized, which most billing tests start from).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.stack = ExitStack()
        self.templates: dict[tuple[str, tuple[tuple[Path, ...], str]], str] = {}  # -> its URL
        self.mariadb: dict[str, MariaDbSchema] = {}  # template URL -> what a copy replays

    @contextmanager
    def fresh(self, kind: str, tmp_path: Path, recipe: Recipe = SCHEMA_ONLY) -> Iterator[str]:
        """A new database of ``kind`` made by ``recipe``; dropped afterwards."""
        template = self._template(kind, recipe)
        if kind == "sqlite":
            path = tmp_path / f"db-{uuid.uuid4().hex[:8]}.sqlite"
            shutil.copyfile(make_url(template).database or "", path)
            yield f"sqlite:///{path}"
        elif kind == "postgresql":
            with _server_database(kind, f" TEMPLATE {make_url(template).database}") as url:
                yield url
        else:
            with _server_database(kind, fill=self.mariadb[template].copy_into) as url:
                yield url

    def _template(self, kind: str, recipe: Recipe) -> str:
        key = (kind, recipe.key)
        if key not in self.templates:
            folder = self.root / uuid.uuid4().hex[:8]
            folder.mkdir()
            url = self.stack.enter_context(fresh_database(kind, folder))
            engine = create_database_engine(url)
            try:
                upgrade_schema(engine)
                for path in recipe.loaded:
                    load_sql_file(engine, path)
                if recipe.then is not None:
                    recipe.then(url, folder / "var")
                with engine.connect() as connection:
                    database = make_url(url).database or ""
                    if kind == "mariadb":
                        self.mariadb[url] = MariaDbSchema.read(connection, database)
                    if kind == "postgresql":  # it copies only a template nobody is connected to
                        connection.execute(
                            text(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                " WHERE datname = :db AND pid <> pg_backend_pid()"
                            ),
                            {"db": database},
                        )
            finally:
                engine.dispose()
            self.templates[key] = url
        return self.templates[key]

    def close(self) -> None:
        """Drop the templates."""
        self.stack.close()


def load_sql_file(engine: Engine, path: Path) -> None:
    """Run a portable SQL file (the shared ATS schema, a seed) statement by statement."""
    without_comments = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
    statements = [s.strip() for s in without_comments.split(";") if s.strip()]
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
