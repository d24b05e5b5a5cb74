"""The control API under ``/_sandbox`` (CONTRACT.md section 5), not part of NetSuite's.

``GET /_sandbox/info`` hands out what a TBA connection needs: the base URL
to which adapters append ``/services/rest/...``, the account id and the
consumer and token pairs. ``POST /_sandbox/faults`` queues a fault,
``DELETE /_sandbox/faults`` clears them, ``POST /_sandbox/reset`` gives a
new account (same id and credentials) and clears faults, nonces, access
tokens and counts, ``GET /_sandbox/stats`` answers the request counts
(``sandboxes.stats``). ``POST /_sandbox/certificates`` with ``{"certificate": "<PEM>",
"certificate_id": optional}`` maps a certificate for OAuth 2.0 client
credentials and answers its id and the client id (the consumer key).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from sandboxes.netsuite.sandbox import Sandbox
from sandboxes.serving import CONTROL_PREFIX, add_fault_routes

blueprint = Blueprint("netsuite_control", __name__, url_prefix=CONTROL_PREFIX)


def _sandbox() -> Sandbox:
    found: Sandbox = current_app.extensions["netsuite_sandbox"]
    return found


add_fault_routes(
    blueprint, lambda: _sandbox().faults, lambda: _sandbox().reset(), lambda: _sandbox().stats
)


@blueprint.get("/info")
def info() -> Response:
    """Credentials and where the API is."""
    options = _sandbox().options
    return jsonify(
        {
            "base_url": request.host_url.rstrip("/"),
            "account_id": options.account_id,
            "consumer_key": options.consumer_key,
            "consumer_secret": options.consumer_secret,
            "token_id": options.token_id,
            "token_secret": options.token_secret,
        }
    )


@blueprint.post("/certificates")
def add_certificate() -> Response | tuple[Response, int]:
    """Map a certificate (or public key) PEM for the client credentials flow."""
    body = request.get_json(silent=True) or {}
    pem = body.get("certificate")
    if not isinstance(pem, str) or not pem.strip():
        return jsonify({"error": "certificate must be a PEM text"}), 400
    box = _sandbox()
    try:
        certificate = box.tokens.register(pem, body.get("certificate_id"))
    except ValueError as error:
        return jsonify({"error": f"not a certificate or public key: {error}"}), 400
    return jsonify(
        {"certificate_id": certificate.certificate_id, "client_id": box.options.consumer_key}
    ), 201
