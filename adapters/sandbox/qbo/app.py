"""``create_app`` and ``serve``: the QBO sandbox as a Flask app on a threaded werkzeug server.

Injected faults are applied to every path but the control API's, before
authentication: a 429, 500 or 401 fault answers at once; a ``timeout``
fault serves the request (a write is applied) and holds the answer for
``timeout_delay`` seconds, longer than a client waits, keeping its slot of
the realm's concurrency limit meanwhile; an ``apply_then_drop`` fault serves
the request, then shuts the socket down so the client gets no answer at
all. Under Flask's test client there is no socket, so such a request raises
``ConnectionAbortedError`` instead.
Never imports ``adapters.qbo``.
"""

from __future__ import annotations

import logging
import socket
import time

from flask import Flask, Response, g, request
from werkzeug.serving import make_server

from adapters.sandbox.qbo import api, control, oauth
from adapters.sandbox.qbo.errors import ApiError, system_failure
from adapters.sandbox.qbo.sandbox import Sandbox, SandboxOptions
from adapters.sandbox.qbo.state import Clock, system_clock
from adapters.sandbox.qbo.webhooks import Notifier, Sender, post_webhook

logger = logging.getLogger(__name__)


def create_app(
    options: SandboxOptions | None = None,
    *,
    clock: Clock = system_clock,
    webhook_sender: Sender | None = None,
) -> Flask:
    """A sandbox company behind QBO's API; ``webhook_sender`` replaces HTTP delivery (inline)."""
    options = options or SandboxOptions()
    notifier = Notifier(
        options.webhook_verifier,
        sender=webhook_sender or post_webhook,
        is_background=webhook_sender is None,
    )
    app = Flask(__name__)
    app.extensions["qbo_sandbox"] = Sandbox(options, clock, notifier)
    app.register_blueprint(oauth.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(control.blueprint)
    app.before_request(_injected_fault)
    app.after_request(_late_fault)
    app.register_error_handler(ApiError, api.fault_answer)
    return app


def serve(port: int, host: str = "127.0.0.1") -> None:
    """Run a new sandbox until interrupted (``backoffice sandbox qbo --port P``)."""
    server = make_server(host, port, create_app(), threaded=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _injected_fault() -> Response | None:
    if request.path.startswith(control.blueprint.url_prefix or "/_sandbox"):
        return None
    box: Sandbox = api.sandbox()
    kind = box.faults.take(request.method, request.path)
    if kind is None:
        return None
    logger.info("qbo sandbox fault %s on %s %s", kind, request.method, request.path)
    if kind == "429":
        return api.throttled()
    if kind == "500":
        return api.fault_answer(system_failure())
    if kind == "401":
        return api.unauthorized(f"Token expired: {oauth.bearer_token() or ''}"[:65])
    g.late_fault = kind
    return None


def _late_fault(response: Response) -> Response:
    """After a ``timeout`` or ``apply_then_drop`` request was served: delay, or send nothing."""
    kind = g.get("late_fault")
    if kind == "timeout":
        time.sleep(api.sandbox().options.timeout_delay)
    if kind != "apply_then_drop":
        return response
    connection = request.environ.get("werkzeug.socket")
    if connection is None:
        raise ConnectionAbortedError("apply_then_drop: the request was applied, no answer sent")
    connection.shutdown(socket.SHUT_RDWR)
    return response
