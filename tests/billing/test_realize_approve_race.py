"""``realize`` and ``invoice approve`` at once keep every invoice line true (issue 10, item 1).

A draft batch claims pending installments; the ATS then changes those very
time cards. Realize plans a page of them, and at that moment (a hook on its
read of the page) ``invoice approve`` runs to its end in another thread, on
an engine of its own.
Whichever of the two the database lets through first, the outcome must be
the one of running them one after the other: an identical book run
sequentially in another database of the same kind is the reference, and
every approved line must still agree with the installment it claims.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ats import tables
from ats.reader import BILLTOS, AtsReader
from backoffice.errors import NeedsUserAction
from backoffice.storage import create_database_engine, make_session_factory
from billing.fees import FeeInstallment
from billing.invoicing import batches as invoicing
from billing.invoicing.batches import Approval, BatchUnhealthy, approve_batch
from billing.invoicing.models import InstallmentClaim, Invoice, InvoiceLine, InvoiceStatus
from billing.realization import run as realization_run
from billing.realization.store import PageOutdated
from cli.main import cli
from tests.billing.demo_books import AS_OF, Book, new_book
from tests.billing.realization_helpers import realize
from tests.support.product_files import EXAMPLE_CATALOG

PLACEMENTS = {"sqlite": "40", "postgresql": "40", "mariadb": "40"}
APPROVE_WAIT = 2.0  # seconds realize waits, mid-page, for the racing approval to finish
CHANGED_AT = dt.datetime(2024, 8, 1, 10, 0, 0)  # later than every updated_at of the demo book
THROUGH = "2024-12-31"  # invoices adjustments too (they are dated on the change)
REFUSED = "changed after the batch was built"


def raise_hours(engine: Any, round_: int) -> None:
    """Rounds 0 and 1: the same half of the approved time cards get an hour more each time.

    The second time, their installments are invoiced and the batch claims the
    adjustments the first change left pending.
    """
    card = tables.timecard.c
    with engine.begin() as connection:
        connection.execute(
            update(tables.timecard)
            .where(card.status == "approved", card.id % 2 == 0)
            .values(regular_hours=card.regular_hours + 1,
                    updated_at=CHANGED_AT + dt.timedelta(hours=round_))
        )  # fmt: skip


def reject_cards(engine: Any, round_: int) -> None:
    """Round 2: one approved time card in three is rejected (invoiced ones are credited)."""
    card = tables.timecard.c
    with engine.begin() as connection:
        connection.execute(
            update(tables.timecard)
            .where(card.status == "approved", card.id % 3 == 0)
            .values(status="rejected", updated_at=CHANGED_AT + dt.timedelta(hours=round_))
        )


ROUNDS = [raise_hours, raise_hours, reject_cards]


class Ledger:
    """A book and the commands a round runs on it."""

    def __init__(self, book: Book) -> None:
        self.book = book

    def set_up(self) -> None:
        self.book.cli("db", "upgrade")
        self.book.cli("demo-data", "--placements", PLACEMENTS[self.book.kind], "--seed", "5")
        with self.book.engine.begin() as connection:  # every Billto can be invoiced
            connection.execute(update(tables.billto).values(email="ap@example.com"))
        self.realize()

    def realize(self) -> None:
        self.book.cli("realize", "--as-of", AS_OF, "--json", "--wait", "0")

    def invoice_run(self) -> int:
        built = json.loads(self.book.cli("invoice", "run", "--through", THROUGH, "--json"))
        assert built["batch_id"] is not None and built["invoices"]
        return int(built["batch_id"])

    def approve(self, batch: int) -> bool:
        """Approve the batch; whether it was (else it was refused as stale)."""
        result = CliRunner().invoke(cli, ["invoice", "approve", str(batch)], env=self.book.env)
        return approval_outcome(result.exit_code, result.stderr)

    def discard(self, batch: int) -> None:
        self.book.cli("invoice", "discard", str(batch))

    def snapshot(self) -> dict[str, Any]:
        """Fees with their installments, every document, and totals by installment status."""
        fees = json.loads(self.book.cli("fees", "list", "--json"))
        documents = json.loads(self.book.cli("invoice", "list", "--json"))
        installment = FeeInstallment
        totals_query = (
            select(installment.status, func.count(), func.sum(installment.amount))
            .group_by(installment.status)
            .order_by(installment.status)
        )
        with self.book.engine.connect() as connection:
            totals = [(s, n, Decimal(str(t)).quantize(Decimal("0.01")))
                      for s, n, t in connection.execute(totals_query)]  # fmt: skip
        return {"totals": totals, "fees": fees, "documents": documents}

    def lines_disagreeing(self) -> list[tuple[Any, ...]]:
        """Lines of live approved documents whose installment says something else.

        A billed installment is invoiced at the line's amount; a credited one is
        either an invoiced negative adjustment of minus the line's amount or a
        fell-off installment cancelled at the line's amount.
        """
        line, claim, installment, document = (
            InvoiceLine, InstallmentClaim, FeeInstallment, Invoice
        )  # fmt: skip
        query = (
            select(document.number, claim.role, line.amount, installment.id,
                   installment.status, installment.amount)
            .join(line, line.invoice_id == document.id)
            .join(claim, (claim.invoice_id == document.id)
                  & (claim.installment_id == line.installment_id))
            .join(installment, installment.id == line.installment_id)
            .where(document.status == InvoiceStatus.APPROVED.value)
        )  # fmt: skip
        wrong = []
        with self.book.engine.connect() as connection:
            for number, role, amount, installment_id, status, now in connection.execute(query):
                agrees = (status, now) == ("invoiced", amount) if role == "bill" else (
                    (status, now) in (("invoiced", -amount), ("cancelled", amount))
                )  # fmt: skip
                if not agrees:
                    wrong.append((number, role, amount, installment_id, status, now))
        return wrong

    def pending_but_invoiced(self) -> list[int]:
        """Installments billed on a live invoice that are pending again."""
        query = (
            select(FeeInstallment.id)
            .join(InstallmentClaim, InstallmentClaim.installment_id == FeeInstallment.id)
            .join(Invoice, Invoice.id == InstallmentClaim.invoice_id)
            .where(Invoice.status == InvoiceStatus.APPROVED.value,
                   InstallmentClaim.role == "bill", FeeInstallment.status == "pending")
        )  # fmt: skip
        with self.book.engine.connect() as connection:
            return list(connection.scalars(query))

    def claimed_by(self, batch: int) -> set[int]:
        query = (
            select(InstallmentClaim.installment_id)
            .join(Invoice, Invoice.id == InstallmentClaim.invoice_id)
            .where(Invoice.batch_id == batch)
        )
        with self.book.engine.connect() as connection:
            return set(connection.scalars(query))


def approval_outcome(exit_code: int, stderr: str) -> bool:
    """True if approved; False if refused because realize changed the batch first."""
    if exit_code == 0:
        return True
    assert exit_code == 1 and REFUSED in stderr, (exit_code, stderr)
    return False


def approve_with_own_engine(book: Book, batch: int) -> Approval | None:
    """``invoice approve`` as the command does it, on an engine of its own (another thread).

    Returns what it approved and held back, or None when it held back everything.
    """
    engine = create_database_engine(book.url)
    try:
        with make_session_factory(engine).begin() as session:
            approval = approve_batch(session, batch, partial(AtsReader(engine).get, BILLTOS),
                                     now=dt.datetime(2024, 9, 1))  # fmt: skip
        assert all(REFUSED in str(issue) for issue in approval.issues), approval.issues
        return approval
    except BatchUnhealthy as refused:
        assert all(REFUSED in str(issue) for issue in refused.issues), refused.issues
        return None
    finally:
        engine.dispose()


def realize_racing_approve(
    race: Ledger, batch: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[bool, Approval | None]:
    """Realize, with the batch approved in another thread while a page is being planned.

    Returns whether the approval met realize mid-page, and what it approved.
    """
    claimed = race.claimed_by(batch)
    original = realization_run.load_fee_states
    approval: list[Future[Approval | None]] = []

    def load_then_approve(connection: Any, source_type: Any, ids: Any) -> Any:
        states = original(connection, source_type, ids)
        touched = {i.id for fee in states.values() for i in fee.installments} & claimed
        if touched and not approval:
            approval.append(other_thread.submit(approve_with_own_engine, race.book, batch))
            wait(approval, timeout=APPROVE_WAIT)  # on SQLite it waits for this page's lock
        return states

    with ThreadPoolExecutor(1) as other_thread, monkeypatch.context() as patched:
        patched.setattr(realization_run, "load_fee_states", load_then_approve)
        race.realize()
    return bool(approval), approval[0].result() if approval else None


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def ledgers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Ledger, Ledger]]:
    """The racing book and the reference book, identical, on one kind of database."""
    with (
        new_book(request.param, tmp_path / "race") as race,
        new_book(request.param, tmp_path / "reference") as reference,
    ):
        pair = Ledger(race), Ledger(reference)
        for ledger in pair:
            ledger.set_up()
        yield pair


def test_realize_racing_approve_leaves_the_ledger_of_a_sequential_run(ledgers, monkeypatch):
    race, reference = ledgers

    for round_, change in enumerate(ROUNDS):
        batches = []
        for ledger in (race, reference):
            change(ledger.book.engine, round_)
            batches.append(ledger.invoice_run())
        batch = batches[0]
        assert batches == [batch, batch]

        met, approval = realize_racing_approve(race, batch, monkeypatch)

        assert met, f"round {round_}: realize never read an installment of batch {batch}"
        if approval is not None and not approval.held:  # the approval went first
            assert reference.approve(batch)
            reference.realize()
        else:  # realize went first: what it changed is held back (or the whole batch)
            reference.realize()
            assert not reference.approve(batch)
            held = batch if approval is None else approval.held_batch_id
            assert held is not None
            for ledger in (race, reference):
                ledger.discard(held)
        assert race.lines_disagreeing() == [], f"round {round_}"
        assert race.pending_but_invoiced() == [], f"round {round_}"
        assert race.snapshot() == reference.snapshot(), f"round {round_}"


class ServerError(Exception):
    """A driver's exception as psycopg (``sqlstate``) or PyMySQL (``args[0]``) raises it."""

    def __init__(self, *args: object, sqlstate: str | None = None) -> None:
        super().__init__(*args)
        self.sqlstate = sqlstate


