import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from backoffice.settings import load_settings
from backoffice.storage import create_database_engine


def test_defaults_keep_everything_under_the_data_dir(tmp_path):
    settings = load_settings({"BACKOFFICE_DATA_DIR": str(tmp_path / "var")})

    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'backoffice.db'}"
    assert settings.ats_database_url == settings.database_url


def test_keys_are_generated_once_with_owner_only_permissions(tmp_path):
    env = {"BACKOFFICE_DATA_DIR": str(tmp_path)}
    first, second = load_settings(env), load_settings(env)

    assert first.secret_key.reveal() == second.secret_key.reveal()
    assert first.encryption_key.reveal() == second.encryption_key.reveal()
    Fernet(first.encryption_key.reveal())  # a valid Fernet key
    for name in ("secret_key", "encryption_key"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


def test_environment_overrides_defaults(tmp_path):
    key = Fernet.generate_key().decode()
    settings = load_settings(
        {
            "BACKOFFICE_DATA_DIR": str(tmp_path),
            "BACKOFFICE_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "BACKOFFICE_ATS_DATABASE_URL": "mysql+pymysql://u@h/ats",
            "BACKOFFICE_ENCRYPTION_KEY": key,
            "BACKOFFICE_SECRET_KEY": "s" * 40,
        }
    )

    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.ats_database_url == "mysql+pymysql://u@h/ats"
    assert settings.encryption_key.reveal() == key
    assert not (tmp_path / "encryption_key").exists()


def test_keys_never_print(tmp_path):
    settings = load_settings({"BACKOFFICE_DATA_DIR": str(tmp_path)})

    printed = repr(settings) + str(settings.encryption_key) + repr(settings.secret_key)
    assert settings.encryption_key.reveal() not in printed
    assert settings.secret_key.reveal() not in printed


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_dir_and_the_default_database_are_owner_only(sqlite_runner, tmp_path):
    data_dir = tmp_path / "fresh"
    env = {"BACKOFFICE_DATA_DIR": str(data_dir), "BACKOFFICE_DATABASE_URL": ""}

    assert sqlite_runner("db", "upgrade", env=env).exit_code == 0

    assert mode(data_dir) == 0o700
    files = sorted(p.name for p in data_dir.iterdir())
    assert "backoffice.db" in files
    for name in files:  # the database, its -wal and -shm, the keys
        assert mode(data_dir / name) == 0o600, name


def test_an_existing_data_dir_and_database_are_tightened(sqlite_runner, tmp_path):
    data_dir = tmp_path / "old"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    database = data_dir / "backoffice.db"
    database.touch()
    database.chmod(0o644)
    env = {"BACKOFFICE_DATA_DIR": str(data_dir), "BACKOFFICE_DATABASE_URL": ""}

    assert sqlite_runner("db", "upgrade", env=env).exit_code == 0

    assert mode(data_dir) == 0o700
    assert mode(database) == 0o600


def test_a_sqlite_database_elsewhere_is_owner_only_too(sqlite_runner, sqlite_url):
    assert sqlite_runner("db", "upgrade").exit_code == 0

    assert mode(Path(sqlite_url.removeprefix("sqlite:///"))) == 0o600


def test_a_shared_sticky_directory_is_never_changed(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)

    load_settings({"BACKOFFICE_DATA_DIR": str(shared)})

    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777


def test_making_a_database_private_keeps_the_locks_this_process_holds(tmp_path):
    """POSIX drops every lock a process holds on a file when it closes any descriptor of it."""
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")

    create_database_engine(f"sqlite:///{path}").dispose()

    other = subprocess.run(
        [sys.executable, "-c", "import sqlite3, sys; "
         "c = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None); "
         "c.execute('BEGIN IMMEDIATE')", str(path)],
        capture_output=True, text=True,
    )  # fmt: skip
    holder.execute("ROLLBACK")
    assert other.returncode != 0 and "database is locked" in other.stderr
