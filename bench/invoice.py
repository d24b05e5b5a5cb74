"""Benchmark of ``backoffice invoice run`` and ``invoice approve`` (issue #5, Benchmark).

For each database (SQLite in a temp dir, a throw-away PostgreSQL database) it
writes the demo book, realizes it, measures the reference pass of the
realization benchmark (``bench/realize.py``: one SQL query pricing the ATS rows
plus a bulk insert of as many fee and installment rows as realize wrote), then
times, through the command line as an operator would run them, a batch of
about as many lines as placements (100,000 for the demo book of 100,000
placements): ``invoice run --through DATE`` and ``invoice approve BATCH``.
DATE is the effective date of the N-th oldest pending installment, so the
batch holds about N lines. Targets: run + approve under 60 s, peak memory
under 500 MB; the ratio to the reference pass is given so figures compare
across machines.

It prints figures; it is not a test. Exit 0 even when a target is missed or a
check fails (printed as CHECK FAILED: an approval that returned fewer invoices
than the run built, or one without a number), 1 when a command fails or the run
builds no batch (a failed approval still prints the figures of the run).

    python bench/invoice.py [--placements N] [--lines N] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.engine import Engine

from ats import tables as ats_tables
from ats.demo_book import AS_OF
from backoffice.storage import create_database_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realize import (
    FEES,
    INSTALLMENTS,
    LABELS,
    MEMORY_MB_TARGET,
    BenchFailed,
    Reference,
    Timed,
    _backoffice_executable,
    _print_table,
    _say,
    _verdict,
    add_databases_option,
    bench_each,
    count_rows,
    demo_book,
    parse_with_databases,
    reference_pass,
)

SECONDS_TARGET = 60.0


@dataclass
class InvoiceReport:
    """Everything measured on one database."""

    kind: str
    demo_seconds: float = 0.0
    demo_description: str = ""
    steps: dict[str, Timed] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    reference: Reference | None = None
    through: dt.date | None = None
    pending_through: int = 0
    batch_id: int | None = None
    invoices: int = 0
    lines: int = 0
    warnings: int = 0
    approved: int = 0
    fixed: dict[str, int] = field(default_factory=dict)
    failure: str = ""  # how `invoice approve` failed, when it did (the run's figures stand)
    problems: list[str] = field(default_factory=list)


def through_date(engine: Engine, lines: int) -> tuple[dt.date, int]:
    """The date whose pending positive installments through it come closest to ``lines``.

    Returns the date and how many pending installments are dated on or before it
    (held fees and credits are left out of the batch, so it may have fewer lines).
    """
    with engine.connect() as connection:
        by_date = connection.execute(
            text(
                "SELECT effective_date, COUNT(*) FROM fee_installment "
                "WHERE status = 'pending' AND amount > 0 "
                "GROUP BY effective_date ORDER BY effective_date"
            )
        ).all()
    if not by_date:
        raise BenchFailed("no pending installment to invoice after realize")
    best: tuple[int, dt.date, int] | None = None
    total = 0
    for day, count in by_date:
        total += count
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
        distance = abs(total - lines)
        if best is None or distance < best[0]:
            best = (distance, day, total)
        if total >= lines:
            break
    assert best is not None
    return best[1], best[2]


def fix_billtos(engine: Engine) -> dict[str, int]:
    """Give every Billto an email and reactivate it, as a clerk would before approving.

    The demo book has inactive Billtos and Billtos without an email; the health
    check refuses to approve their invoices, so the ATS is fixed first.
    """
    billto = ats_tables.billto
    with engine.begin() as connection:
        emails = connection.execute(
            update(billto)
            .where((billto.c.email.is_(None)) | (billto.c.email == ""))
            .values(email="ar@example.com")
        )
        active = connection.execute(update(billto).where(billto.c.active == 0).values(active=1))
    return {"emails added": emails.rowcount, "reactivated": active.rowcount}


def _json_of(timed: Timed) -> Any:
    start = min(i for i in (timed.stdout.find("{"), timed.stdout.find("[")) if i >= 0)
    return json.loads(timed.stdout[start:])


def bench_one(kind: str, placements: int, lines: int, seed: int, executable: str) -> InvoiceReport:
    """Demo book, realize, reference pass, then one invoice run and its approval."""
    report = InvoiceReport(kind)
    with demo_book(kind, placements, seed, executable) as (cli, url, demo):
        report.demo_seconds, report.demo_description = demo.seconds, demo.stdout.strip()
        engine = create_database_engine(url)
        try:
            _say(kind, f"realize --as-of {AS_OF.isoformat()}")
            report.steps["realize"] = cli.run("realize", "--as-of", AS_OF.isoformat(), "--json")
            report.rows = count_rows(engine)
            _say(kind, "reference pass")
            report.reference = reference_pass(
                engine, report.rows[FEES.name], report.rows[INSTALLMENTS.name]
            )
            report.fixed = fix_billtos(engine)
            start = perf_counter()
            report.through, report.pending_through = through_date(engine, lines)
            choose = perf_counter() - start
            _say(kind, f"(through date {report.through} found in {choose:.2f} s)")
        finally:
            engine.dispose()
        _say(kind, f"invoice run --through {report.through}")
        run = cli.run("invoice", "run", "--through", str(report.through), "--json")
        report.steps["invoice run"] = run
        built = _json_of(run)
        report.batch_id = built["batch_id"]
        report.invoices = len(built["invoices"])
        report.lines = sum(len(invoice["lines"]) for invoice in built["invoices"])
        report.warnings = len(built["warnings"])
        if report.batch_id is None or not report.lines:
            raise BenchFailed(f"invoice run through {report.through} built no batch")
        _say(kind, f"invoice approve {report.batch_id}")
        try:
            approve = cli.run("invoice", "approve", str(report.batch_id), "--json")
        except BenchFailed as error:
            report.failure = str(error)
            return report
        report.steps["invoice approve"] = approve
        approved = _json_of(approve)
        report.approved = len(approved)
        if report.approved != report.invoices:
            report.problems.append(
                f"approve returned {report.approved} invoices; run built {report.invoices}"
            )
        if any(not invoice.get("number") for invoice in approved):
            report.problems.append("an approved invoice has no number")
    return report


def print_report(report: InvoiceReport, placements: int) -> None:
    """The step table of one database."""
    reference = report.reference
    assert reference is not None
    print(f"\n== {LABELS[report.kind]}: {placements} placements ==")
    print(f"demo-data: {report.demo_seconds:.1f} s. {report.demo_description}")
    print(f"realized: {report.rows[FEES.name]} fees, {report.rows[INSTALLMENTS.name]} installments")
    print(
        f"reference: query {reference.query_seconds:.2f} s ({reference.rows_read} rows) "
        f"+ insert {reference.insert_seconds:.2f} s ({reference.fees} fees, "
        f"{reference.installments} installments) = {reference.seconds:.2f} s"
    )
    print(
        f"batch {report.batch_id} through {report.through}: {report.lines} lines on "
        f"{report.invoices} invoices ({report.pending_through} pending positive installments "
        f"through that date; {report.warnings} warnings); {report.approved} approved"
    )
    fixed = ", ".join(f"{count} {what}" for what, count in report.fixed.items())
    print(f"Billtos fixed in the ATS before the run: {fixed}")
    steps = report.steps
    rows = [("step", "seconds", "x reference", "peak RSS MB", "target", "")]
    rows.append(("reference", f"{reference.seconds:.2f}", "1.00", "", "", ""))
    for name, timed in steps.items():
        target = "(not timed)" if name == "realize" else ""
        rows.append((name, f"{timed.seconds:.2f}", f"{timed.seconds / reference.seconds:.2f}",
                     f"{timed.peak_rss_mb:.0f}", target, ""))  # fmt: skip
    if report.failure:
        rows.append(("invoice approve", "FAILED", "", "", "", ""))
        _print_table(rows)
        print(f"  {report.failure}")
        return
    total = steps["invoice run"].seconds + steps["invoice approve"].seconds
    rows.append((f"run + approve ({report.lines} lines)", f"{total:.2f}",
                 f"{total / reference.seconds:.2f}", "", f"< {SECONDS_TARGET:g} s",
                 _verdict(total < SECONDS_TARGET)))  # fmt: skip
    peak = max(steps[name].peak_rss_mb for name in ("invoice run", "invoice approve"))
    rows.append(("peak memory (invoice)", "", "", f"{peak:.0f}", f"< {MEMORY_MB_TARGET:g} MB",
                 _verdict(peak < MEMORY_MB_TARGET)))  # fmt: skip
    _print_table(rows)
    for problem in report.problems:
        print(f"  CHECK FAILED: {problem}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options; ``--placements 2000`` gives a quick check of the whole bench."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placements", type=int, default=100_000)
    parser.add_argument(
        "--lines", type=int, default=None, help="lines in the batch (default: --placements)"
    )
    parser.add_argument("--seed", type=int, default=42)
    add_databases_option(parser)
    args = parse_with_databases(parser, argv)
    args.lines = args.lines or args.placements
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Bench each database in turn and print its figures."""
    args = parse_args(argv)
    return bench_each(
        args.databases,
        lambda kind: bench_one(
            kind, args.placements, args.lines, args.seed, _backoffice_executable()
        ),
        lambda report: print_report(report, args.placements),
        lambda report: bool(report.failure),
    )


if __name__ == "__main__":
    sys.exit(main())
