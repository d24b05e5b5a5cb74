"""The command line starts without importing what only some commands need."""

import json
import subprocess
import sys

import click
import pytest

from cli.main import COMMANDS

# (intuitlib is absent: its namespace-package .pth file loads it with the interpreter.)
HEAVY = ("sqlalchemy", "alembic", "flask", "quickbooks", "requests", "cryptography", "rich")

LOADED_BY = """
import json, sys
from cli.main import cli
try:
    cli({args!r})
except SystemExit:
    pass
print(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}})))
"""


def top_level_modules_after(*args):
    code = LOADED_BY.format(args=list(args))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("args", [["--help"], ["sync"], ["sandbox", "--help"]], ids=" ".join)
def test_help_and_small_commands_import_nothing_heavy(args):
    assert top_level_modules_after(*args) & set(HEAVY) == set()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_command_loads_under_its_name_with_its_help_line(name):
    command = COMMANDS[name].load()

    assert isinstance(command, click.Command)
    assert command.name == name
    assert (command.help or "").splitlines()[0] == COMMANDS[name].short_help


def test_the_invoice_and_connection_groups_are_registered():
    assert {"invoice", "connection"} <= set(COMMANDS)
