from importlib.metadata import entry_points

import pytest

from cli.main import main

CONTRACT_COMMANDS = [
    ["db", "upgrade"], ["demo-data"], ["catalog", "import"], ["catalog", "export"], ["realize"],
    ["fees", "list"], ["fees", "blocked"], ["invoice", "run"], ["invoice", "approve"],
    ["invoice", "list"], ["invoice", "show"], ["invoice", "export"], ["connection", "add"],
    ["sync"], ["reconcile"], ["sync-log"], ["web"], ["worker"], ["sandbox"],
]  # fmt: skip


@pytest.mark.parametrize("command", CONTRACT_COMMANDS, ids=" ".join)
def test_every_contract_command_has_help(sqlite_runner, command):
    result = sqlite_runner(*command, "--help")

    assert result.exit_code == 0, result.output
    assert "Usage: " in result.stdout


def test_top_level_help_lists_the_commands(sqlite_runner):
    listed = sqlite_runner("--help").stdout

    for name in {c[0] for c in CONTRACT_COMMANDS}:
        assert f"  {name} " in listed


def test_commands_not_built_yet_say_so_and_exit_2(sqlite_runner):
    result = sqlite_runner("sync")

    assert result.exit_code == 2
    assert "not built yet" in result.stderr
    assert "the sync engine" in result.stderr


def test_bad_usage_exits_2(sqlite_runner):
    assert sqlite_runner("invoice", "run").exit_code == 2  # --through is required
    assert sqlite_runner("no-such-command").exit_code == 2


def test_backoffice_console_script_runs_this_cli():
    (script,) = entry_points(group="console_scripts", name="backoffice")

    assert script.load() is main
