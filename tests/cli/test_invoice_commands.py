"""The ``invoice`` commands as a person and a script see them: text, JSON, exit codes.

What the commands do is tested against the services (tests/billing); here is
what the command line adds: tables in the currency's digits, the contract's
``--json`` shapes (CONTRACT.md section 3), exit codes and its own hints.
"""

import json

from ats import tables
from cli.document_tables import DocumentList
from tests.billing.realization_helpers import insert_billto, insert_placement, run_json, update_row

DOCUMENT_KEYS = [
    "number", "batch_id", "kind", "credits", "billto_id", "currency", "invoice_date",
    "due_date", "terms", "po_number", "status", "total", "balance", "memo", "void_reason",
    "lines",
]  # fmt: skip


def test_run_json_streams_the_drafts_and_an_empty_run_keeps_every_key(realized, runner):
    dry = run_json(runner, "invoice", "run", "--through", "2023-12-31", "--dry-run")
    built = run_json(runner, "invoice", "run", "--through", "2023-12-31")
    again = run_json(runner, "invoice", "run", "--through", "2023-12-31")

    assert (dry["batch_id"], dry["dry_run"], len(dry["invoices"])) == (None, True, 2)
    assert list(built) == ["batch_id", "dry_run", "invoices", "warnings"]
    assert (built["batch_id"], built["dry_run"], built["warnings"]) == (1, False, [])
    assert [list(d) for d in built["invoices"]] == [DOCUMENT_KEYS] * 2
    assert [(d["number"], d["total"]) for d in built["invoices"]] == [(None, "12500.00")] * 2
    assert again == {"batch_id": None, "dry_run": False, "invoices": [], "warnings": []}


def test_approve_json_lists_what_it_approved_and_list_json_the_same(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]

    approved = run_json(runner, "invoice", "approve", str(batch))

    assert [list(d) for d in approved] == [DOCUMENT_KEYS] * 2
    assert [(d["number"], d["status"], d["due_date"]) for d in approved] == [
        ("INV-000001", "approved", "2023-08-09"), ("INV-000002", "approved", "2023-11-07"),
    ]  # fmt: skip
    line = approved[0]["lines"][0]
    assert (line["quantity"], line["rate"], line["amount"]) == ("1", "12500.00", "12500.00")
    assert run_json(runner, "invoice", "list", "--batch", str(batch)) == approved
    assert run_json(runner, "invoice", "list") == approved


def test_approval_holding_documents_back_prints_the_approved_and_exits_1(realized, runner):
    robotics = insert_billto(realized)  # no email to send invoices to
    insert_placement(realized, billto_id=robotics)
    assert runner("realize", "--as-of", "2023-12-31").exit_code == 0
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]

    result = runner("invoice", "approve", str(batch), "--json")

    assert result.exit_code == 1
    approved = json.loads(result.stdout)
    assert [(i["billto_id"], i["number"]) for i in approved] == [
        (110, "INV-000001"), (110, "INV-000002"),
    ]  # fmt: skip
    held_batch = batch + 1
    assert f"held back, still drafts, in batch {held_batch}" in result.stderr
    assert "Billto 'Acme Robotics' has no email" in result.stderr
    assert f"backoffice invoice approve {held_batch}" in result.stderr
    update_row(realized, tables.billto, robotics, email="ap@robotics.example")
    assert runner("invoice", "approve", str(held_batch)).exit_code == 0


def test_a_refusal_exits_1_with_its_reason_and_the_command_to_run(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    assert runner("invoice", "approve", str(batch)).exit_code == 0

    again = runner("invoice", "approve", str(batch))
    discarded = runner("invoice", "discard", str(batch))

    assert again.exit_code == 1
    assert "not a draft" in again.stderr
    assert f"backoffice invoice list --batch {batch}" in again.stderr
    assert discarded.exit_code == 1
    assert "credit memo" in discarded.stderr and "backoffice invoice void" in discarded.stderr


def test_voiding_a_voided_document_says_so_and_exits_0(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))
    assert runner("invoice", "void", "INV-000002", "--reason", "sent twice").exit_code == 0

    again = runner("invoice", "void", "INV-000002", "--reason", "another reason")

    assert again.exit_code == 0, again.output
    assert "INV-000002 was already voided (sent twice); nothing changed." in again.stdout


