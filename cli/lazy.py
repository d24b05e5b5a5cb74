"""A command group that imports a command's module only when that command runs.

Importing every command module up front costs seconds (SQLAlchemy models,
Alembic, Flask, the accounting clients) before even ``--help`` answers. The
group knows each command by the dotted path of its click object and a short
help line, so listing the commands imports none of them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import click

from cli.support import ErrorBoundary


@dataclass(frozen=True)
class LazyCommand:
    """Where a command's click object lives (``module:attribute``) and its one-line help."""

    target: str
    short_help: str

    def load(self) -> click.Command:
        """The command itself, importing its module now."""
        module_name, attribute = self.target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        return command


class LazyGroup(ErrorBoundary):
    """The root group: commands resolved from their modules on first use."""

    def __init__(self, *args: object, lazy_commands: dict[str, LazyCommand], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, without importing any command module."""
        return sorted(self.lazy_commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command named ``cmd_name``, its module imported now if it is a lazy one."""
        lazy = self.lazy_commands.get(cmd_name)
        return None if lazy is None else lazy.load()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, from the short help lines the group was given."""
        rows = [(name, self.lazy_commands[name].short_help) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
