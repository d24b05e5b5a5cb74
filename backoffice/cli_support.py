"""What every command of the ``backoffice`` command line shares.

The runtime (settings, engines) built once per invocation, the turning of
``NeedsUserAction`` into a message and exit code 1, and JSON output, which
streams long lists so a 100,000-invoice batch is never one string in memory.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar

import click

from backoffice.errors import NeedsUserAction
from backoffice.logs import register_secret
from backoffice.runtime import Runtime
from backoffice.settings import load_settings

F = TypeVar("F", bound=Callable[..., Any])


def current_runtime() -> Runtime:
    """The invocation's runtime, built on first use and disposed when the command ends."""
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


def handles_user_errors(command: F) -> F:
    """Turn ``NeedsUserAction`` into its message on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except NeedsUserAction as error:
            fail(error)

    return wrapper  # type: ignore[return-value]


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
