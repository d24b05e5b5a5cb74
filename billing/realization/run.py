"""A realization run: bring realized fees up to date with the ATS, incrementally.

The run reads only ATS rows changed since the last run's high-water marks (the
reader adds a look-back window), evaluates them, converges their fees and
writes each page in its own transaction together with the advanced
high-water mark, so a crash at any point loses nothing and doubles nothing.
When the catalog changed since the last run every event is evaluated again;
when the as-of date moved, open scheduled service fees are too. The caller
holds the realize run lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ats import tables
from ats.reader import BILLTOS, PLACEMENTS, SERVICE_FEES, TIMECARDS, AtsReader, Source
from ats.records import AtsPlacement, AtsServiceFee, AtsTimecard
from backoffice.errors import NeedsUserAction
from backoffice.storage import is_deadlock, take_write_lock
from billing.billtos import BilltoTree
from billing.catalog.snapshot import load_catalog_snapshot
from billing.convergence import FeeChange, FeeState, Outcome, converge
from billing.fees import SourceType
from billing.realization.evaluation import (
    Blocked,
    DesiredFee,
    Evaluation,
    EventKey,
    NotBillable,
    RealizationContext,
    Removal,
    evaluate_placement,
    evaluate_service_fee,
    evaluate_timecard,
    is_occurrence_gone,
    why_occurrence_gone,
)
from billing.realization.stamps import StampWarnings, clamp_mark
from billing.realization.state import (
    AS_OF,
    CATALOG_FINGERPRINT,
    Boundary,
    VersionedRecord,
    boundary_name,
    cursor_name,
    parse_cursor,
    read_state,
    write_state,
)
from billing.realization.store import (
    FeeKey,
    PageOutdated,
    QueuedRecheck,
    apply_changes,
    clear_rechecks,
    load_fee_states,
    queued_rechecks,
    realized_through,
    refresh_statistics,
    replace_blocked,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 1000
REPLANS = 5  # attempts at a page whose installments keep changing under it
ANALYZE_EVERY = 200_000  # fees written between refreshes of the planner's statistics


@dataclass
class RealizationSummary:
    """How many events a run found new, changed, cancelled, blocked or unchanged.

    ``stamps`` holds the ATS rows whose ``updated_at`` a person must look at.
    """

    stamps: StampWarnings
    counts: Counter[str] = field(default_factory=Counter)
    full: bool = False

    def as_dict(self) -> dict[str, int]:
        """The contract's summary keys first, then the others."""
        keys = [o.value for o in Outcome]
        return {key: self.counts.get(key, 0) for key in keys}

    @property
    def warnings(self) -> list[str]:
        """What a person should check in the ATS, one sentence each."""
        return self.stamps.sentences()


@dataclass
class _Page:
    """The evaluations of one page of ATS rows, ready to converge."""

    evaluations: list[Evaluation] = field(default_factory=list)
    sources: dict[SourceType, set[int]] = field(default_factory=dict)
    service_fees: dict[int, AtsServiceFee] = field(default_factory=dict)
    horizons: dict[int, dt.date] = field(default_factory=dict)  # service fee id: evaluated through

    def add(
        self, source_type: SourceType, source_id: int, evaluations: Iterable[Evaluation]
    ) -> None:
        self.sources.setdefault(source_type, set()).add(source_id)
        self.evaluations.extend(evaluations)


Progress = Callable[[int], None]  # called with how many more ATS rows were evaluated


VersionedT = TypeVar("VersionedT", bound=VersionedRecord)


@dataclass(frozen=True)
class _Mark:
    """How far a source has been read: its high-water mark and look-back boundary."""

    name: str
    high_water: dt.datetime
    boundary: str

    def write(self, connection: Connection) -> None:
        """Store the mark (in the transaction of the page it describes)."""
        write_state(connection, cursor_name(self.name), self.high_water.isoformat())
        write_state(connection, boundary_name(self.name), self.boundary)


