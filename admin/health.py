"""The health check: is the process up, and is its database schema current?

A deployment routes traffic only to a ``web`` process that answers 200 here;
an out-of-date or unreachable database answers 503 with the reason.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from services.health import check_health

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the schema is current, else 503 with what to do."""
    health_now = check_health(current_app.extensions["backoffice"])
    if health_now.is_ok:
        return jsonify(status="ok")
    answer = {"status": "unavailable", "reason": health_now.reason}
    if health_now.action is not None:
        answer["action"] = health_now.action
    return jsonify(answer), 503
