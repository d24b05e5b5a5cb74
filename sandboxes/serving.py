"""What both sandboxes do the same way: injected faults, request counts, control routes, serving.

Injected faults are applied to every path but the control API's, before
authentication: a 429, 500 or 401 fault answers at once with the system's
own body (each sandbox passes its answers); a ``timeout`` fault serves the
request (a write is applied) and holds the answer for the sandbox's
``timeout_delay``, longer than a client waits; a ``delay`` fault does the
same for its own ``seconds``; an ``apply_then_drop`` fault
serves the request, then shuts the socket down so the client gets no answer
at all. Under Flask's test client there is no socket, so such a request
raises ``ConnectionAbortedError`` instead. Requests are counted
(``sandboxes.stats``) once answered, before a held or dropped answer goes
out, so the counts never wait for a delay.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Mapping

from flask import Blueprint, Flask, Response, g, jsonify, request
from werkzeug.serving import make_server

from sandboxes.faults import FaultBook, fault_of
from sandboxes.stats import RequestStats, endpoint_key

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
        fault = book().take(request.method, request.path)
        if fault is None:
            return None
        kind = fault.kind
        logger.info("%s sandbox fault %s on %s %s", system, kind, request.method, request.path)
        if kind in answers:
            return answers[kind]()
        g.late_fault = kind
        g.late_fault_delay = fault.seconds if fault.seconds is not None else timeout_delay()
        return None

    app.before_request(injected_fault)
    app.after_request(_late_fault)


def install_stats(
    app: Flask,
    stats: Callable[[], RequestStats],
    wrote: Callable[[Response], bool],
    placeholders: Mapping[str, str],
) -> None:
    """Count ``app``'s answered requests; install after ``install_faults`` (so it runs first).

    ``wrote`` tells whether an answered request created, changed or deleted
    something; ``placeholders`` names the URL variables written as
    placeholders in the ``by_path`` keys.
    """

    def count(response: Response) -> Response:
        if not request.path.startswith(CONTROL_PREFIX):
            rule = request.url_rule.rule if request.url_rule is not None else None
            key = endpoint_key(request.method, request.path, rule, request.view_args, placeholders)
            stats().count(key, wrote=wrote(response), status=response.status_code)
        return response

    app.after_request(count)


def _late_fault(response: Response) -> Response:
    """After a ``timeout``, ``delay`` or ``apply_then_drop`` request: hold, or send nothing."""
    kind = g.get("late_fault")
    if kind in ("timeout", "delay"):
        time.sleep(g.late_fault_delay)
    if kind != "apply_then_drop":
        return response
    connection = request.environ.get("werkzeug.socket")
    if connection is None:
        raise ConnectionAbortedError("apply_then_drop: the request was applied, no answer sent")
    connection.shutdown(socket.SHUT_RDWR)
    return response


def add_fault_routes(
    blueprint: Blueprint,
    book: Callable[[], FaultBook],
    reset: Callable[[], None],
    stats: Callable[[], RequestStats],
) -> None:
    """``POST``/``DELETE /_sandbox/faults``, ``POST /_sandbox/reset``, ``GET /_sandbox/stats``."""

    @blueprint.post("/faults")
    def add_fault() -> Response | tuple[Response, int]:
        """Queue ``{"kind", "count", "method", "path"}`` (and ``"seconds"`` for a delay)."""
        try:
            fault = fault_of(request.get_json(silent=True))
        except ValueError as error:
            return jsonify({"error": str(error)}), 400
        book().add(fault)
        queued: dict[str, object] = {"kind": fault.kind, "count": fault.remaining}
        if fault.seconds is not None:
            queued["seconds"] = fault.seconds
        return jsonify(queued), 201

    @blueprint.get("/stats")
    def request_stats() -> Response:
        """Requests, writes and 429s since start or the last reset, and requests per endpoint."""
        return jsonify(stats().as_json())

    @blueprint.delete("/faults")
    def clear_faults() -> tuple[str, int]:
        """Drop every pending fault."""
        book().clear()
        return "", 204

    @blueprint.post("/reset")
    def reset_company() -> tuple[str, int]:
        """A new company or account holding only what a new one holds, counted afresh."""
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