DEADLOCKS = [ServerError("deadlock detected", sqlstate="40P01"),
             ServerError(1213, "Deadlock found when trying to get lock")]  # fmt: skip


@pytest.mark.parametrize("deadlock", DEADLOCKS, ids=["postgresql", "mariadb"])
def test_an_approval_rolled_back_to_break_a_deadlock_says_to_approve_again(monkeypatch, deadlock):
    def deadlocked(*_args: Any) -> None:
        raise OperationalError("UPDATE invoice_batch ...", {}, deadlock)

    monkeypatch.setattr(invoicing, "_claim_draft", deadlocked)

    with pytest.raises(NeedsUserAction) as refused:
        approve_batch(Session(), 7, lambda _ids: {}, now=dt.datetime(2024, 9, 1))

    assert refused.value.code == "approval_interrupted"
    assert "Approve the batch again" in refused.value.action


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("deadlock", DEADLOCKS, ids=["postgresql", "mariadb"])
def test_a_page_rolled_back_to_break_a_deadlock_is_written_again(
    ats, runner, shared, monkeypatch, deadlock
):
    assert runner("catalog", "import", str(EXAMPLE_CATALOG)).exit_code == 0
    apply_changes = realization_run.apply_changes
    failures: list[str] = []

    def deadlocked_once(*args: Any) -> None:
        if not failures:
            failures.append("deadlock")
            raise OperationalError("UPDATE fee_installment ...", {}, deadlock)
        apply_changes(*args)

    monkeypatch.setattr(realization_run, "apply_changes", deadlocked_once)
    summary = realize(runner)

    assert failures and summary["new"] > 0
    assert realize(runner)["new"] == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_page_outdated_every_time_stops_the_run_with_what_to_do(ats, runner, shared, monkeypatch):
    assert runner("catalog", "import", str(EXAMPLE_CATALOG)).exit_code == 0

    def always_outdated(*_args: Any) -> None:
        raise PageOutdated("1 of 1 installments changed since the page was read")

    monkeypatch.setattr(realization_run, "apply_changes", always_outdated)
    result = runner("realize", "--as-of", "2023-12-31")

    assert result.exit_code == 1
    assert "were planned 5 times" in result.stderr
    assert "Run `backoffice realize` again" in result.stderr
    assert "Traceback" not in result.output
    monkeypatch.undo()
    assert realize(runner)["new"] > 0  # the run lock was given back
