"""Benchmark of ``backoffice realize`` against a plain SQL reference (issue #4, Benchmark).

For each database (SQLite in a temp dir, a throw-away PostgreSQL database) it
writes the demo book, then times three realizations through the command line,
as an operator would run them: the first full run, an unchanged re-run, and a
re-run after 1% of the ATS rows changed. Seconds alone mean little across
machines, so each run is also given as a ratio to a reference pass measured in
the same run and database: one SQL query computing the same amounts from
the same rows, plus a bulk insert of as many fee and installment rows as the
full run wrote. Targets: full run within 3x the reference, unchanged re-run
under 2 s, 1% re-run under 10% of the full run, peak memory under 500 MB.

It prints figures; it is not a test. Exit 0 even when a target is missed, 1
when a command fails or a realize summary contradicts what was changed (the
figures of a wrong run mean nothing).

    python bench/realize.py [--placements N] [--databases sqlite,postgresql] [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from time import perf_counter
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    func,
    insert,
    make_url,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import OperationalError

from ats import tables as ats_tables
from ats.demo_book import AS_OF
from backoffice.storage import NAMING_CONVENTION, ExactDecimal, create_database_engine
from billing.fees import FeeInstallment, RealizedFee

DATABASES = ("sqlite", "postgresql")
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
POSTGRESQL_URL = os.environ.get(
    "BACKOFFICE_BENCH_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
INSERT_CHUNK = 10_000

FULL_RATIO_TARGET = 3.0
UNCHANGED_SECONDS_TARGET = 2.0
PARTIAL_SHARE_TARGET = 0.10
MEMORY_MB_TARGET = 500.0

FEES: Table = RealizedFee.__table__  # type: ignore[assignment]
INSTALLMENTS: Table = FeeInstallment.__table__  # type: ignore[assignment]

# The amounts realization computes, in SQL, for the rows it reads: approved time
# cards of contract placements, direct-hire placements that still stand (priced
# by their catalog product), and service fees (once each: expanding schedules
# into occurrences is left to the insert, which writes as many rows as realize).
REFERENCE_QUERY = text(
    """
    SELECT 'timecard' AS source_type, t.id AS source_id, p.billto_id, p.product_code,
           p.currency, t.week_ending AS event_date,
           t.regular_hours * p.bill_rate
             + t.overtime_hours * COALESCE(p.overtime_bill_rate, 0)
             + t.doubletime_hours * COALESCE(p.doubletime_bill_rate, 0) AS amount,
           t.updated_at
    FROM ats_timecard t JOIN ats_placement p ON p.id = t.placement_id
    WHERE t.status = 'approved' AND p.placement_type = 'contract'
    UNION ALL
    SELECT 'placement', p.id, p.billto_id, p.product_code, p.currency, p.start_date,
           CASE pr.pricing
             WHEN 'flat' THEN pr.amount
             WHEN 'percentage' THEN pr.rate / 100 * CASE pr.basis
               WHEN 'ote' THEN COALESCE(p.ote, p.base_salary) ELSE p.base_salary END
           END,
           p.updated_at
    FROM ats_placement p JOIN product pr ON pr.code = p.product_code
    WHERE p.placement_type = 'direct_hire' AND p.status NOT IN ('cancelled', 'fell_off')
    UNION ALL
    SELECT 'service_fee', f.id, f.billto_id, f.product_code, f.currency, f.created_date,
           f.quantity * COALESCE(f.unit_price, pr.unit_price), f.updated_at
    FROM ats_service_fee f JOIN product pr ON pr.code = f.product_code
    """
).columns(
    source_type=String,
    source_id=Integer,
    billto_id=Integer,
    product_code=String,
    currency=String,
    event_date=Date,
    amount=ExactDecimal(18, 4),
    updated_at=DateTime,
)


class BenchFailed(Exception):
    """A command or a check failed: the figures of this database are not worth printing."""


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class Timed:
    """One command: wall-clock seconds (start-up included, as a user sees it) and peak RSS."""

    seconds: float
    peak_rss_mb: float
    stdout: str


# Runs one command and reports its wall-clock seconds and peak RSS, measured from this
# small process rather than from the bench: on Linux a child's ru_maxrss starts at the
# RSS of the process it was forked from, and the bench grows large in the reference pass.
_LAUNCHER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[2:])
seconds = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as out:
    json.dump({"seconds": seconds, "peak_kb": peak_kb}, out)
sys.exit(code)
"""


