"""``create_app`` and ``serve``: the NetSuite sandbox as a Flask app on a threaded werkzeug server.

Injected faults are applied to every path but the control API's, before
authentication: a 429, 500 or 401 fault answers at once; a ``timeout``
fault serves the request (a write is applied) and holds the answer for
``timeout_delay`` seconds, longer than a client waits, keeping its
concurrency slot meanwhile; an ``apply_then_drop`` fault serves the
request, then shuts the socket down so the client gets no answer at all.
Under Flask's test client there is no socket, so such a request raises
``ConnectionAbortedError`` instead. Never imports ``adapters.netsuite``.
"""

from __future__ import annotations

import logging
import socket
import time

from flask import Flask, Response, g, request
from werkzeug.serving import make_server

from adapters.sandbox.netsuite import api, control, errors
from adapters.sandbox.netsuite.sandbox import Sandbox, SandboxOptions
from adapters.sandbox.netsuite.state import Clock, system_clock

logger = logging.getLogger(__name__)


def create_app(options: SandboxOptions | None = None, *, clock: Clock = system_clock) -> Flask:
    """A sandbox account behind NetSuite's REST web services."""
    app = Flask(__name__)
    app.extensions["netsuite_sandbox"] = Sandbox(options or SandboxOptions(), clock)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(control.blueprint)
    app.before_request(_injected_fault)
    app.after_request(_late_fault)
    app.register_error_handler(errors.ApiError, api.error_answer)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _method_not_allowed)
    return app


def serve(port: int, host: str = "127.0.0.1") -> None:
    """Run a new sandbox until interrupted (``backoffice sandbox netsuite --port P``)."""
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
    logger.info("netsuite sandbox fault %s on %s %s", kind, request.method, request.path)
    if kind == "429":
        g.retry_after = box.options.retry_after
        return api.error_answer(errors.concurrency_exceeded())
    if kind == "500":
        return api.error_answer(errors.unexpected_error())
    if kind == "401":
        return api.error_answer(errors.invalid_login())
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


def _not_found(_error: Exception) -> Response:
    return api.error_answer(
        errors.ApiError(404, "INVALID_URL", f"The URL {request.path} is not valid.")
    )


def _method_not_allowed(_error: Exception) -> Response:
    return api.error_answer(errors.method_not_allowed(request.method))
