"""The invoice and credit memo sequences never issue the same number (all three databases)."""

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from backoffice.errors import NeedsUserAction
from billing.invoicing.models import DocumentKind
from billing.invoicing.numbering import configure_numbering, prefixes_clash
from tests.billing.realization_helpers import approve_through, run_json


def numbering(runner, *args):
    return runner("invoice", "numbering", *args)


def credit(runner, number):
    return run_json(runner, "invoice", "credit", number, "--amount", "1", "--reason", "x")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("INV-", "INV-"),
        ("INV-", "inv-"),  # MariaDB's unique index ignores case
        ("INV-", "INV-1"),  # INV-1000001 is both
        ("INV-", "INV-0"),
        ("INV-12", "INV-"),
        ("", "2024"),
        ("", ""),
    ],
)
def test_prefixes_equal_or_differing_by_digits_clash(first, second):
    assert prefixes_clash(first, second) and prefixes_clash(second, first)


@pytest.mark.parametrize(
    ("first", "second"),
    [("INV-", "CM-"), ("INV-", "INV-A"), ("INV-", "INV-1-"), ("", "CM-"), ("A", "AB")],
)
def test_prefixes_that_differ_by_more_than_digits_do_not_clash(first, second):
    assert not prefixes_clash(first, second) and not prefixes_clash(second, first)


def test_credit_memo_prefix_of_the_invoices_is_refused_naming_both(realized, runner):
    approve_through(runner, "2023-07-31")

    refused = numbering(runner, "--credit-memos", "--prefix", "INV-")

    assert refused.exit_code == 1
    assert isinstance(refused.exception, SystemExit)
    assert "credit memo prefix 'INV-' clashes with the invoice prefix 'INV-'" in refused.stderr
    assert credit(runner, "INV-000001")["number"] == "CM-000001"


@pytest.mark.parametrize(
    ("invoices", "memos"), [("INV-", "INV-1"), ("AC", "ac"), ("2024", ""), ("INV-1", "INV-")]
)
def test_credit_memo_prefix_clashing_by_digits_or_case_is_refused(
    realized, runner, invoices, memos
):
    assert numbering(runner, "--prefix", invoices).exit_code == 0

    refused = numbering(runner, "--credit-memos", "--prefix", memos)

    assert refused.exit_code == 1
    assert "clashes with the invoice prefix" in refused.stderr


def test_invoice_prefix_of_the_credit_memos_is_refused(realized, runner):
    refused = numbering(runner, "--prefix", "cm-")

    assert refused.exit_code == 1
    assert "invoice prefix 'cm-' clashes with the credit memo prefix 'CM-'" in refused.stderr


def test_empty_prefix_that_cannot_clash_is_accepted(realized, runner):
    assert numbering(runner, "--prefix", "").exit_code == 0

    documents = approve_through(runner, "2023-07-31")

    assert [d["number"] for d in documents] == ["000001"]
    assert credit(runner, "000001")["number"] == "CM-000001"


def test_prefix_whose_numbers_were_already_issued_by_the_other_sequence_is_refused(
    realized, runner
):
    approve_through(runner, "2023-12-31")  # INV-000001 and INV-000002
    assert numbering(runner, "--prefix", "AC-").exit_code == 0

    refused = numbering(runner, "--credit-memos", "--prefix", "INV-")

    assert refused.exit_code == 1
    assert "2 invoice(s) already have numbers" in refused.stderr
    assert "such as INV-000001" in refused.stderr and "above 2" in refused.stderr
    assert numbering(runner, "--credit-memos", "--prefix", "INV-", "--next", "3").exit_code == 0
    assert credit(runner, "INV-000001")["number"] == "INV-000003"


@pytest.mark.parametrize("prefix", ["INV\u200b-", "INV\t", "ABCDEFGHIJK"])
def test_prefix_with_invisible_characters_or_too_long_for_its_column_is_refused(
    realized, runner, prefix
):
    refused = numbering(runner, "--prefix", prefix)

    assert refused.exit_code == 1
    assert isinstance(refused.exception, SystemExit)
    assert "at most 10 characters" in refused.stderr
    assert "INV-000001" in numbering(runner).stdout


def test_next_number_beyond_its_column_is_refused(realized, runner):
    refused = numbering(runner, "--next", str(2**31))

    assert refused.exit_code == 1
    assert isinstance(refused.exception, SystemExit)
    assert "at most 2147483647" in refused.stderr


@pytest.mark.databases
def test_two_settings_at_once_cannot_both_take_one_prefix(db):
    """Each setting alone is fine; together they clash, so the second must wait and see it."""
    if db.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time")
    with Session(db) as setup:
        configure_numbering(setup, DocumentKind.INVOICE, next_value=1)
        configure_numbering(setup, DocumentKind.CREDIT_MEMO, next_value=1)
        setup.commit()
    outcome: list[object] = []

    def set_credit_memo_prefix():
        with Session(db) as session:
            try:
                configure_numbering(session, DocumentKind.CREDIT_MEMO, prefix="X-")
                session.commit()
                outcome.append("accepted")
            except NeedsUserAction as error:
                outcome.append(error.code)

    with Session(db) as first:
        configure_numbering(first, DocumentKind.INVOICE, prefix="X-")
        second = threading.Thread(target=set_credit_memo_prefix)
        second.start()
        second.join(timeout=1)
        assert second.is_alive(), outcome  # waiting on the invoice sequence's lock
        first.commit()
    second.join(timeout=30)

    assert outcome == ["number_prefix_clash"]


def test_prefixes_that_clash_from_before_the_check_stop_numbering_with_a_message(realized, runner):
    approve_through(runner, "2023-07-31")
    with realized.begin() as connection:
        connection.execute(
            text("UPDATE number_sequence SET prefix = 'INV-' WHERE name = 'credit_memo'")
        )

    refused = runner("invoice", "credit", "INV-000001", "--amount", "1", "--reason", "x")

    assert refused.exit_code == 1
    assert "credit memo prefix 'INV-' clashes with the invoice prefix 'INV-'" in refused.stderr
    assert "unexpected error" not in refused.stderr
