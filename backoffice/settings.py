"""Settings read from the environment (CONTRACT.md section 1).

The embedded default keeps everything under one data directory: the SQLite
database and the two keys, generated once with 0600 permissions so that a
fresh machine needs no manual step and the keys survive restarts.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

from backoffice.secret import Secret

DEFAULT_DATA_DIR = "./var"


@dataclass(frozen=True)
class Settings:
    """Where the service keeps its data and the keys it signs and encrypts with."""

    data_dir: Path
    database_url: str
    ats_database_url: str
    secret_key: Secret = field(repr=False)
    encryption_key: Secret = field(repr=False)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``environ`` (default ``os.environ``), creating defaults once."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("BACKOFFICE_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    database_url = env.get("BACKOFFICE_DATABASE_URL") or _default_database_url(data_dir)
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        ats_database_url=env.get("BACKOFFICE_ATS_DATABASE_URL") or database_url,
        secret_key=Secret(
            env.get("BACKOFFICE_SECRET_KEY")
            or _key_file(data_dir / "secret_key", lambda: secrets.token_urlsafe(48))
        ),
        encryption_key=Secret(
            env.get("BACKOFFICE_ENCRYPTION_KEY")
            or _key_file(data_dir / "encryption_key", lambda: Fernet.generate_key().decode())
        ),
    )


def _default_database_url(data_dir: Path) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'backoffice.db'}"


def _key_file(path: Path, generate: Callable[[], str]) -> str:
    """Read a key file, creating it with 0600 permissions on first use.

    ``O_EXCL`` makes two processes starting at once agree on one key: the
    loser of the race reads the winner's file instead of overwriting it.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(generate())
    return path.read_text().strip()
