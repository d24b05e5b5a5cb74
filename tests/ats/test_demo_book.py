"""The demo book: deterministic, realistic, exact, and never written over someone else's ATS."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
import yaml
from sqlalchemy import event, func, inspect, select

from ats import tables
from ats.demo_book import AS_OF, DemoBookOptions, write_demo_book
from ats.reader import AtsReader
from backoffice.storage import ExactDecimal, create_database_engine

BOOK = DemoBookOptions(placements=400, seed=42)
SMALL_BOOK = DemoBookOptions(placements=120, seed=7)
DIRECT_HIRE = tables.placement.c.placement_type == "direct_hire"
CONTRACT = tables.placement.c.placement_type == "contract"
DEMO_PRODUCTS = {
    "STD_DH",
    "EXEC_DH",
    "FLAT_DH",
    "CONTRACT_HOURS",
    "PMO_FEE",
    "ADHOC_FEE",
    "BACKGROUND_CHECK",
}


class WrittenBook:
    """A demo book written into a SQLite ATS, with what was handed to the database."""

    def __init__(self, engine, book, parameters):
        self.engine = engine
        self.book = book
        self.parameters = parameters

    def rows(self, table, *where):
        with self.engine.connect() as connection:
            return connection.execute(select(table).where(*where).order_by(table.c.id)).all()

    def catalog(self):
        return yaml.safe_load(self.book.catalog_yaml)


def _write_book(url, options):
    """Write a book, keeping every row of parameters the inserts were given."""
    engine = create_database_engine(url)
    parameters = []

    @event.listens_for(engine, "before_execute")
    def keep_parameters(connection, statement, multiparams, params, execution_options):
        for batch in (*multiparams, params):
            parameters.extend(batch if isinstance(batch, list) else [batch])

    book = write_demo_book(engine, options, progress=False)
    return WrittenBook(engine, book, [p for p in parameters if p])


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The 400-placement book, written once: every test here only reads it."""
    written = _write_book(f"sqlite:///{tmp_path_factory.mktemp('book') / 'ats.sqlite'}", BOOK)
    yield written
    written.engine.dispose()


@pytest.fixture
def write_sqlite_book(tmp_path):
    """Writes books into fresh SQLite files; disposes their engines at the end."""
    books = []

    def write(options):
        books.append(_write_book(f"sqlite:///{tmp_path / f'ats-{len(books)}.sqlite'}", options))
        return books[-1]

    yield write
    for book in books:
        book.engine.dispose()


def _dump(written):
    return {table.name: written.rows(table) for table in tables.ALL_TABLES}


def _depths(billtos):
    parents = {b.id: b.parent_id for b in billtos}

    def depth(billto_id):
        parent = parents[billto_id]
        return 1 if parent is None else 1 + depth(parent)

    return {b.id: depth(b.id) for b in billtos}


def _company_of(written):
    return {b.id: b.company_id for b in written.rows(tables.billto)}


def test_same_seed_writes_identical_rows(write_sqlite_book):
    first, second = write_sqlite_book(SMALL_BOOK), write_sqlite_book(SMALL_BOOK)

    assert _dump(first) == _dump(second)
    assert first.book.catalog_yaml == second.book.catalog_yaml


def test_different_seed_writes_different_rows(write_sqlite_book):
    first = write_sqlite_book(SMALL_BOOK)
    second = write_sqlite_book(DemoBookOptions(placements=SMALL_BOOK.placements, seed=8))

    assert _dump(first) != _dump(second)


def test_book_writes_the_requested_number_of_placements(written):
    assert len(written.rows(tables.placement)) == BOOK.placements


def test_counts_are_the_rows_written(written):
    table_of = {
        "companies": tables.company,
        "Billtos": tables.billto,
        "placements": tables.placement,
        "time cards": tables.timecard,
        "service fees": tables.service_fee,
    }

    assert written.book.counts == {
        name: len(written.rows(table)) for name, table in table_of.items()
    }


def test_billto_ids_are_the_billtos_written(written):
    assert written.book.billto_ids == {b.id for b in written.rows(tables.billto)}


def test_book_has_several_companies(written):
    assert len(written.rows(tables.company)) >= 4


def test_billto_hierarchy_reaches_three_levels(written):
    assert max(_depths(written.rows(tables.billto)).values()) >= 3


def test_every_company_has_at_least_two_billto_levels(written):
    company_of = _company_of(written)
    levels: dict[int, int] = {}
    for billto_id, depth in _depths(written.rows(tables.billto)).items():
        levels[company_of[billto_id]] = max(levels.get(company_of[billto_id], 0), depth)

    assert set(levels) == {c.id for c in written.rows(tables.company)}
    assert min(levels.values()) >= 2


def test_each_company_has_one_top_billto(written):
    tops = Counter(b.company_id for b in written.rows(tables.billto) if b.parent_id is None)

    assert set(tops.values()) == {1}
    assert len(tops) == len(written.rows(tables.company))


def test_billto_parent_belongs_to_the_same_company(written):
    company_of = _company_of(written)

    assert all(
        company_of[b.parent_id] == b.company_id
        for b in written.rows(tables.billto)
        if b.parent_id is not None
    )