class RealizationRun:
    """One run of ``backoffice realize``."""

    def __init__(
        self,
        engine: Engine,
        reader: AtsReader,
        *,
        as_of: dt.date,
        now: dt.datetime,
        progress: Progress = lambda _n: None,
        page_size: int = PAGE_SIZE,
        heartbeat: Callable[[], None] = lambda: None,
    ) -> None:
        self.engine = engine
        self.reader = reader
        self.as_of = as_of
        self.now = now
        self.progress = progress
        self.page_size = page_size
        self.heartbeat = heartbeat
        self.summary = RealizationSummary(StampWarnings(now))
        # Rows already evaluated in an incremental run (a changed Billto and a changed
        # placement can lead to the same row); a full pass reads each row once.
        self.seen: set[tuple[SourceType, int]] = set()
        self.written_since_analyze = 0
        self.rechecks: dict[int, QueuedRecheck] = {}

    def _is_new(self, source_type: SourceType, source_id: int) -> bool:
        """Whether this run has not evaluated the row yet (and now counts it as evaluated)."""
        if self.summary.full:
            return True
        key = (source_type, source_id)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def will_read_everything(self) -> bool:
        """Whether this run evaluates every ATS event: the catalog changed, or none ran yet."""
        with Session(self.engine) as session:
            fingerprint = load_catalog_snapshot(session).fingerprint
        with self.engine.connect() as connection:
            return read_state(connection).get(CATALOG_FINGERPRINT) != fingerprint

    def run(self) -> RealizationSummary:
        """Evaluate everything that may have changed and converge its fees."""
        with Session(self.engine) as session:
            self.catalog = catalog = load_catalog_snapshot(session)
        with self.engine.connect() as connection:
            self.state = state = read_state(connection)
            self.rechecks = queued_rechecks(connection)
        self.summary.full = state.get(CATALOG_FINGERPRINT) != catalog.fingerprint
        if self.summary.full:
            logger.info("catalog changed (or first run): evaluating every ATS event")
            self._full_pass()
        else:
            self._incremental_pass()
        self._keep_statistics_fresh(0, force=self.summary.full)
        with self.engine.begin() as connection:
            clear_rechecks(connection, self.rechecks)
            write_state(connection, CATALOG_FINGERPRINT, catalog.fingerprint)
            write_state(connection, AS_OF, self.as_of.isoformat())
        return self.summary

    @cached_property
    def context(self) -> RealizationContext:
        """Built on first use: a run with nothing to evaluate never reads the Billto tree."""
        billtos = BilltoTree.of(
            r for page in self.reader.iter_changed(BILLTOS, None) for r in page.records
        )
        return RealizationContext.build(self.catalog, billtos, self.as_of)

    def _full_pass(self) -> None:
        """Every event, then high-water marks for the tables read through others."""
        marks = [
            self._mark_of_table(TIMECARDS, "timecards"),
            self._mark_of_table(BILLTOS, "billtos"),
        ]
        self._read_changes(PLACEMENTS, "placements", None, self._placement_page)
        self._timecards_without_placement()
        self._read_changes(SERVICE_FEES, "service_fees", None, self._service_fee_page)
        with self.engine.begin() as connection:
            for mark in marks:
                if mark is not None:
                    mark.write(connection)

    def _timecards_without_placement(self) -> None:
        """Time cards whose placement is not in the ATS: read through no placement, so asked for.

        An incremental run reads them as changed time cards and blocks them;
        a full pass must reach the same outcome.
        """
        orphaned = tables.timecard.c.placement_id.not_in(select(tables.placement.c.id))
        for cards in self.reader.iter_matching(TIMECARDS, orphaned, page_size=self.page_size):
            self._converge(self._timecard_page(cards), None)

    def _mark_of_table(self, source: Source[Any], name: str) -> _Mark | None:
        """The mark a full read of ``source`` would leave, taken before the pass starts."""
        newest = self.reader.max_updated_at(source)
        if newest is None:
            return None
        mark = self._clamped(newest)
        boundary = Boundary(self.reader.lookback)
        for page in self.reader.iter_changed(source, mark, page_size=self.page_size):
            self._check_stamps(name, page.records)
            boundary.add_recent(page.records, mark)
        return _Mark(name, mark, boundary.dumps(mark))

    def _check_stamps(self, name: str, records: Iterable[VersionedRecord]) -> None:
        for record in records:
            self.summary.stamps.check(name, record)

    def _clamped(self, high_water: dt.datetime) -> dt.datetime:
        return clamp_mark(high_water, self.now, self.reader.lookback)

    def _incremental_pass(self) -> None:
        self._billto_changes()
        self._read_changes(
            PLACEMENTS, "placements", self._since("placements"), self._placement_page
        )
        self._read_changes(TIMECARDS, "timecards", self._since("timecards"), self._timecard_page)
        self._read_changes(
            SERVICE_FEES, "service_fees", self._since("service_fees"), self._service_fee_page
        )
        last_as_of = _as_of(self.state)
        if last_as_of is not None and self.as_of != last_as_of:
            self._fees_due_between(min(last_as_of, self.as_of), max(last_as_of, self.as_of))
        self._rechecked_events()

    def _rechecked_events(self) -> None:
        """Events of fees queued for a recheck (an invoice of theirs was voided)."""
        queued: dict[SourceType, list[int]] = {}
        for recheck in self.rechecks.values():
            queued.setdefault(recheck.source_type, []).append(recheck.source_id)
        reads: list[tuple[SourceType, Source[Any], Any, Callable[[list[Any]], _Page]]] = [
            (SourceType.PLACEMENT, PLACEMENTS, tables.placement.c.id, self._placement_page),
            (SourceType.TIMECARD, TIMECARDS, tables.timecard.c.id, self._timecard_page),
            (SourceType.SERVICE_FEE, SERVICE_FEES, tables.service_fee.c.id,
             self._service_fee_page),
        ]  # fmt: skip
        for source_type, source, id_column, to_page in reads:
            ids = sorted(set(queued.get(source_type, ())))
            for start in range(0, len(ids), self.page_size):
                chunk = ids[start : start + self.page_size]
                for rows in self.reader.iter_matching(
                    source, id_column.in_(chunk), page_size=self.page_size
                ):
                    self._converge(to_page(rows), None)

    def _since(self, name: str) -> dt.datetime | None:
        """The stored mark, clamped: one stored before marks were clamped may be in the future."""
        stored = parse_cursor(self.state.get(cursor_name(name)))
        return None if stored is None else self._clamped(stored)

    def _changed_rows(
        self, source: Source[VersionedT], name: str, since: dt.datetime | None
    ) -> Iterator[tuple[list[VersionedT], _Mark | None]]:
        """Pages of rows changed since ``since``, less those the last run saw unchanged.

        Each page comes with the mark (high-water and boundary) to store once
        the page is written.
        """
        if since is None:  # a full read evaluates every row, whatever the last run saw
            boundary = Boundary(self.reader.lookback)
        else:
            boundary = Boundary.load(self.state.get(boundary_name(name)), self.reader.lookback)
        high_water = since
        for page in self.reader.iter_changed(source, since, page_size=self.page_size):
            fresh = [r for r in page.records if not boundary.has_seen(r)]
            self._check_stamps(name, page.records)
            if page.high_water is not None:
                newest = self._clamped(page.high_water)
                high_water = newest if high_water is None else max(high_water, newest)
            if high_water is None:  # nothing with a valid stamp read yet: no mark to store
                yield fresh, None
                continue
            boundary.add_recent(page.records, high_water)
            yield fresh, _Mark(name, high_water, boundary.dumps(high_water))

    def _read_changes(
        self,
        source: Source[VersionedT],
        name: str,
        since: dt.datetime | None,
        to_page: Callable[[list[VersionedT]], _Page],
    ) -> None:
        """Converge every page of ``source`` changed since ``since``, advancing its mark."""
        for rows, mark in self._changed_rows(source, name, since):
            self._converge(to_page(rows), mark)

    def _billto_changes(self) -> None:
        """A Billto that moved in the tree or changed changes coverage below it."""
        changed: set[int] = set()
        mark = None
        for rows, page_mark in self._changed_rows(BILLTOS, "billtos", self._since("billtos")):
            changed.update(b.id for b in rows)
            mark = page_mark or mark
        affected = sorted(self.context.billtos.subtree(changed)) if changed else []
        for start in range(0, len(affected), self.page_size):
            chunk = affected[start : start + self.page_size]
            for placements in self.reader.iter_matching(
                PLACEMENTS, tables.placement.c.billto_id.in_(chunk), page_size=self.page_size
            ):
                self._converge(self._placement_page(placements), None)
            for fees in self.reader.iter_matching(
                SERVICE_FEES, tables.service_fee.c.billto_id.in_(chunk), page_size=self.page_size
            ):
                self._converge(self._service_fee_page(fees), None)
        if mark is not None:
            with self.engine.begin() as connection:
                mark.write(connection)

    def _fees_due_between(self, after: dt.date, through: dt.date) -> None:
        """Service fees that may have an occurrence after ``after`` and up to ``through``.

        Moving the as-of date changes which occurrences are due without any
        ATS row changing, so those fees are read again by their dates.
        """
        fee = tables.service_fee.c
        one_time_in_window = and_(
            fee.schedule == "one_time", fee.created_date > after, fee.created_date <= through
        )
        scheduled_and_open = and_(
            fee.schedule != "one_time",
            fee.created_date <= through,
            or_(fee.cancelled_on.is_(None), fee.cancelled_on > after),
            or_(fee.schedule_end_date.is_(None), fee.schedule_end_date > after),
        )
        for fees in self.reader.iter_matching(
            SERVICE_FEES, or_(one_time_in_window, scheduled_and_open), page_size=self.page_size
        ):
            self._converge(self._service_fee_page(fees), None)

    def _placement_page(self, placements: list[AtsPlacement]) -> _Page:
        """The placements and every time card of theirs.

        Cards are read whatever the placement's type: one of a placement whose
        type is misspelled (or a direct hire) must be evaluated, and blocked,
        on a full pass just as when it changes on its own.
        """
        page = _Page()
        cards = self.reader.timecards_of(p.id for p in placements) if placements else {}
        for placement in placements:
            if self._is_new(SourceType.PLACEMENT, placement.id):
                evaluation = evaluate_placement(placement, self.context)
                page.add(SourceType.PLACEMENT, placement.id, [evaluation])
            for card in cards.get(placement.id, ()):
                if self._is_new(SourceType.TIMECARD, card.id):
                    evaluation = evaluate_timecard(card, placement, self.context)
                    page.add(SourceType.TIMECARD, card.id, [evaluation])
        return page

    def _timecard_page(self, cards: list[AtsTimecard]) -> _Page:
        page = _Page()
        placements = self.reader.get(PLACEMENTS, {c.placement_id for c in cards})
        for card in cards:
            if not self._is_new(SourceType.TIMECARD, card.id):
                continue
            placement = placements.get(card.placement_id)
            page.add(
                SourceType.TIMECARD, card.id, [evaluate_timecard(card, placement, self.context)]
            )
        return page

    def _service_fee_page(self, fees: list[AtsServiceFee]) -> _Page:
        """Each fee evaluated through this run's as-of, or its latest realized occurrence.

        Occurrences realized by a run with a later as-of date stand (an earlier
        date never cancels them), so a change read now must reach them too, or
        they would keep their old amounts for good.
        """
        page = _Page()
        with self.engine.connect() as connection:
            realized = realized_through(connection, [fee.id for fee in fees])
        for fee in fees:
            if not self._is_new(SourceType.SERVICE_FEE, fee.id):
                continue
            horizon = max(self.as_of, realized.get(fee.id, self.as_of))
            context = self.context
            if horizon != self.as_of:
                context = replace(context, as_of=horizon)
            page.add(SourceType.SERVICE_FEE, fee.id, evaluate_service_fee(fee, context))
            page.service_fees[fee.id] = fee
            page.horizons[fee.id] = horizon
        return page

    def _converge(self, page: _Page, mark: _Mark | None) -> None:
        """Converge one page in one transaction, advancing its source's mark with it.

        ``invoice approve`` and ``invoice void`` move installments while a page
        is planned: a page whose plan no longer holds when it is written (or
        that the server rolled back to break a deadlock) is planned again from
        what is stored then, up to ``REPLANS`` times.
        """
        for attempt in range(1, REPLANS + 1):
            try:
                counts, written = self._write_page(page, mark)
            except PageOutdated as outdated:
                logger.info("page planned again (attempt %d): %s", attempt, outdated)
                continue
            except DBAPIError as error:
                if not is_deadlock(error):
                    raise
                logger.info("page planned again after a deadlock (attempt %d)", attempt)
                continue
            self.summary.counts.update(counts)
            self._keep_statistics_fresh(written)
            self.heartbeat()
            self.progress(sum(len(ids) for ids in page.sources.values()))
            return
        raise NeedsUserAction(
            "realize_contended",
            f"The fees of {_describe_sources(page.sources)} were planned {REPLANS} times and "
            "each time their installments changed before they were written (an invoice "
            "approve or void was running).",
            "Realize again once those have finished; every page written so far is kept.",
        )

    def _write_page(self, page: _Page, mark: _Mark | None) -> tuple[Counter[str], int]:
        """Plan and write one page in one transaction; its outcome counts and fees written.

        On SQLite the page takes the write lock before it reads, so nothing
        can change between planning and writing; elsewhere the conditional
        installment updates of ``apply_changes`` find out.
        """
        counts: Counter[str] = Counter()
        with self.engine.begin() as connection:
            take_write_lock(connection)
            existing: dict[FeeKey, FeeState] = {}
            for source_type, ids in page.sources.items():
                existing.update(load_fee_states(connection, source_type, ids))
            changes, blocked = self._plan(page, existing, counts)
            written = [c for c in changes if c.fee_values is not None]
            planned_from = {i.id: i for fee in existing.values() for i in fee.installments}
            apply_changes(connection, written, planned_from)
            replace_blocked(connection, page.sources, blocked)
            if mark is not None:
                mark.write(connection)
        return counts, len(written)

    def _keep_statistics_fresh(self, written: int, *, force: bool = False) -> None:
        """Refresh the planner's statistics every ``ANALYZE_EVERY`` fees written."""
        self.written_since_analyze += written
        if self.written_since_analyze >= ANALYZE_EVERY or (force and self.written_since_analyze):
            with self.engine.begin() as connection:
                refresh_statistics(connection)
            self.written_since_analyze = 0

    def _plan(
        self, page: _Page, existing: dict[FeeKey, FeeState], counts: Counter[str]
    ) -> tuple[list[FeeChange], list[Blocked]]:
        changes: list[FeeChange] = []
        blocked: list[Blocked] = []
        seen: set[FeeKey] = set()
        for evaluation in page.evaluations:
            key = evaluation.key
            natural = (key.source_type.value, key.source_id, key.occurrence_key)
            seen.add(natural)
            if isinstance(evaluation, Blocked):
                blocked.append(evaluation)
                counts[Outcome.BLOCKED] += 1
                continue
            state = existing.get(natural)
            recheck = state is not None and state.id in self.rechecks
            change = converge(state, evaluation, self.now, recheck=recheck)
            if change.outcome is Outcome.BLOCKED and isinstance(evaluation, DesiredFee):
                blocked.append(_blocked_by_change(evaluation, change))
            counts[change.outcome] += 1
            changes.append(change)
        changes.extend(self._gone_occurrences(page, existing, seen, counts))
        return changes, blocked

    def _gone_occurrences(
        self,
        page: _Page,
        existing: dict[FeeKey, FeeState],
        seen: set[FeeKey],
        counts: Counter[str],
    ) -> list[FeeChange]:
        """Service fee occurrences realized before that are no longer due (cancelled, ended)."""
        changes = []
        for natural, state in existing.items():
            source_type, source_id, _ = natural
            if source_type != SourceType.SERVICE_FEE or natural in seen:
                continue
            fee = page.service_fees.get(source_id)
            key = _key_from(natural)
            horizon = page.horizons.get(source_id, self.as_of)
            if fee is None or not is_occurrence_gone(fee, key.occurrence, horizon):
                continue
            gone = NotBillable(key, Removal.CANCEL, why_occurrence_gone(fee), fee.updated_at)
            change = converge(state, gone, self.now, recheck=state.id in self.rechecks)
            counts[change.outcome] += 1
            changes.append(change)
        return changes


def _describe_sources(sources: dict[SourceType, set[int]]) -> str:
    """The ATS rows of a page, for a message: ``timecard 9001-9950``."""
    return ", ".join(f"{kind.value} {min(ids)}-{max(ids)}" for kind, ids in sources.items() if ids)


def _blocked_by_change(desired: DesiredFee, change: FeeChange) -> Blocked:
    """A fee that cannot converge (see ``converge``) shows in the blocked list."""
    return Blocked(desired.key, desired.billto_id, desired.product_code, desired.event_date,
                   change.blocked_reason or "", desired.source_updated_at)  # fmt: skip


def _key_from(natural: tuple[str, int, str]) -> EventKey:
    source_type, source_id, occurrence = natural
    return EventKey(SourceType(source_type), source_id,
                    dt.date.fromisoformat(occurrence) if occurrence else None)  # fmt: skip


def _as_of(state: dict[str, str]) -> dt.date | None:
    value = state.get(AS_OF)
    return dt.date.fromisoformat(value) if value else None
