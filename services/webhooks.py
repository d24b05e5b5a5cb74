"""Intuit's webhooks: verify a notification, then ask for a pull of each company it names.

The body is verified on its exact bytes against the webhook verifier token
of each QuickBooks connection (one app may serve several companies) before
anything reads it. A verified notification only asks for a pull of each
named company's connection (``sync.pull_requests``): the records are read
through CDC by the sync, never taken from the notification. Intuit expects
an answer within 3 seconds, so nothing slow happens here.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from adapters.qbo.webhooks import (
    SIGNATURE_HEADER,
    MalformedNotification,
    changed_realms,
    parse_notification,
    verify_signature,
)
from backoffice.clock import utc_now
from backoffice.runtime import Runtime
from mapping.connection_settings import QboSettings
from mapping.connections import ConnectionRecord, System, load_connections_of
from sync.pull_requests import request_pull

__all__ = ["QBO_SIGNATURE_HEADER", "NotificationOutcome", "Verdict", "accept_qbo_notification"]

logger = logging.getLogger(__name__)
QBO_SIGNATURE_HEADER = SIGNATURE_HEADER  # the request header Intuit signs the body in
QBO_SYSTEMS = (System.QBO, System.QBO_SANDBOX)


class Verdict(StrEnum):
    """What became of a notification; the values are the endpoint's ``status``."""

    ACCEPTED = "ok"
    UNVERIFIED = "unauthorized"  # unsigned, or signed by no connection: nothing changes
    MALFORMED = "malformed"  # signed, but not a notification: nothing changes


@dataclass(frozen=True)
class NotificationOutcome:
    """The verdict on a notification, how many pulls it asked for, and why it was refused."""

    verdict: Verdict
    pulls_requested: int = 0
    reason: str | None = None


def accept_qbo_notification(
    runtime: Runtime, body: bytes, signature: str | None
) -> NotificationOutcome:
    """Verify ``body`` against ``signature``; a pull request per changed company if it holds.

    A refused body is logged by its size and the connections that signed it,
    never by its content (it may be anyone's).
    """
    with runtime.transaction() as session:
        signed = [
            record
            for record in load_connections_of(session, runtime.vault, QBO_SYSTEMS)
            if _signs(record, body, signature)
        ]
        if not signed:
            return NotificationOutcome(Verdict.UNVERIFIED)
        try:
            realms = changed_realms(parse_notification(body))
        except MalformedNotification as error:
            logger.warning(
                "refused a signed QBO notification of %d bytes for connection(s) %s: %s",
                len(body), ", ".join(r.name for r in signed), error,
            )  # fmt: skip
            return NotificationOutcome(Verdict.MALFORMED, reason=str(error))
        asked = _ask_for_pulls(session, signed, realms, utc_now())
    return NotificationOutcome(Verdict.ACCEPTED, pulls_requested=asked)


def _ask_for_pulls(
    session: Session,
    signed: list[ConnectionRecord],
    realms: dict[str, frozenset[str]],
    now: dt.datetime,
) -> int:
    """A pull request for each signing connection whose company changed; how many."""
    asked = 0
    for record in signed:
        realm_id = record.settings.realm_id if isinstance(record.settings, QboSettings) else ""
        entities = realms.get(realm_id)
        if entities:
            request_pull(session, record.id, f"webhook: {', '.join(sorted(entities))}", now)
            asked += 1
    return asked


def _signs(record: ConnectionRecord, body: bytes, signature: str | None) -> bool:
    verifier = record.secrets.get("webhook_verifier")
    return verifier is not None and verify_signature(body, signature, verifier)
