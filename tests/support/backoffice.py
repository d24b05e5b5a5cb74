"""The ``backoffice`` command line, run in-process against one service database."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from cli.main import cli


class Backoffice:
    """Runs ``backoffice`` commands in-process against one service database."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.env = {"BACKOFFICE_DATABASE_URL": database_url, "BACKOFFICE_DATA_DIR": str(data_dir)}
        self.runner = CliRunner()

    def __call__(
        self, *args: str, env: dict[str, str] | None = None, input: str | None = None
    ) -> Result:
        return self.runner.invoke(cli, list(args), env={**self.env, **(env or {})}, input=input)
