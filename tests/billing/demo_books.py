"""Demo books in a database of each kind, driven through the real command in processes."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import bindparam, func, select, update

from ats import tables
from backoffice.locks import JobLock
from backoffice.storage import create_database_engine
from billing.fees import FeeRevision, RealizedFee
from cli.main import cli
from tests.support.databases import fresh_database

BACKOFFICE = str(Path(sys.executable).parent / "backoffice")
AS_OF = "2024-06-30"
BOOK = ("--placements", "300", "--seed", "11")
SMALL_BOOK = ("--placements", "150", "--seed", "11")
# MariaDB is the slowest server here: it gets the small book and no kill scenario.
BOOKS = {"sqlite": BOOK, "postgresql": BOOK, "mariadb": SMALL_BOOK}
# A full pass converges placements (each with its time cards) in pages of PAGE_SIZE = 1000,
# so a small book is written in one or two transactions. The runs killed between pages
# run the same command with smaller pages, so the book has many pages and stays small.
SMALL_PAGES = 50
WITH_SMALL_PAGES = """
import sys
from billing.realization.run import RealizationRun
RealizationRun.__init__.__kwdefaults__["page_size"] = int(sys.argv.pop(1))
from cli.main import cli
cli(prog_name="backoffice")
"""
CHANGED_AT = dt.datetime(2024, 8, 1, 10, 0, 0)  # later than every updated_at of the demo book


class Book:
    """A service database holding a demo book, driven through the command line."""

    def __init__(self, kind: str, url: str, data_dir: Path) -> None:
        self.kind = kind
        self.url = url
        self.data_dir = data_dir
        self.env = {
            "BACKOFFICE_DATABASE_URL": url,
            "BACKOFFICE_ATS_DATABASE_URL": url,
            "BACKOFFICE_DATA_DIR": str(data_dir),
        }
        self.engine = create_database_engine(url)
        self.spawned = 0

    def close(self) -> None:
        self.engine.dispose()

    def cli(self, *args: str) -> str:
        """Run a command in this process; its standard output."""
        result = CliRunner().invoke(cli, list(args), env=self.env)
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result.stdout

    def build(self) -> Book:
        """The demo book of this kind of database (``BOOKS``)."""
        self.cli("db", "upgrade")
        self.cli("demo-data", *BOOKS[self.kind])
        return self

    def realize(self) -> dict[str, int]:
        """One run in this process, refusing to wait for the lock; its summary."""
        out = self.cli("realize", "--as-of", AS_OF, "--json", "--wait", "0")
        return json.loads(out)["summary"]

    def spawn_realize(
        self, *, wait: float = 0, page_size: int | None = None
    ) -> subprocess.Popen[str]:
        """``backoffice realize`` in its own process, output to files in the data dir.

        With ``page_size``, the same command with pages of that many rows.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.spawned += 1
        stdout = open(self.data_dir / f"realize-{self.spawned}.out", "w+")  # noqa: SIM115
        stderr = open(self.data_dir / f"realize-{self.spawned}.err", "w+")  # noqa: SIM115
        program = [BACKOFFICE]
        if page_size is not None:
            program = [sys.executable, "-c", WITH_SMALL_PAGES, str(page_size)]
        command = [*program, "realize", "--as-of", AS_OF, "--json", "--wait", str(wait)]
        process = subprocess.Popen(
            command, env={**os.environ, **self.env}, stdout=stdout, stderr=stderr, text=True
        )
        process.stdout, process.stderr = stdout, stderr
        return process

    def count(self, model: Any) -> int:
        with self.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(model)) or 0

    def lock_holders(self) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.scalars(select(JobLock.holder).where(JobLock.name == "realize")))

    def duplicate_natural_keys(self) -> list[tuple[Any, ...]]:
        fee = RealizedFee
        natural = (fee.source_type, fee.source_id, fee.occurrence_key)
        query = select(*natural, func.count()).group_by(*natural).having(func.count() > 1)
        with self.engine.connect() as connection:
            return [tuple(r) for r in connection.execute(query)]

    def snapshot(self) -> dict[str, list[Any]]:
        """``fees list`` and ``fees blocked`` (JSON) and the revisions, in a fixed order."""
        fees = json.loads(self.cli("fees", "list", "--json"))
        for fee in fees:
            del fee["fee_id"]  # ids follow insertion order, which a crash may change
        blocked = json.loads(self.cli("fees", "blocked", "--json"))
        revision = FeeRevision
        query = select(
            RealizedFee.source_type,
            RealizedFee.source_id,
            RealizedFee.occurrence_key,
            revision.change,
            revision.reason,
            revision.source_updated_at,
            revision.old_basis,
            revision.new_basis,
        ).join(RealizedFee, RealizedFee.id == revision.fee_id)
        with self.engine.connect() as connection:
            revisions = [tuple(r) for r in connection.execute(query)]
        return {
            "fees": sorted(fees, key=_natural),
            "blocked": sorted(blocked, key=_natural),
            "revisions": sorted(revisions, key=lambda r: [str(v) for v in r]),
        }

    def change_timecards(self) -> None:
        """Changes in the ATS after a first run; many share one ``updated_at``, some not.

        A third of the approved time cards get an hour more (all stamped at the
        same second, across several pages); one in seven is rejected after
        approval (each at its own second).
        """
        card = tables.timecard.c
        with self.engine.begin() as connection:
            connection.execute(
                update(tables.timecard)
                .where(card.status == "approved", card.id % 3 == 0)
                .values(regular_hours=card.regular_hours + 1, updated_at=CHANGED_AT)
            )
            rejected = connection.scalars(
                select(card.id).where(card.status == "approved", card.id % 7 == 1)
            ).all()
            connection.execute(
                update(tables.timecard)
                .where(card.id == bindparam("card_id"))
                .values(status="rejected", updated_at=bindparam("at")),
                [
                    {"card_id": i, "at": CHANGED_AT + dt.timedelta(seconds=n)}
                    for n, i in enumerate(rejected, start=1)
                ],
            )


@contextmanager
def new_book(kind: str, tmp_path: Path) -> Iterator[Book]:
    """A fresh, empty database of ``kind`` wrapped as a book, dropped afterwards."""
    with fresh_database(kind, tmp_path) as url:
        book = Book(kind, url, tmp_path / "var")
        try:
            yield book
        finally:
            book.close()


def _natural(event: dict[str, Any]) -> tuple[str, int, str]:
    return (event["source_type"], event["source_id"], event["occurrence"] or "")