@dataclass
class Cli:
    """The ``backoffice`` command line, pointed at one benchmark database."""

    executable: str
    env: dict[str, str]
    workdir: Path

    @property
    def log(self) -> Path:
        """Every command's stderr, for the message when one fails."""
        return self.workdir / "commands.log"

    def run(self, *args: str) -> Timed:
        """Run one command through ``_LAUNCHER``; stdout is captured, stderr goes to the log."""
        measured = self.workdir / "measured.json"
        with self.log.open("ab") as stderr:
            stderr.write(f"\n$ backoffice {' '.join(args)}\n".encode())
            stderr.flush()
            process = subprocess.run(
                [sys.executable, "-c", _LAUNCHER, str(measured), self.executable, *args],
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=self.env,
                check=False,
            )
        if process.returncode != 0:
            raise BenchFailed(
                f"`backoffice {' '.join(args)}` exited with {process.returncode}:\n"
                + _tail(self.log)
            )
        figures = json.loads(measured.read_text())
        return Timed(figures["seconds"], figures["peak_kb"] / 1024, process.stdout.decode())

    def realize(self) -> Realized:
        """``realize --json`` at the demo book's as-of date, so runs differ only by the ATS."""
        timed = self.run("realize", "--as-of", AS_OF.isoformat(), "--json")
        document = json.loads(timed.stdout[timed.stdout.index("{") :])
        summary, full_pass = document["summary"], document["full_pass"]
        return Realized(timed.seconds, timed.peak_rss_mb, summary, full_pass)


@dataclass(frozen=True)
class Realized:
    """One realize run: time, memory and its JSON summary."""

    seconds: float
    peak_rss_mb: float
    summary: dict[str, int]
    full_pass: bool


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def _backoffice_executable() -> str:
    """The console script of the interpreter running the bench (the project's venv)."""
    beside = Path(sys.executable).parent / "backoffice"
    found = str(beside) if beside.exists() else shutil.which("backoffice")
    if found is None:
        raise BenchFailed("the `backoffice` command is not installed (run `make install`)")
    return found


def _environment(url: str, data_dir: Path) -> dict[str, str]:
    """The service and the ATS in one database, keys in a throw-away data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}
    env.update(BACKOFFICE_DATABASE_URL=url, BACKOFFICE_DATA_DIR=str(data_dir))
    return env


# -------------------------------------------------------------------------- databases


@contextmanager
def bench_database(kind: str, workdir: Path) -> Iterator[str]:
    """A new empty database of ``kind``, dropped afterwards (as ``tests/support/databases.py``)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite'}"
        return
    server = make_url(POSTGRESQL_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"bo_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except OperationalError as error:
        admin.dispose()
        raise BenchFailed(
            f"PostgreSQL at {server.host}:{server.port} is not reachable ({error.orig}); "
            "start it or set BACKOFFICE_BENCH_POSTGRESQL_URL"
        ) from error
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def count_rows(engine: Engine) -> dict[str, int]:
    """Fee and installment rows, so the reference inserts as many as realize wrote."""
    with engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table)) or 0
            for table in (FEES, INSTALLMENTS)
        }


def change_one_percent(engine: Engine) -> dict[str, int]:
    """Change every 100th placement and every 100th approved time card, as an ATS would.

    Each change gets an ``updated_at`` later than every row in the ATS, so an
    incremental run finds it by its high-water mark and nothing else.
    """
    placement, card = ats_tables.placement, ats_tables.timecard
    every_100th = placement.c.id % 100 == 0
    with engine.begin() as connection:
        stamp = _after_everything(connection)
        salaries = connection.execute(
            update(placement)
            .where(every_100th, placement.c.placement_type == "direct_hire")
            .values(base_salary=placement.c.base_salary + Decimal(1000), updated_at=stamp)
        )
        rates = connection.execute(
            update(placement)
            .where(every_100th, placement.c.placement_type == "contract")
            .values(
                bill_rate=placement.c.bill_rate + Decimal(1),
                updated_at=stamp + dt.timedelta(seconds=1),
            )
        )
        hours = connection.execute(
            update(card)
            .where(card.c.id % 100 == 0, card.c.status == "approved")
            .values(
                regular_hours=card.c.regular_hours + Decimal(1),
                updated_at=stamp + dt.timedelta(seconds=2),
            )
        )
    return {
        "direct-hire salaries": salaries.rowcount,
        "contract bill rates": rates.rowcount,
        "approved time cards": hours.rowcount,
    }


def _after_everything(connection: Connection) -> dt.datetime:
    """A whole second one hour after the newest ``updated_at`` of any ATS table."""
    newest = max(
        connection.scalar(select(func.max(table.c.updated_at))) or dt.datetime.min
        for table in ats_tables.ALL_TABLES
    )
    return (newest + dt.timedelta(hours=1)).replace(microsecond=0)


