"""What must hold of the ledger at any moment, read straight from the service database.

Shared by the property-based ledger test and the race tests: each function
returns a list of problems (empty when the ledger is sound), every problem
naming the record it is about, so a failing test says what broke rather than
that something did.

The ledger is read through the tables the invoicing code writes (fees,
installments, documents, lines, claims) and nothing else, so these checks
hold whatever the code that wrote them looks like:

- every live line's installment exists and its claim agrees with the line;
- an installment settled by an approved document is invoiced (or cancelled,
  once a fell-off fee's invoice line is credited back) at the line's amount,
  and an invoiced installment is settled by an approved document;
- an active fee's installments, cancelled ones aside, add up to the fee
  (once realize has laid out again what a void handed back);
- a document's total is the sum of its lines; an invoice's balance is its
  total less the credit memos applied to it, never negative, and no invoice
  is credited for more than its total;
- every amount has exactly the minor unit digits of its currency.

``compare_with_clean_run`` is the end-to-end check: after everything is
invoiced, what each fee's documents say (billed, less credited, plus what is
still pending) equals the fee a single clean run over the same ATS realizes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from billing.fees import FeeInstallment, FeeRecheck, RealizedFee
from billing.invoicing.models import InstallmentClaim, Invoice, InvoiceLine
from billing.money import quantize

ZERO = Decimal(0)
DRAFT, APPROVED_LIKE, VOIDED = "draft", ("approved", "posted", "partially_paid", "paid"), "voided"
INVOICE, CREDIT_MEMO = "invoice", "credit_memo"
BILL, CREDIT = "bill", "credit"
PENDING, INVOICED, CANCELLED = "pending", "invoiced", "cancelled"

FeeKey = tuple[str, int, str]


@dataclass
class Ledger:
    """Every row of the ledger tables, by id."""

    fees: dict[int, Any]
    installments: dict[int, Any]
    documents: dict[int, Any]
    lines: list[Any]
    claims: dict[tuple[int, str], int]  # (installment id, role) -> document id
    rechecks: set[int]  # fees a void handed installments back to, for realize to lay out again

    @classmethod
    def read(cls, engine: Engine) -> Ledger:
        """The ledger as one transaction sees it."""
        with engine.connect() as connection:
            fees = {r.id: r for r in connection.execute(select(RealizedFee.__table__))}
            installments = {r.id: r for r in connection.execute(select(FeeInstallment.__table__))}
            documents = {r.id: r for r in connection.execute(select(Invoice.__table__))}
            lines = list(connection.execute(select(InvoiceLine.__table__).order_by(InvoiceLine.id)))
            claims = {
                (r.installment_id, r.role): r.invoice_id
                for r in connection.execute(select(InstallmentClaim.__table__))
            }
            rechecks = set(connection.scalars(select(FeeRecheck.fee_id)))
        return cls(fees, installments, documents, lines, claims, rechecks)

    def name(self, document_id: int) -> str:
        """A document as a person finds it: its number, or its draft id and batch."""
        document = self.documents.get(document_id)
        if document is None:
            return f"missing document {document_id}"
        what = "credit memo" if document.kind == CREDIT_MEMO else "invoice"
        if document.number:
            return f"{what} {document.number}"
        return f"draft {what} {document.id} (batch {document.batch_id})"

    def is_settled(self, document_id: int) -> bool:
        """Whether the document is approved (or later) and not voided."""
        return self.documents[document_id].status in APPROVED_LIKE

    def settled_claim(self, installment_id: int, role: str) -> int | None:
        """The approved document holding this claim, if any."""
        holder = self.claims.get((installment_id, role))
        return holder if holder is not None and self.is_settled(holder) else None


def role_of(document: Any) -> str:
    """The claim role a document's lines take: invoices bill, credit memos credit."""
    return BILL if document.kind == INVOICE else CREDIT


