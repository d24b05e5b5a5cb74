"""Requests to pull a connection's remote changes soon, from webhooks (or people).

A webhook only says that something changed; it never carries the records.
Its endpoint answers fast (Intuit waits 3 seconds) and leaves a request here;
the sync engine's pull reads the changes through the adapter (CDC) and drops
the requests it has served. Several requests for one connection are served
by one pull.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.storage import Base


class PullRequest(Base):
    """One reason to pull a connection's changes."""

    __tablename__ = "pull_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connection.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime)


def request_pull(session: Session, connection_id: int, reason: str, now: dt.datetime) -> None:
    """Ask for a pull of ``connection_id``'s changes."""
    session.add(PullRequest(connection_id=connection_id, reason=reason[:200], requested_at=now))