# -------------------------------------------------------------------------- reference


@dataclass(frozen=True)
class Reference:
    """The reference pass: the query alone, then the bulk insert alone."""

    query_seconds: float
    insert_seconds: float
    rows_read: int
    fees: int
    installments: int

    @property
    def seconds(self) -> float:
        """What a realization is measured against."""
        return self.query_seconds + self.insert_seconds


def reference_pass(engine: Engine, fees: int, installments: int) -> Reference:
    """Read and price the same rows in one query, then bulk-insert as many rows as realize.

    The insert goes into scratch copies of the fee tables (same columns, keys,
    indexes and foreign key), in one transaction, by executemany in chunks.
    """
    scratch, bench_fee, bench_installment = _scratch_tables()
    scratch.create_all(engine)
    try:
        start = perf_counter()
        with engine.connect() as connection:
            rows = connection.execute(REFERENCE_QUERY).all()
        query_seconds = perf_counter() - start
        if not rows:
            raise BenchFailed("the reference query found no rows")
        start = perf_counter()
        with engine.begin() as connection:
            _insert_chunked(connection, bench_fee, _fee_rows(rows, fees))
            _insert_chunked(
                connection, bench_installment, _installment_rows(rows, fees, installments)
            )
        insert_seconds = perf_counter() - start
    finally:
        scratch.drop_all(engine)
    return Reference(query_seconds, insert_seconds, len(rows), fees, installments)


def _scratch_tables() -> tuple[MetaData, Table, Table]:
    """``bench_fee`` and ``bench_installment``: the fee tables under other names."""
    scratch = MetaData(naming_convention=NAMING_CONVENTION)
    names = {FEES.name: "bench_fee", INSTALLMENTS.name: "bench_installment"}
    copies = [_copy_table(table, names, scratch) for table in (FEES, INSTALLMENTS)]
    return scratch, copies[0], copies[1]