def test_run_sums_each_billto_by_name_in_the_currency_digits(realized, runner):
    result = runner("invoice", "run", "--through", "2023-12-31")

    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["Acme", "Engineering", "(110)", "USD", "2", "0", "25,000.00"] in rows
    assert ["Total", "USD", "25,000.00"] in rows
    assert "25000.0000" not in result.stdout and "None" not in result.stdout
    assert "Built draft batch 1 with 2 document(s) through 2023-12-31." in result.stdout


def test_list_shows_each_document_with_its_lines_and_lineage(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))

    listed = runner("invoice", "list").stdout

    rows = [line.split() for line in listed.splitlines()]
    assert [row[0] for row in rows if row and row[0].startswith("INV-")] == [
        "INV-000001", "INV-000002",
    ]  # fmt: skip
    assert "STD_DH: Placement fee" in listed
    assert "(fee 1, installment 2; placement 5001)" in listed
    assert "2023-08-09" in listed and "Total USD" in listed


def test_credit_memos_count_against_the_total_and_voided_documents_not_at_all(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]
    run_json(runner, "invoice", "approve", str(batch))
    run_json(runner, "invoice", "credit", "INV-000001", "--amount", "500", "--reason", "typo")
    assert runner("invoice", "void", "INV-000002", "--reason", "sent twice").exit_code == 0

    listed = runner("invoice", "list").stdout

    assert "-500.00" in listed
    total_row = next(line for line in listed.splitlines() if "Total USD" in line)
    assert total_row.split()[-2:] == ["12,000.00", "12,000.00"]


def test_an_empty_list_says_so(realized, runner):
    result = runner("invoice", "list", "--batch", "9")

    assert result.exit_code == 0
    assert result.stdout.strip() == "There are no invoices or credit memos in batch 9."


def test_a_draft_is_shown_by_the_id_the_list_gives_it(realized, runner):
    run_json(runner, "invoice", "run", "--through", "2023-12-31")
    assert "draft 2" in runner("invoice", "list").stdout

    shown = runner("invoice", "show", "--draft", "2")
    as_json = run_json(runner, "invoice", "show", "--draft", "2", "--json")

    assert shown.exit_code == 0, shown.output
    assert "Acme Engineering (110)" in shown.stdout and "on approval" in shown.stdout
    assert "installment 2 of 2" in shown.stdout
    assert (as_json["number"], as_json["status"], as_json["due_date"]) == (None, "draft", None)


def test_show_needs_a_number_or_a_draft_id_but_not_both(realized, runner):
    assert runner("invoice", "show").exit_code == 2
    assert runner("invoice", "show", "INV-000001", "--draft", "1").exit_code == 2
    unknown = runner("invoice", "show", "--draft", "9")
    assert unknown.exit_code == 1 and "backoffice invoice list" in unknown.stderr


def test_approval_says_which_numbers_it_gave(realized, runner):
    batch = run_json(runner, "invoice", "run", "--through", "2023-12-31")["batch_id"]

    result = runner("invoice", "approve", str(batch))

    assert "Approved batch 1: 2 document(s)." in result.stdout
    assert "invoices       2   INV-000001   INV-000002" in result.stdout


def test_a_long_list_prints_page_by_page_under_one_header(realized, runner, monkeypatch):
    monkeypatch.setattr(DocumentList, "PAGE", 1)
    run_json(runner, "invoice", "run", "--through", "2023-12-31")

    listed = runner("invoice", "list").stdout.splitlines()

    heads = [line.split()[0] for line in listed if line.startswith(("Number", "draft"))]
    assert heads == ["Number", "draft", "draft"]
    totals = [line.split() for line in listed if "Total USD" in line]
    assert totals == [["Total", "USD", "25,000.00", "25,000.00"]]
