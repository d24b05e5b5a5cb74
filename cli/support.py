"""What every command of the ``backoffice`` command line shares.

The runtime (settings, engines) built once per invocation; the one error
boundary, which turns every failure of a command into a message on stderr
and exit code 1 (a foreseen one: its message and what to do; any other: an
incident id and where its details were logged, never a traceback); and JSON
output, which streams long lists so a 100,000-invoice batch is never one
string in memory. What needs the database is imported when first used, so
``backoffice --help`` starts without loading SQLAlchemy.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import click

from backoffice.errors import BackofficeError, NeedsUserAction

if TYPE_CHECKING:
    from backoffice.runtime import Runtime

# Click's own ways of ending a command (usage errors exit 2, prompts aborted) stay click's.
CLICK_ENDINGS = (click.exceptions.ClickException, click.exceptions.Abort,
                 click.exceptions.Exit, EOFError, KeyboardInterrupt)  # fmt: skip


def current_runtime() -> Runtime:
    """The invocation's runtime, built on first use and disposed when the command ends."""
    from backoffice.logs import register_secret
    from backoffice.runtime import Runtime  # engines and sessions: only once a command needs them
    from backoffice.settings import load_settings

    ctx = click.get_current_context()
    runtime = ctx.find_object(Runtime)
    if runtime is None:
        settings = load_settings()
        register_secret(settings.secret_key)
        register_secret(settings.encryption_key)
        runtime = Runtime(settings)
        ctx.find_root().obj = runtime
        ctx.call_on_close(runtime.dispose)
    return runtime


def fail(error: NeedsUserAction) -> NoReturn:
    """Say what went wrong, each thing to fix, and what to do; exit 1."""
    click.echo(f"Error: {error.message}", err=True)
    for issue in error.issues:
        click.echo(f"  - {issue}", err=True)
    click.echo(error.action, err=True)
    sys.exit(1)


class ErrorBoundary(click.Group):
    """The root command group: no failure below it leaves as a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; any failure ends as its message and exit 1."""
        try:
            return super().invoke(ctx)
        except CLICK_ENDINGS:
            raise
        except Exception as error:
            fail_on(error, ctx)


def fail_on(error: Exception, ctx: click.Context) -> NoReturn:
    """A foreseen failure's message and action, else an incident id; exit 1 either way."""
    from backoffice.failures import explain_failure
    from backoffice.incidents import record_incident
    from backoffice.locks import current_holders
    from backoffice.runtime import Runtime
    from backoffice.settings import configured_data_dir

    runtime = ctx.find_object(Runtime)
    explained = explain_failure(
        error, lambda: current_holders(runtime.engine) if runtime is not None else []
    )
    if explained is not None:
        fail(explained)
    data_dir = runtime.settings.data_dir if runtime else configured_data_dir(os.environ)
    command = " ".join(filter(None, (ctx.command_path, ctx.invoked_subcommand)))
    incident = record_incident(error, data_dir, f"`{command}`")
    if isinstance(error, BackofficeError):  # a broken invariant: its sentence is safe to show
        click.echo(f"Error: {error.message}", err=True)
    click.echo(f"Error: {incident.summary()}.", err=True)
    click.echo("Report that id to whoever runs this service.", err=True)
    sys.exit(1)


def print_json(data: object) -> None:
    """``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def write_json_list(items: Iterable[object], *, indent: str = "") -> int:
    """A JSON list written item by item; returns how many items it held."""
    count = 0
    click.echo("[", nl=False)
    for item in items:
        click.echo(",\n" if count else "\n", nl=False)
        click.echo(indent + json.dumps(item, default=str, ensure_ascii=False), nl=False)
        count += 1
    click.echo(f"\n{indent}]" if count else "]", nl=False)
    return count


@contextmanager
def told_where(**actions: str) -> Iterator[None]:
    """Say where on the command line to do what a service's refusal asks, by its code.

    Services word their actions for any interface ("realize again once they
    have finished"); the command line replaces them with the command that does
    it, for the codes it knows.
    """
    try:
        yield
    except NeedsUserAction as error:
        if error.code in actions:
            error.action = actions[error.code]
        raise
