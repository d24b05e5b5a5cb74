"""The app factory configures logging itself: a web process never logs the app's keys."""

import logging

import pytest
from flask import current_app

from admin import create_app
from backoffice.secret import MASK
from backoffice.settings import load_settings


@pytest.fixture
def bare_root_logger(monkeypatch):
    """The root logger without the command line's handler, as a fresh web process starts."""
    root = logging.getLogger()
    kept = [h for h in root.handlers if type(h).__module__ != "backoffice.logs"]
    monkeypatch.setattr(root, "handlers", kept)
    return root


def test_a_key_logged_from_a_view_is_redacted(bare_root_logger, tmp_path, capsys):
    settings = load_settings({"BACKOFFICE_DATA_DIR": str(tmp_path)})
    app = create_app(settings)

    @app.get("/careless")
    def careless():
        current_app.logger.warning("signing with %s", settings.secret_key.reveal())
        logging.getLogger("somewhere.else").warning("key=%s", settings.encryption_key.reveal())
        return "ok"

    assert app.test_client().get("/careless").status_code == 200

    logged = capsys.readouterr().err
    assert f"signing with {MASK}" in logged and f"key={MASK}" in logged
    assert settings.secret_key.reveal() not in logged
    assert settings.encryption_key.reveal() not in logged
