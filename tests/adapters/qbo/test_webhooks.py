"""Webhooks: Intuit's signature vector, and both notification formats."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from adapters.qbo.webhooks import (
    EntityChange,
    changed_realms,
    parse_notification,
    verify_signature,
)
from backoffice.secret import Secret


def test_intuit_signature_vector_verifies(
    qbo_payload: Callable[[str], Any], qbo_bytes: Callable[[str], bytes]
) -> None:
    vector = qbo_payload("webhook_signature_vector.json")
    body = qbo_bytes(vector["payload_file"])
    assert verify_signature(body, vector["intuit_signature"], Secret(vector["verifier_token"]))


def test_one_changed_byte_fails_the_signature(
    qbo_payload: Callable[[str], Any], qbo_bytes: Callable[[str], bytes]
) -> None:
    vector = qbo_payload("webhook_signature_vector.json")
    body = qbo_bytes(vector["payload_file"]) + b" "
    assert not verify_signature(body, vector["intuit_signature"], Secret(vector["verifier_token"]))


def test_reformatted_body_fails_the_signature(
    qbo_payload: Callable[[str], Any], qbo_bytes: Callable[[str], bytes]
) -> None:
    vector = qbo_payload("webhook_signature_vector.json")
    pretty = json.dumps(json.loads(qbo_bytes(vector["payload_file"])), indent=2).encode()
    assert not verify_signature(
        pretty, vector["intuit_signature"], Secret(vector["verifier_token"])
    )


def test_missing_or_garbled_signature_fails(qbo_bytes: Callable[[str], bytes]) -> None:
    body = qbo_bytes("webhook_notification_legacy.json")
    token = Secret("00faeec4-08d0-4996-bb37-698ae19f0149")
    assert not verify_signature(body, None, token)
    assert not verify_signature(body, "not base64!!", token)
    assert not verify_signature(body, base64.b64encode(b"x" * 32).decode(), token)


def test_legacy_notification_lists_realm_and_entities(qbo_bytes: Callable[[str], bytes]) -> None:
    changes = parse_notification(qbo_bytes("webhook_notification_legacy.json"))
    assert changes == (
        EntityChange("1269959970", "Vendor", "40", "Update", dt.datetime(2016, 10, 5, 3, 9, 4)),
        EntityChange("1269959970", "Customer", "43", "Create", dt.datetime(2016, 10, 5, 3, 7, 4)),
    )
    assert changed_realms(changes) == {"1269959970": frozenset({"Vendor", "Customer"})}


def test_cloudevents_notification_reads_the_same_way(qbo_bytes: Callable[[str], bytes]) -> None:
    [change] = parse_notification(qbo_bytes("webhook_notification_cloudevents.json"))
    assert (change.realm_id, change.entity, change.entity_id, change.operation) == (
        "310687",
        "Class",
        "1234",
        "Create",
    )
    assert change.changed_at == dt.datetime(2025, 10, 7, 19, 59, 7, 34359)
