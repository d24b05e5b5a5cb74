"""The control API under ``/_sandbox`` (CONTRACT.md section 5), not part of QBO's.

``GET /_sandbox/info`` hands out what a connection needs: the base URL to
which adapters append ``/v3/company/<realm>/...``, the realm, a valid access
token, the current refresh token, the app's client id and secret and the
webhook verifier token. ``POST /_sandbox/faults`` queues a fault,
``DELETE /_sandbox/faults`` clears them, ``POST /_sandbox/reset`` gives a
new company (same realm and credentials) and clears faults and counts,
``GET /_sandbox/stats`` answers the request counts (``sandboxes.stats``).
``POST /_sandbox/webhooks`` with ``{"url": ..., "format": "legacy" |
"cloudevents"}`` sets where change notifications go (``url`` null stops
them).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from sandboxes.qbo.sandbox import Sandbox
from sandboxes.serving import CONTROL_PREFIX, add_fault_routes

blueprint = Blueprint("qbo_control", __name__, url_prefix=CONTROL_PREFIX)


def _sandbox() -> Sandbox:
    found: Sandbox = current_app.extensions["qbo_sandbox"]
    return found


add_fault_routes(
    blueprint, lambda: _sandbox().faults, lambda: _sandbox().reset(), lambda: _sandbox().stats
)


@blueprint.get("/info")
def info() -> Response:
    """Credentials and where the API is."""
    box = _sandbox()
    return jsonify(
        {
            "base_url": request.host_url.rstrip("/"),
            "realm_id": box.realm_id,
            "access_token": box.tokens.usable_access_token(box.clock()),
            "refresh_token": box.tokens.refresh_token,
            "client_id": box.options.client_id,
            "client_secret": box.options.client_secret,
            "webhook_verifier": box.options.webhook_verifier,
        }
    )


@blueprint.post("/webhooks")
def configure_webhooks() -> Response | tuple[Response, int]:
    """Where change notifications go, and in which format."""
    body = request.get_json(silent=True) or {}
    url = body.get("url")
    try:
        _sandbox().notifier.configure(str(url) if url else None, str(body.get("format", "legacy")))
    except ValueError as error:
        return jsonify({"error": str(error)}), 400
    return jsonify({"url": url, "format": body.get("format", "legacy")})
