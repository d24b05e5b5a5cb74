"""Accounting system connections: which system, where, and its credentials, encrypted.

A connection's plain settings (realm or account id, base URL, environment)
are JSON in ``settings``; everything secret (client secret, TBA keys, OAuth
tokens) is sealed by the ``Vault`` in ``secrets`` and ``tokens`` and only
ever leaves as ``Secret`` values. Tokens live apart from the other secrets
because they rotate: saving them must not rewrite (or race with) the rest.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.errors import NeedsUserAction
from backoffice.secret import Secret
from backoffice.storage import Base
from backoffice.vault import Vault


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
    settings: dict[str, Any]
    secrets: dict[str, Secret]


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
    settings: dict[str, Any],
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
        existing.settings = json.dumps(settings, sort_keys=True)
        existing.secrets = vault.seal(secrets)
        existing.tokens = existing.token_expires_at = existing.refresh_expires_at = None
        existing.updated_at = now
        session.flush()
        return existing
    if existing is not None:
        raise NeedsUserAction(
            "connection_exists",
            f"There is already a connection named {name} ({existing.system}).",
            "Choose another name, or pass --replace to renew a connection of the same system.",
        )
    first = not has_connection(session)
    connection = Connection(
        name=name, system=system.value, settings=json.dumps(settings, sort_keys=True),
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
            "Add one with `backoffice connection add NAME --system ...`.",
        )
    return ConnectionRecord(
        connection.id, connection.name, System(connection.system),
        json.loads(connection.settings), vault.open(connection.secrets),
    )  # fmt: skip


def remember_settings(session: Session, connection_id: int, **values: Any) -> None:
    """Add plain settings learned from the remote system (home currency, multicurrency)."""
    connection = session.get_one(Connection, connection_id)
    connection.settings = json.dumps({**json.loads(connection.settings), **values}, sort_keys=True)


def remember_secrets(
    session: Session, vault: Vault, connection_id: int, secrets: dict[str, Secret | None]
) -> None:
    """Set (or, with None, drop) secrets of a connection, the others kept."""
    connection = session.get_one(Connection, connection_id)
    kept = {**vault.open(connection.secrets), **secrets}
    connection.secrets = vault.seal({k: v for k, v in kept.items() if v is not None})


def list_connections(session: Session) -> list[dict[str, Any]]:
    """Every connection's name, system and plain settings (never a secret)."""
    return [
        {"name": c.name, "system": c.system, "default": c.is_default,
         "settings": json.loads(c.settings), "authorized": c.tokens is not None}
        for c in session.scalars(select(Connection).order_by(Connection.name))
    ]  # fmt: skip
