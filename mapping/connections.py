"""Accounting system connections: which system, where, and its credentials, encrypted.

A connection's plain settings (realm or account id, base URL, environment)
are typed per system (``mapping.connection_settings``) and stored as JSON in
``settings``; everything secret (client secret, TBA keys, OAuth
tokens) is sealed by the ``Vault`` in ``secrets`` and ``tokens`` and only
ever leaves as ``Secret`` values. Tokens live apart from the other secrets
because they rotate: saving them must not rewrite (or race with) the rest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.errors import NeedsUserAction
from backoffice.secret import Secret
from backoffice.storage import Base
from backoffice.vault import Vault
from mapping.connection_settings import (
    CompanyFacts,
    ConnectionSettings,
    QboSettings,
    settings_from_json,
    settings_to_json,
    with_company,
)


class System(StrEnum):
    """The accounting systems a connection can point at (CONTRACT.md section 3)."""

    QBO = "qbo"
    NETSUITE = "netsuite"
    QBO_SANDBOX = "qbo-sandbox"
    NETSUITE_SANDBOX = "netsuite-sandbox"

    @property
    def family(self) -> str:
        """``qbo`` or ``netsuite``: which adapter speaks to it."""
        return "qbo" if self in (System.QBO, System.QBO_SANDBOX) else "netsuite"


NAME_LENGTH = 60


class Connection(Base):
    """One accounting system connection."""

    __tablename__ = "connection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    system: Mapped[str] = mapped_column(String(20))
    settings: Mapped[str] = mapped_column(Text)  # JSON, nothing secret
    secrets: Mapped[str] = mapped_column(Text)  # Vault token
    tokens: Mapped[str | None] = mapped_column(Text)  # Vault token, rotates
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    refresh_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


@dataclass(frozen=True)
class ConnectionRecord:
    """A connection as the adapters' factory reads it, secrets decrypted into ``Secret``."""

    id: int
    name: str
    system: System
    settings: ConnectionSettings
    secrets: dict[str, Secret]


@dataclass(frozen=True)
class ConnectionSummary:
    """A connection as people list it: never a secret, whether it holds tokens."""

    name: str
    system: System
    is_default: bool
    settings: ConnectionSettings
    is_authorized: bool


def check_connection_name(name: str) -> None:
    """Refuse a name people could not type back: empty, too long, or with invisible characters.

    The name is how every later command picks the connection (``--connection
    NAME``), and the column keeps at most ``NAME_LENGTH`` characters: a
    longer name would be cut by one database and refused by another.
    """
    problem = None
    if not name.strip():
        problem = "is empty"
    elif len(name) > NAME_LENGTH:
        problem = f"is {len(name)} characters long; at most {NAME_LENGTH} fit"
    elif name != name.strip():
        problem = "starts or ends with a space"
    elif any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        problem = "holds a control or invisible character"
    if problem is not None:
        raise NeedsUserAction(
            "bad_connection_name",
            f"The connection name {name[:NAME_LENGTH]!r} {problem}.",
            f"Choose a name of 1 to {NAME_LENGTH} visible characters, e.g. books or qbo-main.",
        )


def add_connection(
    session: Session,
    vault: Vault,
    *,
    name: str,
    system: System,
    settings: ConnectionSettings,
    secrets: dict[str, Secret],
    now: dt.datetime,
    replace: bool = False,
) -> Connection:
    """Register a connection; the first one becomes the default.

    ``replace`` gives an existing connection of the same system new settings
    and credentials, keeping its mappings and links (a restarted sandbox).
    """
    check_connection_name(name)
    existing = session.scalars(select(Connection).where(Connection.name == name)).first()
    if existing is not None and replace and existing.system == system.value:
        existing.settings = settings_to_json(settings)
        existing.secrets = vault.seal(secrets)
        existing.tokens = existing.token_expires_at = existing.refresh_expires_at = None
        existing.updated_at = now
        session.flush()
        return existing
    if existing is not None:
        raise NeedsUserAction(
            "connection_exists",
            f"There is already a connection named {name} ({existing.system}).",
            "Choose another name, or replace it to renew a connection of the same system.",
        )
    first = not has_connection(session)
    connection = Connection(
        name=name, system=system.value, settings=settings_to_json(settings),
        secrets=vault.seal(secrets), tokens=None, is_default=first, created_at=now,
        updated_at=now,
    )  # fmt: skip
    session.add(connection)
    session.flush()
    return connection


def has_connection(session: Session) -> bool:
    """Whether any connection is set up."""
    return session.scalars(select(Connection.id).limit(1)).first() is not None


def load_connection(session: Session, vault: Vault, name: str | None = None) -> ConnectionRecord:
    """The named connection, or the default one."""
    query = select(Connection)
    query = query.where(Connection.name == name) if name else query.where(Connection.is_default)
    connection = session.scalars(query).first()
    if connection is None:
        raise NeedsUserAction(
            "connection_not_found",
            f"There is no connection named {name}." if name else "No connection is set up.",
            "Add a connection (its name, its system and the system's credentials) first.",
        )
    return _record_of(connection, vault)


def load_connections_of(
    session: Session, vault: Vault, systems: tuple[System, ...]
) -> list[ConnectionRecord]:
    """Every connection to one of ``systems``, by name."""
    query = select(Connection).where(Connection.system.in_([s.value for s in systems]))
    return [_record_of(c, vault) for c in session.scalars(query.order_by(Connection.name))]


def _record_of(connection: Connection, vault: Vault) -> ConnectionRecord:
    system = System(connection.system)
    return ConnectionRecord(
        connection.id, connection.name, system,
        settings_from_json(system.family, connection.settings), vault.open(connection.secrets),
    )  # fmt: skip


def remember_company(session: Session, connection_id: int, company: CompanyFacts) -> None:
    """Keep what the remote company said of itself (home currency, multicurrency)."""
    connection = session.get_one(Connection, connection_id)
    stored = settings_from_json(System(connection.system).family, connection.settings)
    connection.settings = settings_to_json(with_company(stored, company))


def remember_realm(session: Session, connection_id: int, realm_id: str) -> None:
    """Keep the QuickBooks company a person connected (the realm id of the consent callback)."""
    connection = session.get_one(Connection, connection_id)
    stored = settings_from_json(System(connection.system).family, connection.settings)
    if not isinstance(stored, QboSettings):
        raise TypeError(f"connection {connection.name} is not a QuickBooks connection")
    connection.settings = settings_to_json(dataclasses.replace(stored, realm_id=realm_id))


def remember_secrets(
    session: Session, vault: Vault, connection_id: int, secrets: dict[str, Secret | None]
) -> None:
    """Set (or, with None, drop) secrets of a connection, the others kept."""
    connection = session.get_one(Connection, connection_id)
    kept = {**vault.open(connection.secrets), **secrets}
    connection.secrets = vault.seal({k: v for k, v in kept.items() if v is not None})


def list_connections(session: Session) -> list[ConnectionSummary]:
    """Every connection's name, system and plain settings (never a secret), by name."""
    summaries = []
    for c in session.scalars(select(Connection).order_by(Connection.name)):
        system = System(c.system)
        settings = settings_from_json(system.family, c.settings)
        summaries.append(ConnectionSummary(c.name, system, c.is_default, settings,
                                           c.tokens is not None))  # fmt: skip
    return summaries