def ledger_problems(engine: Engine) -> list[str]:
    """Every broken invariant of the ledger in ``engine``'s database."""
    ledger = Ledger.read(engine)
    return [
        *_claim_problems(ledger),
        *_settlement_problems(ledger),
        *_fee_problems(ledger),
        *_balance_problems(ledger),
        *_minor_unit_problems(ledger),
    ]


def assert_ledger_consistent(engine: Engine) -> None:
    """Fail with every broken invariant listed."""
    problems = ledger_problems(engine)
    assert not problems, "the ledger is inconsistent:\n  " + "\n  ".join(problems)


def _claim_problems(ledger: Ledger) -> list[str]:
    """(a) Lines, claims and installments agree; one live bill and one live credit each."""
    problems = []
    live_lines: set[tuple[int, str, int]] = set()
    for line in ledger.lines:
        document = ledger.documents.get(line.invoice_id)
        if document is None:
            problems.append(f"line {line.id} belongs to missing document {line.invoice_id}")
            continue
        where = f"{ledger.name(document.id)} line {line.id}"
        if line.installment_id is None:
            if document.kind != CREDIT_MEMO:  # a credit by hand may name its fee
                problems.append(f"{where} has no installment but is not a credit by hand")
            continue
        installment = ledger.installments.get(line.installment_id)
        if installment is None:
            problems.append(f"{where} names missing installment {line.installment_id}")
            continue
        if (installment.fee_id, installment.seq) != (line.fee_id, line.seq):
            problems.append(
                f"{where} says fee {line.fee_id} installment {line.seq}, but installment "
                f"{installment.id} is fee {installment.fee_id} installment {installment.seq}"
            )
        role = role_of(document)
        holder = ledger.claims.get((installment.id, role))
        if document.status == VOIDED:
            if holder == document.id:
                problems.append(f"{where}: the voided document still claims the installment")
            continue
        live_lines.add((installment.id, role, document.id))
        if holder != document.id:
            problems.append(
                f"{where} ({role}s fee {line.fee_id} installment {line.seq}) but the "
                f"installment's {role} claim is held by "
                f"{ledger.name(holder) if holder is not None else 'nobody'}"
            )
    for (installment_id, role), document_id in sorted(ledger.claims.items()):
        if (installment_id, role, document_id) not in live_lines:
            problems.append(
                f"installment {installment_id} has a {role} claim by {ledger.name(document_id)} "
                "without a live line of that document for it"
            )
    return problems


def _settlement_problems(ledger: Ledger) -> list[str]:
    """(b) What approved documents claim is settled at the amounts they show, and only that."""
    problems = []
    line_amounts = {
        (line.installment_id, line.invoice_id): line.amount
        for line in ledger.lines
        if line.installment_id is not None
    }
    for installment in ledger.installments.values():
        where = f"fee {installment.fee_id} installment {installment.seq}"
        billed_by = ledger.settled_claim(installment.id, BILL)
        credited_by = ledger.settled_claim(installment.id, CREDIT)
        state = f"{installment.status} at {installment.amount}"
        if billed_by is not None:
            shown = line_amounts[(installment.id, billed_by)]
            expected = CANCELLED if credited_by is not None else INVOICED
            if (installment.status, installment.amount) != (expected, shown):
                problems.append(
                    f"{where} is billed by {ledger.name(billed_by)} at {shown} but is {state} "
                    f"(expected {expected} at {shown})"
                )
        elif credited_by is not None:
            shown = line_amounts[(installment.id, credited_by)]
            if (installment.status, installment.amount) != (INVOICED, -shown):
                problems.append(
                    f"{where} is credited by {ledger.name(credited_by)} for {shown} but is "
                    f"{state} (expected invoiced at {-shown})"
                )
        elif installment.status == INVOICED:
            problems.append(f"{where} is invoiced but no approved document bills or credits it")
    return problems


