"""``create_app`` and ``serve``: the NetSuite sandbox as a Flask app on a threaded werkzeug server.

Injected faults (``sandboxes.serving``) answer with NetSuite's bodies:
a 429 is CONCURRENCY_LIMIT_EXCEEDED with Retry-After, a 500
UNEXPECTED_ERROR, a 401 INVALID_LOGIN; a ``timeout`` or ``delay`` keeps
its concurrency slot while it waits. A write is a successful POST, PATCH,
PUT or DELETE on a record path (SuiteQL and token requests only read);
``by_path`` keys write a record's id or external id ``{id}``.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from sandboxes.netsuite import api, control, errors
from sandboxes.netsuite.sandbox import Sandbox, SandboxOptions
from sandboxes.netsuite.state import Clock, system_clock
from sandboxes.serving import install_faults, install_stats
from sandboxes.serving import serve as serve_app

WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")


def create_app(options: SandboxOptions | None = None, *, clock: Clock = system_clock) -> Flask:
    """A sandbox account behind NetSuite's REST web services."""
    app = Flask(__name__)
    app.extensions["netsuite_sandbox"] = Sandbox(options or SandboxOptions(), clock)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(control.blueprint)
    install_faults(
        app, "netsuite", lambda: api.sandbox().faults,
        lambda: api.sandbox().options.timeout_delay,
        {"429": _throttled, "500": lambda: api.error_answer(errors.unexpected_error()),
         "401": lambda: api.error_answer(errors.invalid_login())},
    )  # fmt: skip
    install_stats(app, lambda: api.sandbox().stats, _wrote, {"key": "{id}"})
    app.register_error_handler(errors.ApiError, api.error_answer)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _method_not_allowed)
    return app


def serve(port: int, host: str = "127.0.0.1") -> None:
    """Run a new sandbox until interrupted (``backoffice sandbox netsuite --port P``)."""
    serve_app(create_app, port, host)


def _wrote(response: Response) -> bool:
    """Whether a request created, changed or deleted a record."""
    is_record = request.path.startswith(f"{api.blueprint.url_prefix}/record/")
    return is_record and request.method in WRITE_METHODS and response.status_code < 300


def _throttled() -> Response:
    g.retry_after = api.sandbox().options.retry_after
    return api.error_answer(errors.concurrency_exceeded())


def _not_found(_error: Exception) -> Response:
    return api.error_answer(
        errors.ApiError(404, "INVALID_URL", f"The URL {request.path} is not valid.")
    )


def _method_not_allowed(_error: Exception) -> Response:
    return api.error_answer(errors.method_not_allowed(request.method))
