"""A connection's links in the database: which remote record a Billto or a product is.

A person links a Billto to an existing remote customer, or a product to an
existing remote item, instead of letting the sync create one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mapping.models import LinkOrigin, LocalKind, RemoteLink


def save_link(
    session: Session,
    connection_id: int,
    kind: LocalKind,
    key: str,
    remote: tuple[str, str | None],
    now: dt.datetime,
) -> None:
    """Link the local record ``key`` of ``kind`` to the remote record ``remote`` (id, name).

    A link chosen by a person replaces any earlier one; the remote version is
    forgotten, the next update reads it again.
    """
    link = session.scalars(
        select(RemoteLink).where(
            RemoteLink.connection_id == connection_id,
            RemoteLink.local_kind == kind.value,
            RemoteLink.local_key == key,
        )
    ).first()
    if link is None:
        link = RemoteLink(connection_id=connection_id, local_kind=kind.value, local_key=key)
        session.add(link)
    link.remote_id, link.remote_name = remote
    link.remote_version = None
    link.origin = LinkOrigin.LINKED.value
    link.updated_at = now
    session.flush()


def delete_link(session: Session, connection_id: int, kind: LocalKind, key: str) -> bool:
    """Forget which remote record ``key`` is; False if it was not linked.

    The next push that needs it creates the remote record, or links one of
    the same name.
    """
    removed = session.execute(
        delete(RemoteLink).where(
            RemoteLink.connection_id == connection_id,
            RemoteLink.local_kind == kind.value,
            RemoteLink.local_key == key,
        )
    )
    return bool(getattr(removed, "rowcount", 0))


def load_chosen_links(session: Session, connection_id: int) -> list[RemoteLink]:
    """The links to existing remote records (not those the sync created), by kind and key."""
    return list(session.scalars(
        select(RemoteLink)
        .where(RemoteLink.connection_id == connection_id,
               RemoteLink.origin == LinkOrigin.LINKED.value)
        .order_by(RemoteLink.local_kind, RemoteLink.local_key)
    ))  # fmt: skip
