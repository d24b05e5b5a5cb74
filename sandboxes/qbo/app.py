"""``create_app`` and ``serve``: the QBO sandbox as a Flask app on a threaded werkzeug server.

Injected faults (``sandboxes.serving``) answer with QBO's bodies: a
429 is its XML throttle, a 500 a SystemFault, a 401 the expired-token fault;
a ``timeout`` or ``delay`` keeps its slot of the realm's concurrency limit
while it waits. A request counts as a write when it noted a change (the
same changes webhooks report); ``by_path`` keys write the realm
``{realm}`` and a record id ``{id}``.
"""

from __future__ import annotations

from flask import Flask, g

from sandboxes.qbo import api, control, oauth
from sandboxes.qbo.errors import ApiError, system_failure
from sandboxes.qbo.sandbox import Sandbox, SandboxOptions
from sandboxes.qbo.state import Clock, system_clock
from sandboxes.qbo.webhooks import Notifier, Sender, post_webhook
from sandboxes.serving import install_faults, install_stats
from sandboxes.serving import serve as serve_app


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
    install_faults(
        app, "qbo", lambda: api.sandbox().faults, lambda: api.sandbox().options.timeout_delay,
        {"429": api.throttled, "500": lambda: api.fault_answer(system_failure()),
         "401": lambda: api.unauthorized(f"Token expired: {oauth.bearer_token() or ''}"[:65])},
    )  # fmt: skip
    install_stats(
        app, lambda: api.sandbox().stats, lambda _response: bool(g.get("wrote")),
        {"realm": "{realm}", "record_id": "{id}"},
    )  # fmt: skip
    app.register_error_handler(ApiError, api.fault_answer)
    return app


def serve(port: int, host: str = "127.0.0.1") -> None:
    """Run a new sandbox until interrupted (``backoffice sandbox qbo --port P``)."""
    serve_app(create_app, port, host)
