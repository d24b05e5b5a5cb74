"""The running service's handles: settings, the two engines and sessions.

Built once per command or process from the settings; every command but
``db upgrade`` asks for a runtime whose schema is current.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backoffice.database_failures import open_engine
from backoffice.schema import ensure_schema_current
from backoffice.settings import ATS_DATABASE_URL_SETTING, DATABASE_URL_SETTING, Settings
from backoffice.storage import make_session_factory
from backoffice.vault import Vault


@dataclass
class Runtime:
    """Settings plus lazily created engines for the service and the ATS databases."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        """The service's own database."""
        return open_engine(
            self.settings.database_url,
            DATABASE_URL_SETTING,
            busy_timeout=self.settings.sqlite_busy_timeout,
        )

    @cached_property
    def ats_engine(self) -> Engine:
        """The ATS database; the same engine when the ATS lives in the service database."""
        if self.settings.ats_database_url == self.settings.database_url:
            return self.engine
        return open_engine(
            self.settings.ats_database_url,
            ATS_DATABASE_URL_SETTING,
            busy_timeout=self.settings.sqlite_busy_timeout,
        )

    @cached_property
    def vault(self) -> Vault:
        """Seals and opens stored credentials with the encryption key."""
        return Vault(self.settings.encryption_key)

    def require_current_schema(self) -> Runtime:
        """This runtime, once the schema is known to be current (else ``NeedsUserAction``)."""
        ensure_schema_current(self.engine)
        return self

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with make_session_factory(self.engine).begin() as session:
            yield session

    def dispose(self) -> None:
        """Close the connection pools (at the end of a command)."""
        for name in ("engine", "ats_engine"):
            if name in self.__dict__:
                self.__dict__[name].dispose()
