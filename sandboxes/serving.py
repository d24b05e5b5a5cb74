"""What both sandboxes do the same way: injected faults on requests, fault routes, serving.

Injected faults are applied to every path but the control API's, before
authentication: a 429, 500 or 401 fault answers at once with the system's
own body (each sandbox passes its answers); a ``timeout`` fault serves the
request (a write is applied) and holds the answer for the sandbox's
``timeout_delay``, longer than a client waits; an ``apply_then_drop`` fault
serves the request, then shuts the socket down so the client gets no answer
at all. Under Flask's test client there is no socket, so such a request
raises ``ConnectionAbortedError`` instead.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Mapping

from flask import Blueprint, Flask, Response, g, jsonify, request
from werkzeug.serving import make_server

from sandboxes.faults import FaultBook, fault_of

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_sandbox"


def install_faults(
    app: Flask,
    system: str,
    book: Callable[[], FaultBook],
    timeout_delay: Callable[[], float],
    answers: Mapping[str, Callable[[], Response]],
) -> None:
    """Apply the pending faults of ``book`` to ``app``'s requests, answering with ``answers``."""

    def injected_fault() -> Response | None:
        if request.path.startswith(CONTROL_PREFIX):
            return None
        kind = book().take(request.method, request.path)
        if kind is None:
            return None
        logger.info("%s sandbox fault %s on %s %s", system, kind, request.method, request.path)
        if kind in answers:
            return answers[kind]()
        g.late_fault = kind
        g.late_fault_delay = timeout_delay()
        return None

    app.before_request(injected_fault)
    app.after_request(_late_fault)


def _late_fault(response: Response) -> Response:
    """After a ``timeout`` or ``apply_then_drop`` request was served: delay, or send nothing."""
    kind = g.get("late_fault")
    if kind == "timeout":
        time.sleep(g.late_fault_delay)
    if kind != "apply_then_drop":
        return response
    connection = request.environ.get("werkzeug.socket")
    if connection is None:
        raise ConnectionAbortedError("apply_then_drop: the request was applied, no answer sent")
    connection.shutdown(socket.SHUT_RDWR)
    return response


def add_fault_routes(
    blueprint: Blueprint, book: Callable[[], FaultBook], reset: Callable[[], None]
) -> None:
    """``POST``/``DELETE /_sandbox/faults`` and ``POST /_sandbox/reset`` on ``blueprint``."""

    @blueprint.post("/faults")
    def add_fault() -> Response | tuple[Response, int]:
        """Queue ``{"kind", "count", "method", "path"}``."""
        try:
            fault = fault_of(request.get_json(silent=True))
        except ValueError as error:
            return jsonify({"error": str(error)}), 400
        book().add(fault)
        return jsonify({"kind": fault.kind, "count": fault.remaining}), 201

    @blueprint.delete("/faults")
    def clear_faults() -> tuple[str, int]:
        """Drop every pending fault."""
        book().clear()
        return "", 204

    @blueprint.post("/reset")
    def reset_company() -> tuple[str, int]:
        """A new company or account holding only what a new one holds."""
        reset()
        return "", 204


def serve(create_app: Callable[[], Flask], port: int, host: str = "127.0.0.1") -> None:
    """Run a new sandbox on a threaded werkzeug server until interrupted."""
    server = make_server(host, port, create_app(), threaded=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