def test_direct_hire_placements_come_in_usd_cad_and_gbp(written):
    direct_hires = written.rows(
        tables.placement, tables.placement.c.placement_type == "direct_hire"
    )

    assert {p.currency for p in direct_hires} == {"USD", "CAD", "GBP"}


def test_every_direct_hire_placement_has_a_base_salary(written):
    direct_hires = written.rows(
        tables.placement, tables.placement.c.placement_type == "direct_hire"
    )

    assert all(p.base_salary > 0 for p in direct_hires)


def test_some_direct_hire_placements_have_an_ote_above_salary(written):
    with_ote = written.rows(tables.placement, tables.placement.c.ote.is_not(None))

    assert with_ote
    assert all(p.ote > p.base_salary for p in with_ote)


def test_placement_currency_is_its_billtos_currency(written):
    currency_of = {b.id: b.currency for b in written.rows(tables.billto)}

    assert all(p.currency == currency_of[p.billto_id] for p in written.rows(tables.placement))


def test_contract_placements_have_bill_rates(written):
    contracts = written.rows(tables.placement, CONTRACT)

    assert contracts
    assert all(p.bill_rate > 0 and p.product_code == "CONTRACT_HOURS" for p in contracts)


def test_timecards_cover_every_status(written):
    statuses = {card.status for card in written.rows(tables.timecard)}

    assert statuses == {"draft", "submitted", "approved", "rejected"}


def test_timecards_belong_to_contract_placements(written):
    contracts = {p.id for p in written.rows(tables.placement, CONTRACT)}

    assert {card.placement_id for card in written.rows(tables.timecard)} <= contracts


def test_timecards_fall_within_their_placement(written):
    placements = {p.id: p for p in written.rows(tables.placement)}

    assert all(
        placements[card.placement_id].start_date
        <= card.week_ending
        <= placements[card.placement_id].end_date
        for card in written.rows(tables.timecard)
    )


def test_book_has_corrected_timecards(written):
    corrected = [
        card
        for card in written.rows(tables.timecard, tables.timecard.c.status == "approved")
        if card.updated_at > card.approved_at
    ]

    assert corrected


def test_book_has_unapproved_timecards(written):
    unapproved = written.rows(
        tables.timecard,
        tables.timecard.c.status == "submitted",
        tables.timecard.c.approved_at.is_not(None),
    )

    assert unapproved


def test_only_approved_or_unapproved_timecards_carry_approved_at(written):
    stamped = written.rows(tables.timecard, tables.timecard.c.approved_at.is_not(None))

    assert {card.status for card in stamped} == {"approved", "submitted"}


