"""Settings read from the environment (CONTRACT.md section 1).

The embedded default keeps everything under one data directory: the SQLite
database and the two keys, generated once with 0600 permissions so that a
fresh machine needs no manual step and the keys survive restarts. The
directory itself is the owner's only (0700), tightened if it already exists.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

from backoffice.errors import NeedsUserAction
from backoffice.secret import Secret
from backoffice.storage import DEFAULT_BUSY_TIMEOUT, PRIVATE_FILE

DEFAULT_DATA_DIR = "./var"
PRIVATE_DIRECTORY = 0o700
DATABASE_URL_SETTING = "BACKOFFICE_DATABASE_URL"
ATS_DATABASE_URL_SETTING = "BACKOFFICE_ATS_DATABASE_URL"
BUSY_TIMEOUT_SETTING = "BACKOFFICE_SQLITE_BUSY_TIMEOUT"


@dataclass(frozen=True)
class Settings:
    """Where the service keeps its data and the keys it signs and encrypts with."""

    data_dir: Path
    database_url: str
    ats_database_url: str
    secret_key: Secret = field(repr=False)
    encryption_key: Secret = field(repr=False)
    sqlite_busy_timeout: float = DEFAULT_BUSY_TIMEOUT  # seconds to wait for another writer


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``environ`` (default ``os.environ``), creating defaults once."""
    env = os.environ if environ is None else environ
    data_dir = configured_data_dir(env)
    database_url = env.get(DATABASE_URL_SETTING) or _default_database_url(data_dir)
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        ats_database_url=env.get(ATS_DATABASE_URL_SETTING) or database_url,
        secret_key=Secret(
            env.get("BACKOFFICE_SECRET_KEY")
            or _key_file(data_dir / "secret_key", lambda: secrets.token_urlsafe(48))
        ),
        encryption_key=Secret(
            env.get("BACKOFFICE_ENCRYPTION_KEY")
            or _key_file(data_dir / "encryption_key", lambda: Fernet.generate_key().decode())
        ),
        sqlite_busy_timeout=_busy_timeout(env.get(BUSY_TIMEOUT_SETTING)),
    )


def configured_data_dir(env: Mapping[str, str]) -> Path:
    """The data dir ``env`` names (``BACKOFFICE_DATA_DIR``), else the default, as a full path."""
    return Path(env.get("BACKOFFICE_DATA_DIR") or DEFAULT_DATA_DIR).resolve()


def _default_database_url(data_dir: Path) -> str:
    make_private_directory(data_dir)
    return f"sqlite:///{data_dir / 'backoffice.db'}"


def make_private_directory(path: Path) -> None:
    """Create ``path`` readable by its owner only, or tighten it if it is ours already.

    A shared directory (sticky, like ``/tmp``) or one owned by someone else is
    never changed: the data dir should be the service's own.
    """
    path.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    status = path.stat()
    if status.st_uid == os.getuid() and not status.st_mode & stat.S_ISVTX:
        path.chmod(PRIVATE_DIRECTORY)


def _busy_timeout(value: str | None) -> float:
    """Seconds a SQLite writer waits for another one: a number from 0 up."""
    if not value:
        return DEFAULT_BUSY_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise NeedsUserAction(
            "bad_setting",
            f"{BUSY_TIMEOUT_SETTING} is {value!r}, not a number of seconds.",
            f"Set {BUSY_TIMEOUT_SETTING} to how many seconds to wait for another writer, "
            f"e.g. {DEFAULT_BUSY_TIMEOUT:g}, or unset it.",
        )
    return seconds


def _key_file(path: Path, generate: Callable[[], str]) -> str:
    """Read a key file, creating it with 0600 permissions on first use.

    ``O_EXCL`` makes two processes starting at once agree on one key: the
    loser of the race reads the winner's file instead of overwriting it.
    """
    make_private_directory(path.parent)
    if path.exists():
        path.chmod(PRIVATE_FILE)
        return path.read_text().strip()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(generate())
    return path.read_text().strip()
