from admin import create_app
from backoffice.settings import load_settings
from backoffice.storage import create_database_engine
from migrations.upgrade import upgrade_schema


def _app(tmp_path):
    return create_app(load_settings({"BACKOFFICE_DATA_DIR": str(tmp_path)}))


def test_health_is_503_with_the_fix_until_the_schema_is_upgraded(tmp_path):
    response = _app(tmp_path).test_client().get("/healthz")

    assert response.status_code == 503
    assert "backoffice db upgrade" in response.get_json()["action"]


def test_health_is_ok_on_a_current_schema(tmp_path):
    app = _app(tmp_path)
    engine = create_database_engine(f"sqlite:///{tmp_path / 'backoffice.db'}")
    upgrade_schema(engine)
    engine.dispose()

    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