def test_service_fees_are_one_time_and_on_every_schedule(written):
    schedules = {fee.schedule for fee in written.rows(tables.service_fee)}

    assert schedules == {"one_time", "weekly", "monthly", "quarterly", "annually"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_small_book_still_has_every_service_fee_schedule(write_sqlite_book, seed):
    small = write_sqlite_book(DemoBookOptions(placements=20, seed=seed))

    schedules = {fee.schedule for fee in small.rows(tables.service_fee)}
    assert schedules == {"one_time", "weekly", "monthly", "quarterly", "annually"}


def test_service_fee_currency_is_its_billtos_currency(written):
    currency_of = {b.id: b.currency for b in written.rows(tables.billto)}

    assert all(f.currency == currency_of[f.billto_id] for f in written.rows(tables.service_fee))


def test_book_has_cancelled_and_fell_off_placements(written):
    statuses = {p.status for p in written.rows(tables.placement)}

    assert {"cancelled", "fell_off"} <= statuses


def test_fell_off_placements_fell_off_after_start_and_by_the_books_today(written):
    fell_off = written.rows(tables.placement, tables.placement.c.status == "fell_off")

    assert fell_off
    assert all(p.start_date <= p.fell_off_date <= AS_OF for p in fell_off)


def test_ended_placements_ended_by_the_books_today(written):
    ended = written.rows(tables.placement, tables.placement.c.status == "ended")

    assert ended
    assert all(p.start_date <= p.end_date <= AS_OF for p in ended)


def test_event_dates_are_not_after_the_books_today(written):
    event_dates = [
        *(p.start_date for p in written.rows(tables.placement)),
        *(card.week_ending for card in written.rows(tables.timecard)),
        *(fee.created_date for fee in written.rows(tables.service_fee)),
    ]

    assert max(event_dates) <= AS_OF


def test_demo_catalog_leaves_last_company_without_assignments(written):
    company_of = _company_of(written)
    last_company = max(c.id for c in written.rows(tables.company))
    assigned = {a["billto"] for a in written.catalog()["customer_assignments"]}

    assert not {b for b in assigned if company_of[b] == last_company}


def test_last_company_has_events_for_the_blocked_list(written):
    company_of = _company_of(written)
    last_company = max(c.id for c in written.rows(tables.company))

    assert any(company_of[p.billto_id] == last_company for p in written.rows(tables.placement))


def test_demo_catalog_covers_every_other_company_at_its_top_billto(written):
    assigned = {a["billto"] for a in written.catalog()["customer_assignments"]}
    last_company = max(c.id for c in written.rows(tables.company))
    tops = {
        b.id
        for b in written.rows(tables.billto)
        if b.parent_id is None and b.company_id != last_company
    }

    assert tops <= assigned


def test_demo_catalog_names_only_billtos_of_the_book(written):
    assigned = {a["billto"] for a in written.catalog()["customer_assignments"]}

    assert assigned <= written.book.billto_ids


def test_demo_catalog_offers_every_product_the_book_uses(written):
    offered = {p["code"] for p in written.catalog()["products"]}
    used = {p.product_code for p in written.rows(tables.placement)} | {
        f.product_code for f in written.rows(tables.service_fee)
    }

    assert used <= offered == DEMO_PRODUCTS


def _decimal_columns():
    return {
        column.name
        for table in tables.ALL_TABLES
        for column in table.columns
        if isinstance(column.type, ExactDecimal)
    }


def _written_amounts(written):
    names = _decimal_columns()
    return [
        (name, value)
        for row in written.parameters
        for name, value in row.items()
        if name in names and value is not None
    ]


def test_money_and_hours_are_written_as_decimals_never_floats(written):
    amounts = _written_amounts(written)

    assert amounts
    assert {type(value) for _, value in amounts} == {Decimal}


def test_money_and_hours_fit_their_column_scale(written):
    scale = {
        column.name: column.type.scale
        for table in tables.ALL_TABLES
        for column in table.columns
        if isinstance(column.type, ExactDecimal)
    }

    assert all(
        value == value.quantize(Decimal(1).scaleb(-scale[name]))
        for name, value in _written_amounts(written)
    )


def test_money_and_hours_read_back_as_decimals(written):
    names = _decimal_columns()
    values = [
        getattr(row, column.name)
        for table in tables.ALL_TABLES
        for column in table.columns
        if column.name in names
        for row in written.rows(table)
    ]

    assert {type(v) for v in values if v is not None} == {Decimal}


def _products_in_export(result):
    return {product["code"] for product in yaml.safe_load(result.stdout)["products"]}


@pytest.mark.databases
def test_demo_data_writes_the_book_and_demo_catalog(runner):
    assert runner("db", "upgrade").exit_code == 0

    result = runner("demo-data", "--placements", "50", "--seed", "3")

    assert result.exit_code == 0, result.stderr
    assert _products_in_export(runner("catalog", "export")) == DEMO_PRODUCTS


def _ats_content(engine):
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(table).order_by(table.c.id)).all()
            for table in tables.ALL_TABLES
        }


def test_demo_data_refuses_an_ats_holding_rows_it_did_not_write(ats, runner):
    before, table_names = _ats_content(ats), set(inspect(ats).get_table_names())

    result = runner("demo-data", "--placements", "50")

    assert result.exit_code == 1
    assert "did not write" in result.stderr
    assert "BACKOFFICE_ATS_DATABASE_URL" in result.stderr
    assert _ats_content(ats) == before
    assert set(inspect(ats).get_table_names()) == table_names
    assert yaml.safe_load(runner("catalog", "export").stdout)["products"] == []


def _row_counts(url):
    """Rows per ATS table, or None when the ATS tables do not exist."""
    engine = create_database_engine(url)
    try:
        if AtsReader(engine).missing_tables():
            return None
        with engine.connect() as connection:
            return {
                t.name: connection.scalar(select(func.count()).select_from(t))
                for t in tables.ALL_TABLES
            }
    finally:
        engine.dispose()


def test_demo_data_rerun_replaces_its_own_book(sqlite_runner, sqlite_url):
    sqlite_runner("db", "upgrade")
    first = sqlite_runner("demo-data", "--placements", "60")
    counts, catalog = _row_counts(sqlite_url), sqlite_runner("catalog", "export").stdout

    second = sqlite_runner("demo-data", "--placements", "60")

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert _row_counts(sqlite_url) == counts
    assert sqlite_runner("catalog", "export").stdout == catalog
    assert "0 created" in second.stdout


def test_demo_data_rerun_with_fewer_placements_leaves_no_old_rows(sqlite_runner, sqlite_url):
    sqlite_runner("db", "upgrade")
    sqlite_runner("demo-data", "--placements", "60")

    result = sqlite_runner("demo-data", "--placements", "30")

    assert result.exit_code == 0, result.stderr
    assert _row_counts(sqlite_url)["ats_placement"] == 30


def test_demo_data_refuses_to_run_before_db_upgrade(sqlite_runner, sqlite_url):
    result = sqlite_runner("demo-data", "--placements", "10")

    assert result.exit_code == 1
    assert "backoffice db upgrade" in result.stderr
    assert _row_counts(sqlite_url) is None


def test_demo_data_rejects_zero_placements(sqlite_runner):
    assert sqlite_runner("demo-data", "--placements", "0").exit_code == 2


def test_demo_data_reports_what_it_wrote(sqlite_runner):
    sqlite_runner("db", "upgrade")

    result = sqlite_runner("demo-data", "--placements", "40")

    assert "40 placements" in result.stdout
    assert f"dated up to {AS_OF.isoformat()}" in result.stdout
