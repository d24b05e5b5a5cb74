"""Intuit's webhook endpoint: verify the signature, leave a pull request, answer at once.

``POST /webhooks/qbo``. An unsigned or wrongly signed body answers 401 and
changes nothing; a body larger than the app's request cap is refused (413)
before it is read; a verified body that is not a notification answers 400.
What is verified and asked for is the service's (``services.webhooks``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from backoffice.runtime import Runtime
from services.webhooks import QBO_SIGNATURE_HEADER, Verdict, accept_qbo_notification

webhooks = Blueprint("webhooks", __name__)
STATUS_CODES = {Verdict.ACCEPTED: 200, Verdict.UNVERIFIED: 401, Verdict.MALFORMED: 400}


@webhooks.post("/webhooks/qbo")
def qbo_notification() -> ResponseReturnValue:
    """200 with how many pulls were asked for; 401 unsigned; 400 signed but malformed."""
    runtime: Runtime = current_app.extensions["backoffice"]
    body = request.get_data(cache=False)
    outcome = accept_qbo_notification(runtime, body, request.headers.get(QBO_SIGNATURE_HEADER))
    answer: dict[str, object] = {"status": outcome.verdict.value}
    if outcome.verdict is Verdict.ACCEPTED:
        answer["pulls_requested"] = outcome.pulls_requested
    if outcome.reason is not None:
        answer["reason"] = outcome.reason
    return jsonify(answer), STATUS_CODES[outcome.verdict]