def _fee_problems(ledger: Ledger) -> list[str]:
    """(c) An active fee's standing installments add up to its amount.

    Except while the fee waits for ``realize`` after a void: the void hands its
    installments back as they were billed, beside whatever replaced them since,
    and invoicing holds the fee until realize has laid it out again.
    """
    standing: dict[int, Decimal] = defaultdict(Decimal)
    for installment in ledger.installments.values():
        if installment.status != CANCELLED:
            standing[installment.fee_id] += installment.amount
    return [
        f"fee {fee.id} ({fee.source_type} {fee.source_id}) is {fee.amount} but its "
        f"installments add up to {standing[fee.id]}"
        for fee in ledger.fees.values()
        if fee.status == "active"
        and fee.id not in ledger.rechecks
        and standing[fee.id] != fee.amount
    ]


def _balance_problems(ledger: Ledger) -> list[str]:
    """(d) Totals are their lines; balances are totals less applied credits, never negative."""
    problems = []
    line_sums: dict[int, Decimal] = defaultdict(Decimal)
    for line in ledger.lines:
        line_sums[line.invoice_id] += line.amount
    applied: dict[int, Decimal] = defaultdict(Decimal)
    credited: dict[int, Decimal] = defaultdict(Decimal)
    for memo in ledger.documents.values():
        if memo.kind != CREDIT_MEMO:
            continue
        if memo.credits_invoice_id not in ledger.documents:
            problems.append(f"{ledger.name(memo.id)} credits no known invoice")
            continue
        if memo.status in APPROVED_LIKE:
            applied[memo.credits_invoice_id] += memo.total - memo.balance
            credited[memo.credits_invoice_id] += memo.total
    for document in ledger.documents.values():
        name = ledger.name(document.id)
        if document.total != line_sums[document.id]:
            problems.append(f"{name} totals {document.total}, its lines {line_sums[document.id]}")
        if document.status in APPROVED_LIKE and document.total <= 0:
            problems.append(f"{name} is approved for {document.total}")
        if document.status == VOIDED:
            expected = ZERO
        elif document.kind == INVOICE:
            expected = document.total - applied[document.id]
        else:
            expected = document.balance if document.status in APPROVED_LIKE else document.total
        if document.balance != expected:
            problems.append(f"{name} has a balance of {document.balance}, expected {expected}")
        if document.balance < 0 or document.balance > max(document.total, ZERO):
            problems.append(f"{name} has a balance of {document.balance} of {document.total}")
        if document.kind == INVOICE and credited[document.id] > document.total:
            problems.append(
                f"{name} is for {document.total} but approved credit memos credit "
                f"{credited[document.id]} of it"
            )
        if document.kind == INVOICE and document.status == VOIDED and credited[document.id]:
            problems.append(f"{name} is voided but approved credit memos still credit it")
    return problems


def _minor_unit_problems(ledger: Ledger) -> list[str]:
    """(e) No amount carries digits its currency does not have."""
    problems = []

    def check(what: str, amount: Decimal, currency: str) -> None:
        if quantize(amount, currency) != amount:
            problems.append(f"{what} is {amount} {currency}: more digits than {currency} has")

    for fee in ledger.fees.values():
        check(f"fee {fee.id}", fee.amount, fee.currency)
    for installment in ledger.installments.values():
        where = f"fee {installment.fee_id} installment {installment.seq}"
        check(where, installment.amount, ledger.fees[installment.fee_id].currency)
    for document in ledger.documents.values():
        check(f"{ledger.name(document.id)} total", document.total, document.currency)
        check(f"{ledger.name(document.id)} balance", document.balance, document.currency)
    for line in ledger.lines:
        currency = ledger.documents[line.invoice_id].currency
        check(f"{ledger.name(line.invoice_id)} line {line.id}", line.amount, currency)
    return problems


@dataclass
class FeeAccount:
    """What the documents say of one fee, and the credits by hand that may touch it."""

    billed: Decimal = ZERO
    credited: Decimal = ZERO
    pending: Decimal = ZERO
    hand_credits: Decimal = ZERO  # credits by hand on the invoices that bill it
    invoices: set[int] = field(default_factory=set)

    @property
    def standing(self) -> Decimal:
        """Billed, less credited, plus what is still to be invoiced."""
        return self.billed - self.credited + self.pending