def _copy_table(source: Table, names: dict[str, str], metadata: MetaData) -> Table:
    """Columns, unique keys, indexes and foreign keys of ``source``, renamed per ``names``."""
    columns = [
        Column(
            column.name,
            column.type,
            *[ForeignKey(_renamed(fk.target_fullname, names)) for fk in column.foreign_keys],
            primary_key=column.primary_key,
            nullable=column.nullable,
            autoincrement=column.autoincrement,
        )
        for column in source.columns
    ]
    uniques = [
        UniqueConstraint(*[c.name for c in constraint.columns])
        for constraint in source.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    copy = Table(names[source.name], metadata, *columns, *uniques)
    for index in source.indexes:
        Index(None, *[copy.c[c.name] for c in index.columns], unique=bool(index.unique))
    return copy


def _renamed(target: str, names: dict[str, str]) -> str:
    table, column = target.split(".")
    return f"{names.get(table, table)}.{column}"


def _fee_rows(rows: Sequence[Row[Any]], count: int) -> Iterator[dict[str, Any]]:
    """``count`` fee rows from the priced rows (cycled, with an occurrence to stay unique)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for index in range(count):
        row = rows[index % len(rows)]
        amount = row.amount or Decimal(0)
        yield {
            "id": index + 1,
            "source_type": row.source_type,
            "source_id": row.source_id,
            "occurrence_key": str(index // len(rows) or ""),
            "occurrence": None,
            "billto_id": row.billto_id,
            "invoice_billto_id": row.billto_id,
            "product_code": row.product_code or "",
            "pay_plan_code": None,
            "terms_code": "NET30",
            "po_number": None,
            "currency": row.currency,
            "event_date": row.event_date,
            "amount": amount,
            "status": "active",
            "basis": _basis(row, amount),
            "credit_review_reason": None,
            "source_updated_at": row.updated_at,
            "realized_at": now,
            "revised_at": now,
        }


def _basis(row: Row[Any], amount: Decimal) -> str:
    """A basis document of about the size realization stores, built the same way."""
    return json.dumps(
        {
            "billto_id": str(row.billto_id),
            "product": row.product_code,
            "currency": row.currency,
            "event_date": row.event_date.isoformat(),
            "amount": str(amount),
            "schedule": f"1:{row.event_date}:{amount}",
        },
        sort_keys=True,
    )


def _installment_rows(rows: Sequence[Row[Any]], fees: int, count: int) -> Iterator[dict[str, Any]]:
    """``count`` installments spread over the ``fees`` fees (seq 1, 2, ... per fee)."""
    for index in range(count):
        fee_index = index % fees
        row = rows[fee_index % len(rows)]
        yield {
            "fee_id": fee_index + 1,
            "seq": index // fees + 1,
            "kind": "plan",
            "plan_line": 1,
            "effective_date": row.event_date,
            "amount": row.amount or Decimal(0),
            "status": "pending",
            "credit_review_reason": None,
        }


def _insert_chunked(connection: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    iterator = iter(rows)
    while chunk := list(islice(iterator, INSERT_CHUNK)):
        connection.execute(insert(table), chunk)


# ------------------------------------------------------------------------------ a run


@dataclass
class DatabaseReport:
    """Everything measured on one database, and what was wrong with it."""

    kind: str
    demo_seconds: float = 0.0
    demo_description: str = ""
    startup_seconds: float = 0.0
    runs: dict[str, Realized] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    reference: Reference | None = None
    problems: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)


@contextmanager
def demo_book(
    kind: str, placements: int, seed: int, executable: str
) -> Iterator[tuple[Cli, str, Timed]]:
    """A throw-away database of ``kind`` with the demo book written: the CLI on it, its
    URL and the timed ``demo-data`` step."""
    with (
        tempfile.TemporaryDirectory(prefix="bo-bench-") as tmp,
        bench_database(kind, Path(tmp)) as url,
    ):
        cli = Cli(executable, _environment(url, Path(tmp) / "data"), Path(tmp))
        _say(kind, "db upgrade")
        cli.run("db", "upgrade")
        _say(kind, f"demo-data --placements {placements} --seed {seed}")
        yield cli, url, cli.run("demo-data", "--placements", str(placements), "--seed", str(seed))


def bench_one(kind: str, placements: int, seed: int, executable: str) -> DatabaseReport:
    """Write the demo book, realize three times, then measure the reference pass.

    The reference runs last because it inserts as many rows as the full run
    wrote; the ATS tables were just written by demo-data, so every pass reads
    them from a warm cache.
    """
    report = DatabaseReport(kind)
    with demo_book(kind, placements, seed, executable) as (cli, url, demo):
        report.demo_seconds, report.demo_description = demo.seconds, demo.stdout.strip()
        report.startup_seconds = cli.run("--help").seconds
        engine = create_database_engine(url)
        try:
            _realize_three_times(kind, cli, engine, report)
            _say(kind, "reference pass")
            report.reference = reference_pass(
                engine, report.rows[FEES.name], report.rows[INSTALLMENTS.name]
            )
        finally:
            engine.dispose()
    report.problems = check_summaries(report.runs)
    return report


def _realize_three_times(kind: str, cli: Cli, engine: Engine, report: DatabaseReport) -> None:
    before = _source_stamps()
    _say(kind, "realize (full)")
    report.runs["full"] = cli.realize()
    report.rows = count_rows(engine)
    _say(kind, "realize (unchanged)")
    report.runs["unchanged"] = cli.realize()
    report.changed = change_one_percent(engine)
    _say(kind, f"realize (after changing {sum(report.changed.values())} rows)")
    report.runs["1% changed"] = cli.realize()
    report.edited = sorted(
        path for path, stamp in _source_stamps().items() if before.get(path) != stamp
    )


def _source_stamps() -> dict[str, int]:
    """Modification times of the code realize runs, to tell when it was edited mid-bench.

    The service is installed editable, so an edit between two runs makes them
    run different code (a changed catalog fingerprint turns a re-run into a
    full pass); the report says so rather than leave the figures unexplained.
    """
    root = Path(ats_tables.__file__).resolve().parents[1]
    return {
        str(path.relative_to(root)): path.stat().st_mtime_ns
        for package in ("ats", "backoffice", "billing")
        for path in (root / package).rglob("*.py")
    }


def check_summaries(runs: dict[str, Realized]) -> list[str]:
    """What in the realize summaries contradicts what the bench did to the ATS."""
    full, unchanged, partial = runs["full"], runs["unchanged"], runs["1% changed"]
    checks = [
        (full.full_pass and full.summary.get("new", 0) > 0, "full run: full pass with new > 0"),
        (not unchanged.full_pass, "unchanged re-run: incremental"),
        (
            unchanged.summary.get("new", 0) == 0 and unchanged.summary.get("changed", 0) == 0,
            "unchanged re-run: new == 0 and changed == 0",
        ),
        (partial.summary.get("changed", 0) > 0, "1% re-run: changed > 0"),
    ]
    return [f"expected {what}" for ok, what in checks if not ok]


def _say(kind: str, step: str) -> None:
    print(f"[{LABELS[kind]}] {step} ...", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- output


def print_report(report: DatabaseReport, placements: int) -> None:
    """The step table of one database, then the summaries it was checked against."""
    reference = report.reference
    assert reference is not None
    print(f"\n== {LABELS[report.kind]}: {placements} placements ==")
    print(f"demo-data: {report.demo_seconds:.1f} s. {report.demo_description}")
    print(f"CLI start-up (`backoffice --help`): {report.startup_seconds:.2f} s")
    print(
        f"reference: query {reference.query_seconds:.2f} s ({reference.rows_read} rows) "
        f"+ insert {reference.insert_seconds:.2f} s ({reference.fees} fees, "
        f"{reference.installments} installments) = {reference.seconds:.2f} s"
    )
    changed = ", ".join(f"{count} {what}" for what, count in report.changed.items())
    print(f"changed in the ATS before the 1% run: {changed}")
    _print_table(_step_rows(report, reference))
    for name, run in report.runs.items():
        print(f"  {name}: full_pass={run.full_pass} {json.dumps(run.summary)}")
    for problem in report.problems:
        print(f"  CHECK FAILED: {problem}")
    if report.edited:
        print(f"  WARNING: edited while realize ran, so runs used different code: "
              f"{', '.join(report.edited)}")  # fmt: skip


def _step_rows(report: DatabaseReport, reference: Reference) -> list[tuple[str, ...]]:
    runs = report.runs
    full = runs["full"].seconds
    targets = {
        "full": (
            f"<= {FULL_RATIO_TARGET:g}x reference",
            full <= FULL_RATIO_TARGET * reference.seconds,
        ),
        "unchanged": (
            f"< {UNCHANGED_SECONDS_TARGET:g} s",
            runs["unchanged"].seconds < UNCHANGED_SECONDS_TARGET,
        ),
        "1% changed": (
            f"< {PARTIAL_SHARE_TARGET:.0%} of full ({PARTIAL_SHARE_TARGET * full:.2f} s)",
            runs["1% changed"].seconds < PARTIAL_SHARE_TARGET * full,
        ),
    }
    rows = [("step", "seconds", "x reference", "peak RSS MB", "target", "")]
    rows.append(("reference", f"{reference.seconds:.2f}", "1.00", "", "", ""))
    for name, run in runs.items():
        target, met = targets[name]
        rows.append((name, f"{run.seconds:.2f}", f"{run.seconds / reference.seconds:.2f}",
                     f"{run.peak_rss_mb:.0f}", target, _verdict(met)))  # fmt: skip
    peak = max(run.peak_rss_mb for run in runs.values())
    rows.append(("peak memory", "", "", f"{peak:.0f}", f"< {MEMORY_MB_TARGET:g} MB",
                 _verdict(peak < MEMORY_MB_TARGET)))  # fmt: skip
    return rows


def _verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def _print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell.ljust(width) if i in (0, 4) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  " + "  ".join(cells).rstrip())


# ------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options; ``--placements 2000`` gives a quick check of the whole bench."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placements", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    add_databases_option(parser)
    return parse_with_databases(parser, argv)


def add_databases_option(parser: argparse.ArgumentParser) -> None:
    """The ``--databases`` option every benchmark takes."""
    parser.add_argument(
        "--databases",
        default=",".join(DATABASES),
        help=f"comma-separated, of {', '.join(DATABASES)}",
    )


def parse_with_databases(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> argparse.Namespace:
    """Parse ``argv``, turning ``--databases`` into a checked list of known names."""
    args = parser.parse_args(argv)
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = sorted(set(args.databases) - set(DATABASES))
    if unknown or not args.databases:
        parser.error(f"--databases takes {', '.join(DATABASES)}; got {args.databases}")
    return args


ReportT = TypeVar("ReportT")


def bench_each(
    databases: Sequence[str],
    bench: Callable[[str], ReportT],
    report: Callable[[ReportT], None],
    failed: Callable[[ReportT], bool],
) -> int:
    """Bench each database in turn; a failure on one does not hide the other's figures.

    Exit status 1 when any database's bench failed or ``failed`` says so.
    """
    any_failed = False
    for kind in databases:
        try:
            result = bench(kind)
        except BenchFailed as error:
            print(f"\n== {LABELS[kind]}: FAILED ==\n{error}", flush=True)
            any_failed = True
            continue
        report(result)
        sys.stdout.flush()
        any_failed = any_failed or failed(result)
    return 1 if any_failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Bench each database in turn and print its figures."""
    args = parse_args(argv)
    return bench_each(
        args.databases,
        lambda kind: bench_one(kind, args.placements, args.seed, _backoffice_executable()),
        lambda report: print_report(report, args.placements),
        lambda report: bool(report.problems),
    )


if __name__ == "__main__":
    sys.exit(main())
