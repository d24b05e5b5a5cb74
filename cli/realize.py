"""``backoffice realize``: one realization run, its summary, and what is still blocked.

Progress goes to stderr, never into ``--json`` output: a bar with the total
and the time left on a terminal, a log line every so many records otherwise
(a scheduler's log), with the time left once the total is known.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import click

from cli.output import ProgressBar
from cli.support import current_runtime, print_json, told_where
from services import realization
from services.realization import RealizeResult

logger = logging.getLogger(__name__)

LOG_EVERY = 50_000  # ATS records between progress log lines off a terminal


@click.command()
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Realize scheduled service fees due up to DATE (default: today).",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=600,
    show_default=True,
    help="Seconds to wait for another realize run to finish.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def realize(as_of: dt.datetime | None, wait: float, as_json: bool) -> None:
    """Bring realized fees up to date with the ATS (incremental, idempotent)."""
    runtime = current_runtime().require_current_schema()
    day = (as_of or dt.datetime.now()).date()
    again = "Run `backoffice realize` again once those have finished; every page written is kept."
    with Progress() as progress, told_where(realize_contended=again):
        result = realization.realize(runtime, day, wait_seconds=wait, progress=progress)
    if as_json:
        print_json(
            {
                "summary": result.counts,
                "full_pass": result.full_pass,
                "still_blocked": result.still_blocked,
                "warnings": list(result.warnings),
            }
        )
        return
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    say_summary(result)


def say_summary(result: RealizeResult) -> None:
    """The run's counts in one sentence, then every event blocked now and where to look.

    The run's own ``blocked`` count (events it evaluated and blocked; 0 on a
    run that found nothing new) reads as "nothing is blocked", so the text
    gives only the events blocked after the run, evaluated now or before.
    """
    scope = "every ATS event was evaluated" if result.full_pass else "changes since the last run"
    counts = ", ".join(
        f"{count:,} {name.replace('_', ' ')}"
        for name, count in result.counts.items()
        if name != "blocked"
    )
    click.echo(f"Realized fees are up to date ({scope}): {counts}.")
    if result.still_blocked:
        click.echo(
            f"{result.still_blocked:,} ATS event(s) are blocked: run "
            "`backoffice fees blocked` to see why and what to do."
        )
    else:
        click.echo("No ATS event is blocked.")


class Progress:
    """A bar on a terminal, log lines otherwise; both with the time left when the total is known."""

    def __enter__(self) -> Progress:
        self.bar = ProgressBar("realize", "ATS records").__enter__()
        self.total: int | None = None
        self.done = 0
        self.logged = 0
        self.started_at = time.monotonic()
        return self

    def started(self, total: int | None) -> None:
        """The run begins; the bar (or the log lines) count towards ``total`` when known."""
        self.total, self.started_at = total, time.monotonic()
        self.bar.advance(0, total=total)

    def advanced(self, rows: int) -> None:
        """Move the bar, or log a line every ``LOG_EVERY`` records."""
        self.done += rows
        if self.bar.is_shown:
            self.bar.advance(rows)
        elif self.done - self.logged >= LOG_EVERY:
            logger.info("realize: %s", self.describe())
            self.logged = self.done

    def describe(self) -> str:
        """``50,000 of 120,000 ATS records evaluated, about 2 min left``."""
        if not self.total:
            return f"{self.done:,} ATS records evaluated so far"
        elapsed = time.monotonic() - self.started_at
        left = elapsed / self.done * max(self.total - self.done, 0) if self.done else 0
        return (
            f"{self.done:,} of {self.total:,} ATS records evaluated, about {_duration(left)} left"
        )

    def __exit__(self, *_exc: object) -> None:
        self.bar.__exit__()


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(round(seconds), 1)} s"
    return f"{round(seconds / 60)} min"