def fee_accounts(ledger: Ledger) -> dict[FeeKey, FeeAccount]:
    """Every fee's account from approved documents and unclaimed pending installments."""
    keys = {i: (f.source_type, f.source_id, f.occurrence_key) for i, f in ledger.fees.items()}
    accounts: dict[FeeKey, FeeAccount] = defaultdict(FeeAccount)
    hand_by_invoice: dict[int, Decimal] = defaultdict(Decimal)
    for line in ledger.lines:
        if not ledger.is_settled(line.invoice_id):
            continue
        document = ledger.documents[line.invoice_id]
        if line.installment_id is None:
            hand_by_invoice[document.credits_invoice_id] += line.amount
            continue
        account = accounts[keys[ledger.installments[line.installment_id].fee_id]]
        if document.kind == INVOICE:
            account.billed += line.amount
            account.invoices.add(document.id)
        else:
            account.credited += line.amount
    for installment in ledger.installments.values():
        claimed = any(ledger.settled_claim(installment.id, role) for role in (BILL, CREDIT))
        if installment.status == PENDING and not claimed:
            accounts[keys[installment.fee_id]].pending += installment.amount
    for account in accounts.values():
        account.hand_credits = sum((hand_by_invoice[i] for i in account.invoices), ZERO)
    return dict(accounts)


def realized_amounts(engine: Engine) -> dict[FeeKey, Decimal]:
    """What each fee stands at: its amount while active, nothing once cancelled."""
    with engine.connect() as connection:
        fee = RealizedFee.__table__.c
        query = select(fee.source_type, fee.source_id, fee.occurrence_key, fee.status, fee.amount)
        rows = list(connection.execute(query))
    return {
        (r.source_type, r.source_id, r.occurrence_key): r.amount if r.status == "active" else ZERO
        for r in rows
    }


def compare_with_clean_run(engine: Engine, clean: Engine) -> list[str]:
    """Where the ledger in ``engine`` disagrees with a clean run's fees in ``clean``.

    Each fee must stand (billed, less credited, plus pending) at what the
    clean run realizes for the same ATS event, and its own amount must be the
    clean run's. A credit by hand is the one thing a clean run knows nothing
    of: it may count toward a later reduction of a fee on the invoice it
    credits (so that reduction is not credited twice), so a fee may stand
    higher than the clean amount by at most the credits by hand on its
    invoices, never lower.
    """
    expected = realized_amounts(clean)
    own = realized_amounts(engine)
    ledger = Ledger.read(engine)
    accounts = fee_accounts(ledger)
    problems = []
    for key in sorted(set(expected) | set(own) | set(accounts)):
        want = expected.get(key, ZERO)
        if own.get(key, ZERO) != want:
            problems.append(f"{_label(key)} is realized at {own.get(key)}, a clean run {want}")
        account = accounts.get(key, FeeAccount())
        over = account.standing - want
        if not ZERO <= over <= account.hand_credits:
            by_hand = f" (credits by hand on its invoices: {account.hand_credits})"
            problems.append(
                f"{_label(key)} stands at {account.standing} (billed {account.billed}, credited "
                f"{account.credited}, pending {account.pending}); a clean run realizes {want}"
                + (by_hand if account.hand_credits else "")
            )
    hand = sum(
        (line.amount for line in ledger.lines
         if line.installment_id is None and ledger.is_settled(line.invoice_id)),
        ZERO,
    )  # fmt: skip
    total_standing = sum((a.standing for a in accounts.values()), ZERO)
    total_expected = sum(expected.values(), ZERO)
    if not ZERO <= total_standing - total_expected <= hand:
        problems.append(
            f"the fees stand at {total_standing} in all, a clean run realizes {total_expected}"
        )
    return problems


def _label(key: FeeKey) -> str:
    source_type, source_id, occurrence = key
    return f"{source_type} {source_id}" + (f" occurrence {occurrence}" if occurrence else "")
