"""The admin app's one error boundary: no request ends in a traceback page.

HTTP errors (404, 405, 413...) keep their status. A failure a person can act
on (``backoffice.failures``: a database that cannot be used, a wrong key)
answers 503 with its reason and action, so a load balancer or Intuit tries
again later; anything else is recorded as an incident (the traceback,
redacted, to the data dir's ``errors.log``) and answers 500 with its id only:
the caller may be anyone on the internet, so not even the log's path is shown.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from backoffice.failures import explain_failure
from backoffice.incidents import record_incident
from backoffice.locks import current_holders
from backoffice.runtime import Runtime

logger = logging.getLogger(__name__)


def install_error_boundary(app: Flask) -> None:
    """Answer every exception a view lets through as JSON, never as a traceback."""
    app.register_error_handler(Exception, answer_failure)


def answer_failure(error: Exception) -> ResponseReturnValue:
    """The answer for ``error``: its HTTP status, a 503 with what to do, or a 500 with an id."""
    if isinstance(error, HTTPException):
        return error
    runtime: Runtime = current_app.extensions["backoffice"]
    explained = explain_failure(error, lambda: current_holders(runtime.engine))
    if explained is not None:
        logger.warning("%s %s: %s", request.method, request.path, explained.message)
        return jsonify(status="unavailable", reason=explained.message,
                       action=explained.action), 503  # fmt: skip
    incident = record_incident(error, runtime.settings.data_dir, f"{request.method} {request.path}")
    logger.error("%s %s: %s", request.method, request.path, incident.summary())
    message = f"unexpected error {incident.incident_id}; details were logged on the server."
    return jsonify(status="error", error_id=incident.incident_id, message=message), 500
