"""Webhook notifications for changed records, signed as Intuit signs them.

The ``intuit-signature`` header is base64(HMAC-SHA256(verifier token, the
exact body bytes)); the body is serialized once and those bytes are both
signed and sent. Two formats: the legacy ``{"eventNotifications": [...]}``
(the default) and the JSON array of CloudEvents 1.0 objects Intuit sends
to apps that opted in (``type`` ``qbo.<entity>.<operation>.v1``). Intuit
groups a few minutes of changes per notification; the sandbox sends one per
request that changed something, from a background thread so a slow
receiver never holds up the API. Delivery failures are logged and dropped,
as Intuit gives up after its retries.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import queue
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import requests

from sandboxes.qbo.records import Change

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "intuit-signature"
FORMATS = ("legacy", "cloudevents")
DELIVERY_TIMEOUT = 10.0
_CLOUD_OPERATIONS = {
    "Create": "created",
    "Update": "updated",
    "Delete": "deleted",
    "Void": "voided",
}

Sender = Callable[[str, bytes, dict[str, str]], None]


def sign(body: bytes, verifier_token: str) -> str:
    """Intuit's signature of exactly these bytes."""
    digest = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def legacy_body(realm_id: str, changes: Sequence[Change]) -> bytes:
    """``{"eventNotifications": [{"realmId", "dataChangeEvent": {"entities": [...]}}]}``."""
    entities = [
        {
            "name": change.entity,
            "id": change.record_id,
            "operation": change.operation,
            "lastUpdated": _utc_text(change),
        }
        for change in changes
    ]
    document = {
        "eventNotifications": [{"realmId": realm_id, "dataChangeEvent": {"entities": entities}}]
    }
    return json.dumps(document, separators=(",", ":")).encode()


def cloudevents_body(realm_id: str, changes: Sequence[Change]) -> bytes:
    """A JSON array of CloudEvents 1.0 objects, one per change."""
    events = [
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "intuit.sandbox",
            "type": f"qbo.{change.entity.lower()}.{_CLOUD_OPERATIONS[change.operation]}.v1",
            "time": _utc_text(change),
            "intuitentityid": change.record_id,
            "intuitaccountid": realm_id,
            "data": {},
        }
        for change in changes
    ]
    return json.dumps(events, separators=(",", ":")).encode()


def post_webhook(url: str, body: bytes, headers: dict[str, str]) -> None:
    """Deliver one notification over HTTP (the default ``Sender``)."""
    try:
        response = requests.post(url, data=body, headers=headers, timeout=DELIVERY_TIMEOUT)
        logger.info("qbo sandbox webhook %s answered %s", url, response.status_code)
    except requests.RequestException as error:
        logger.warning("qbo sandbox webhook %s failed: %s", url, type(error).__name__)


@dataclass
class Notifier:
    """Where notifications go (set through the control API) and how they are sent."""

    verifier_token: str
    sender: Sender = post_webhook
    is_background: bool = True  # tests pass a recording sender and send inline
    url: str | None = None
    format: str = "legacy"
    _queue: queue.Queue[tuple[str, bytes, dict[str, str]]] = field(default_factory=queue.Queue)
    _worker: threading.Thread | None = None

    def configure(self, url: str | None, body_format: str) -> None:
        """Send to ``url`` (None stops notifications) in ``body_format``.

        Raises:
            ValueError: an unknown format.
        """
        if body_format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")
        self.url, self.format = url, body_format

    def notify(self, realm_id: str, changes: Sequence[Change]) -> None:
        """Send one signed notification of ``changes`` (nothing when none or no URL)."""
        if not changes or not self.url:
            return
        build = cloudevents_body if self.format == "cloudevents" else legacy_body
        body = build(realm_id, changes)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, self.verifier_token),
        }
        if not self.is_background:
            self.sender(self.url, body, headers)
            return
        self._queue.put((self.url, body, headers))
        self._start_worker()

    def _start_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(
                target=self._deliver, name="qbo-sandbox-webhooks", daemon=True
            )
            self._worker.start()

    def _deliver(self) -> None:
        while True:
            url, body, headers = self._queue.get()
            self.sender(url, body, headers)
            self._queue.task_done()


def _utc_text(change: Change) -> str:
    """``2016-10-05T03:09:04.000Z``, as in Intuit's notifications."""
    moment = change.last_updated.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
