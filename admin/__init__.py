"""The Flask admin panel: ``create_app`` builds it; nothing imports this package.

Blueprints (one per page group) are registered here; views call services and
render what they return. So far the app answers the health check that the
``web:`` process's load balancer polls and Intuit's webhooks; the panel's
pages arrive with their issue.
"""

from __future__ import annotations

from flask import Flask

from admin.health import health
from admin.webhooks import webhooks
from backoffice.runtime import Runtime
from backoffice.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Flask:
    """The admin app for ``settings`` (default: from the environment)."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key.reveal()
    app.extensions["backoffice"] = Runtime(settings)
    app.register_blueprint(health)
    app.register_blueprint(webhooks)
    return app
