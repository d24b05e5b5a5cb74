"""The Flask admin panel: ``create_app`` builds it; nothing imports this package.

Blueprints (one per page group) are registered here; views call services and
render what they return. So far the app answers the health check that the
``web:`` process's load balancer polls and Intuit's webhooks; the panel's
pages arrive with their issue.
"""

from __future__ import annotations

from flask import Flask

from admin.errors import install_error_boundary
from admin.health import health
from admin.webhooks import webhooks
from backoffice.logs import configure_logging, register_secret
from backoffice.runtime import Runtime
from backoffice.settings import Settings, load_settings

MAX_REQUEST_BYTES = 1024 * 1024  # Intuit's notifications are a few KB; nothing else posts here


def create_app(settings: Settings | None = None) -> Flask:
    """The admin app for ``settings`` (default: from the environment).

    Request bodies are capped at ``MAX_REQUEST_BYTES``: a larger one is
    answered 413 from its Content-Length (or as soon as a streamed body
    passes the cap) before anything buffers it. Logging is configured here
    as the command line configures it, redaction included, because a web
    process (``gunicorn 'admin:create_app()'``) starts through this factory
    alone: the app's own keys are masked in every log line.
    """
    settings = settings or load_settings()
    configure_logging()
    register_secret(settings.secret_key)
    register_secret(settings.encryption_key)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key.reveal()
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    install_error_boundary(app)
    app.extensions["backoffice"] = Runtime(settings)
    app.register_blueprint(health)
    app.register_blueprint(webhooks)
    return app
