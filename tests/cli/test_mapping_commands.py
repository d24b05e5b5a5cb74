"""``backoffice mapping ...``: the contract's JSON shapes and exit codes, on a live QBO sandbox."""

import json

import pytest

from tests.adapters.sandbox_apps import qbo_app
from tests.sandboxes.support import live_server


@pytest.fixture
def books(sqlite_runner):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    with live_server(qbo_app()) as base_url:
        added = sqlite_runner("connection", "add", "books", "--system", "qbo-sandbox",
                              "--url", base_url)  # fmt: skip
        assert added.exit_code == 0, added.output
        yield sqlite_runner


def test_options_print_ids_and_names_as_json(books):
    listed = books("mapping", "options", "terms", "--search", "net", "--json")

    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == [{"id": "2", "name": "Net 15"},
                                         {"id": "3", "name": "Net 30"},
                                         {"id": "4", "name": "Net 60"}]  # fmt: skip


def test_options_are_a_table_and_none_found_is_a_sentence(books):
    table = books("mapping", "options", "terms", "--connection", "books")
    nothing = books("mapping", "options", "terms", "--search", "Net 90")

    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[0].split() == ["Id", "Name"]
    assert "Net 30" in table.stdout
    assert nothing.exit_code == 0
    assert nothing.stdout == "No terms records whose name holds 'Net 90'.\n"


def test_a_field_without_a_remote_list_exits_1_saying_so(books):
    refused = books("mapping", "options", "colour", "--json")

    assert refused.exit_code == 1
    assert "'colour' has no list of remote records to choose from." in refused.stderr
    assert "backoffice mapping options --help" in refused.stderr


def test_set_keeps_the_rule_with_the_remote_name(books):
    done = books("mapping", "set", "terms", "3", "--terms", "NET30", "--connection", "books")

    assert done.exit_code == 0, done.output
    assert done.stdout == "terms for terms NET30 is now 3 (Net 30).\n"


def test_set_with_two_scope_options_is_a_usage_error(books):
    refused = books("mapping", "set", "income_account", "1", "--product", "A", "--family", "B")

    assert refused.exit_code == 2
    assert "Give at most one scope option, not --product and --family." in refused.stderr


def test_set_to_an_unknown_remote_id_exits_1_naming_it_and_where_to_look(books):
    refused = books("mapping", "set", "income_account", "999")

    assert refused.exit_code == 1
    assert "The accounting system has no income_account with id '999'." in refused.stderr
    assert "Run `backoffice mapping options income_account`" in refused.stderr


def test_set_customer_without_a_billto_exits_1_with_the_reason(books):
    refused = books("mapping", "set", "customer", "1")

    assert refused.exit_code == 1
    assert "Customers are linked per billto, not per connection." in refused.stderr


def test_unset_removes_a_rule_and_says_so_when_there_was_none(books):
    assert books("mapping", "set", "terms", "3", "--terms", "NET30").exit_code == 0

    removed = books("mapping", "unset", "terms", "--terms", "NET30")
    again = books("mapping", "unset", "terms", "--terms", "NET30")

    assert removed.exit_code == 0, removed.output
    assert removed.stdout == "terms for terms NET30 is no longer mapped.\n"
    assert again.exit_code == 0
    assert again.stdout == "terms for terms NET30 was not mapped.\n"


def test_unset_with_two_scope_options_is_a_usage_error(books):
    refused = books("mapping", "unset", "income_account", "--billto", "110", "--currency", "USD")

    assert refused.exit_code == 2


def test_list_prints_rules_and_links_as_json(books):
    assert books("mapping", "set", "terms", "3", "--terms", "NET30").exit_code == 0
    assert books("mapping", "set", "item", "2", "--product", "STD_DH").exit_code == 0

    listed = books("mapping", "list", "--json")

    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == [
        {"field": "item", "scope": "product", "key": "STD_DH", "remote_id": "2",
         "remote_name": "Hours"},
        {"field": "terms", "scope": "terms", "key": "NET30", "remote_id": "3",
         "remote_name": "Net 30"},
    ]  # fmt: skip


def test_list_is_a_table_and_nothing_mapped_is_a_sentence(books):
    empty = books("mapping", "list")
    assert books("mapping", "set", "income_account", "1").exit_code == 0
    table = books("mapping", "list", "--connection", "books")

    assert empty.exit_code == 0
    assert empty.stdout == "Nothing is mapped yet: see `backoffice mapping options FIELD`.\n"
    assert table.stdout.splitlines()[0].split() == ["Field", "Scope", "Key", "Remote", "id",
                                                    "Remote", "name"]  # fmt: skip
    assert table.stdout.splitlines()[2].split() == ["income_account", "connection", "1",
                                                    "Services"]  # fmt: skip


def test_unmapped_with_no_documents_is_an_empty_json_list_or_a_sentence(books):
    listed = books("mapping", "list", "--unmapped", "--json")
    said = books("mapping", "list", "--unmapped")

    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == []
    assert said.stdout == "Nothing is unmapped: the draft and approved documents can be pushed.\n"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_unmapped_json_names_the_gap_the_drafts_it_holds_and_the_action(realized, runner):
    added = runner("connection", "add", "books", "--system", "qbo", "--client-id", "abc",
                   "--redirect-uri", "https://x", input="client-secret-1\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert runner("invoice", "run", "--through", "2023-12-31").exit_code == 0

    listed = runner("mapping", "list", "--unmapped", "--json")

    assert listed.exit_code == 0, listed.output
    gaps = json.loads(listed.stdout)
    assert [list(gap) for gap in gaps] == [["field", "scope", "key", "needed_by", "action"]] * 2
    assert [(g["field"], g["scope"], g["key"]) for g in gaps] == [
        ("income_account", "product", "STD_DH"), ("terms", "terms", "NET30")]  # fmt: skip
    assert gaps[1]["needed_by"].startswith("invoice for Billto 110 dated 2023-07-10")
    assert gaps[1]["action"] == "Map terms NET30."
