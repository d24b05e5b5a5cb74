"""Intuit's webhook endpoint: verify the signature, leave a pull request, answer at once.

``POST /webhooks/qbo``. The body is verified on its exact bytes against the
webhook verifier token of each QuickBooks connection (one app may serve
several companies) before anything reads it; an unsigned or wrongly signed
body answers 401 and changes nothing; a body larger than the app's request
cap is refused (413) before it is read, and a verified body that is not a
notification answers 400 and is logged without its content. A verified
notification only asks for
a pull of each named company's connection (``sync.pull_requests``): the
records are read through CDC by the sync, never taken from the notification.
Intuit expects an answer within 3 seconds, so nothing slow happens here.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
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
from mapping.connections import Connection, ConnectionRecord, System, load_connection
from sync.pull_requests import request_pull

logger = logging.getLogger(__name__)
webhooks = Blueprint("webhooks", __name__)
QBO_SYSTEMS = (System.QBO.value, System.QBO_SANDBOX.value)


@webhooks.post("/webhooks/qbo")
def qbo_notification() -> ResponseReturnValue:
    """200 with how many pulls were asked for; 401 unsigned; 400 signed but malformed."""
    runtime: Runtime = current_app.extensions["backoffice"]
    body = request.get_data(cache=False)
    signature = request.headers.get(SIGNATURE_HEADER)
    with runtime.transaction() as session:
        names = session.scalars(select(Connection.name).where(Connection.system.in_(QBO_SYSTEMS)))
        records = [load_connection(session, runtime.vault, name) for name in names]
        signed = [r for r in records if _signs(r, body, signature)]
        if not signed:
            return jsonify(status="unauthorized"), 401
        try:
            realms = changed_realms(parse_notification(body))
        except MalformedNotification as error:
            logger.warning(
                "refused a signed QBO notification of %d bytes for connection(s) %s: %s",
                len(body), ", ".join(r.name for r in signed), error,
            )  # fmt: skip
            return jsonify(status="malformed", reason=str(error)), 400
        asked = _ask_for_pulls(session, signed, realms)
    return jsonify(status="ok", pulls_requested=asked)


def _ask_for_pulls(
    session: Session, signed: list[ConnectionRecord], realms: dict[str, frozenset[str]]
) -> int:
    """A pull request for each signing connection whose company changed; how many."""
    now = utc_now()
    asked = 0
    for record in signed:
        entities = realms.get(record.settings.get("realm_id", ""))
        if entities:
            request_pull(session, record.id, f"webhook: {', '.join(sorted(entities))}", now)
            asked += 1
    return asked


def _signs(record: ConnectionRecord, body: bytes, signature: str | None) -> bool:
    verifier = record.secrets.get("webhook_verifier")
    return verifier is not None and verify_signature(body, signature, verifier)
