"""The health check: is the process up, and is its database schema current?

A deployment routes traffic only to a ``web`` process that answers 200 here;
an out-of-date or unreachable database answers 503 with the reason.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from backoffice.errors import NeedsUserAction

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the schema is current, else 503 with what to do."""
    runtime = current_app.extensions["backoffice"]
    try:
        runtime.require_current_schema()
    except NeedsUserAction as error:
        return jsonify(status="unavailable", reason=error.message, action=error.action), 503
    except SQLAlchemyError as error:
        reason = f"the service database is unreachable ({type(error).__name__})"
        return jsonify(status="unavailable", reason=reason), 503
    return jsonify(status="ok")
