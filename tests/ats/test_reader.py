import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import insert, text

from ats import tables
from ats.reader import (
    BILLTOS,
    COMPANIES,
    PLACEMENTS,
    SERVICE_FEES,
    TIMECARDS,
    AtsReader,
    Page,
)
from ats.records import AtsPlacement
from tests.support.databases import load_sql_file
from tests.support.product_files import ATS_SCHEMA

pytestmark = pytest.mark.databases  # each database returns its own types: all are read exactly

SEED_STAMP = dt.datetime(2023, 6, 1, 12, 0, 0)  # updated_at of the worked example's Billtos
LOOKBACK = dt.timedelta(minutes=10)


@pytest.fixture
def sqlite_ats(sqlite_url, make_engine, shared):
    """The worked example on SQLite only, for rules that do not depend on the database."""
    engine = make_engine(sqlite_url)
    load_sql_file(engine, ATS_SCHEMA)
    load_sql_file(engine, shared / "examples" / "ats_seed_example.sql")
    return engine


def _insert(engine, table, *rows):
    with engine.begin() as connection:
        connection.execute(insert(table), list(rows))


def _insert_companies(engine, ids, updated_at):
    _insert(
        engine,
        tables.company,
        *({"id": i, "name": f"Co {i}", "updated_at": updated_at} for i in ids),
    )


def _insert_companies_as_text(engine, ids, stamp):
    """Rows written the way the ATS writes them: a literal timestamp, no microseconds."""
    with engine.begin() as connection:
        for company_id in ids:
            connection.execute(
                text(
                    "INSERT INTO ats_company (id, name, updated_at) "
                    f"VALUES ({company_id}, 'Co', '{stamp}')"
                )
            )


def _placement(**overrides):
    row = {
        "id": 6001,
        "billto_id": 110,
        "candidate_name": "Sam Lee",
        "job_title": "Engineer",
        "placement_type": "contract",
        "status": "active",
        "start_date": dt.date(2023, 8, 7),
        "currency": "USD",
        "bill_rate": Decimal("12.3456"),
        "updated_at": dt.datetime(2023, 8, 1, 9, 0),
    }
    return {**row, **overrides}


def _timecard(**overrides):
    row = {
        "id": 1,
        "placement_id": 6001,
        "week_ending": dt.date(2023, 8, 13),
        "status": "approved",
        "approved_at": dt.datetime(2023, 8, 14, 10, 0),
        "regular_hours": Decimal("37.50"),
        "updated_at": dt.datetime(2023, 8, 14, 10, 0),
    }
    return {**row, **overrides}


def _service_fee(**overrides):
    row = {
        "id": 1,
        "billto_id": 110,
        "product_code": "PMO_FEE",
        "currency": "USD",
        "created_date": dt.date(2023, 8, 1),
        "updated_at": dt.datetime(2023, 8, 1, 9, 0),
    }
    return {**row, **overrides}


def _walk(reader, source, since, page_size):
    return list(reader.iter_changed(source, since, page_size=page_size))


def _ids(pages):
    return [record.id for page in pages for record in page.records]


def test_reads_worked_example_placement_with_exact_salary(ats):
    placement = AtsReader(ats).get(PLACEMENTS, [5001])[5001]

    assert placement.base_salary == Decimal("100000.00")
    assert isinstance(placement.base_salary, Decimal)
    assert str(placement.base_salary) == "100000.00"
    assert placement.start_date == dt.date(2023, 7, 10)
    assert placement.product_code == "STD_DH"


def test_billto_keeps_its_parent(ats):
    billtos = AtsReader(ats).get(BILLTOS, [100, 110])

    assert billtos[110].parent_id == 100
    assert billtos[100].parent_id is None


def test_billto_active_reads_as_bool(ats):
    assert AtsReader(ats).get(BILLTOS, [110])[110].active is True


def test_inactive_billto_reads_as_false(sqlite_ats):
    _insert(
        sqlite_ats,
        tables.billto,
        {
            "id": 120,
            "company_id": 1,
            "parent_id": 100,
            "name": "Old",
            "level": "division",
            "active": 0,
            "updated_at": SEED_STAMP,
        },
    )

    assert AtsReader(sqlite_ats).get(BILLTOS, [120])[120].active is False


def test_billto_defaults_come_from_schema(sqlite_ats):
    _insert(
        sqlite_ats,
        tables.billto,
        {
            "id": 130,
            "company_id": 1,
            "name": "Plain",
            "level": "division",
            "updated_at": SEED_STAMP,
        },
    )

    billto = AtsReader(sqlite_ats).get(BILLTOS, [130])[130]
    assert (billto.currency, billto.active) == ("USD", True)


def test_bill_rates_read_back_exact(ats):
    _insert(
        ats,
        tables.placement,
        _placement(overtime_bill_rate=Decimal("18.5184"), doubletime_bill_rate=Decimal("24.6912")),
    )

    placement = AtsReader(ats).get(PLACEMENTS, [6001])[6001]
    rates = (placement.bill_rate, placement.overtime_bill_rate, placement.doubletime_bill_rate)
    assert [str(rate) for rate in rates] == ["12.3456", "18.5184", "24.6912"]
    assert all(isinstance(rate, Decimal) for rate in rates)


def test_salary_and_ote_read_back_exact(ats):
    _insert(
        ats,
        tables.placement,
        _placement(
            placement_type="direct_hire",
            bill_rate=None,
            base_salary=Decimal("123456789012.34"),
            ote=Decimal("0.01"),
        ),
    )

    placement = AtsReader(ats).get(PLACEMENTS, [6001])[6001]
    assert (str(placement.base_salary), str(placement.ote)) == ("123456789012.34", "0.01")


def test_timecard_hours_read_back_exact(ats):
    _insert(ats, tables.placement, _placement())
    _insert(ats, tables.timecard, _timecard(overtime_hours=Decimal("2.25")))

    card = AtsReader(ats).get(TIMECARDS, [1])[1]
    hours = (card.regular_hours, card.overtime_hours, card.doubletime_hours)
    assert [str(h) for h in hours] == ["37.50", "2.25", "0.00"]
    assert all(isinstance(h, Decimal) for h in hours)


def test_service_fee_quantity_and_price_read_back_exact(ats):
    _insert(
        ats,
        tables.service_fee,
        _service_fee(quantity=Decimal("2.5000"), unit_price=Decimal("1234.56")),
    )

    fee = AtsReader(ats).get(SERVICE_FEES, [1])[1]
    assert (str(fee.quantity), str(fee.unit_price)) == ("2.5000", "1234.56")
    assert (fee.schedule, fee.created_date) == ("one_time", dt.date(2023, 8, 1))


def test_service_fee_defaults_come_from_schema(sqlite_ats):
    _insert(sqlite_ats, tables.service_fee, _service_fee())

    fee = AtsReader(sqlite_ats).get(SERVICE_FEES, [1])[1]
    assert (fee.quantity, fee.unit_price, fee.schedule) == (Decimal("1.0000"), None, "one_time")


def test_get_leaves_out_unknown_ids(sqlite_ats):
    assert set(AtsReader(sqlite_ats).get(BILLTOS, [100, 999, 110])) == {100, 110}


def test_get_reads_more_ids_than_one_chunk(sqlite_ats):
    _insert_companies(sqlite_ats, range(2, 1202), SEED_STAMP)

    assert len(AtsReader(sqlite_ats).get(COMPANIES, range(1, 1300))) == 1201


def test_all_ids_lists_every_billto(sqlite_ats):
    assert AtsReader(sqlite_ats).all_ids(BILLTOS) == {100, 110}


def test_timecards_of_lists_cards_by_placement_oldest_week_first(sqlite_ats):
    _insert(sqlite_ats, tables.placement, _placement())
    _insert(
        sqlite_ats,
        tables.timecard,
        _timecard(id=1, week_ending=dt.date(2023, 8, 20)),
        _timecard(id=2, week_ending=dt.date(2023, 8, 13)),
    )

    cards = AtsReader(sqlite_ats).timecards_of([6001, 5001])
    assert [c.week_ending for c in cards[6001]] == [dt.date(2023, 8, 13), dt.date(2023, 8, 20)]
    assert cards[5001] == []


def test_rows_sharing_updated_at_across_pages_are_read_once(ats):
    _insert_companies(ats, range(2, 12), SEED_STAMP)  # with company 1: eleven at one instant

    pages = _walk(AtsReader(ats), COMPANIES, None, page_size=3)

    assert _ids(pages) == list(range(1, 12))


def test_text_timestamps_sharing_updated_at_across_pages_are_read_once(ats):
    _insert_companies_as_text(ats, range(2, 12), "2023-06-01 12:00:00")

    pages = _walk(AtsReader(ats), COMPANIES, None, page_size=3)

    assert _ids(pages) == list(range(1, 12))


def test_text_and_bound_timestamps_of_one_instant_are_read_once(ats):
    """On SQLite the same instant is stored as two different strings."""
    _insert_companies_as_text(ats, [2, 4, 6, 8], "2023-06-01 12:00:00")
    _insert_companies(ats, [3, 5, 7, 9], SEED_STAMP)

    pages = _walk(AtsReader(ats), COMPANIES, None, page_size=2)

    assert sorted(_ids(pages)) == list(range(1, 10))
    assert len(_ids(pages)) == 9


def test_pages_are_ordered_by_updated_at_then_id(sqlite_ats):
    _insert_companies(sqlite_ats, [3, 2], SEED_STAMP + dt.timedelta(seconds=1))
    _insert_companies(sqlite_ats, [4], SEED_STAMP - dt.timedelta(seconds=1))

    assert _ids(_walk(AtsReader(sqlite_ats), COMPANIES, None, page_size=2)) == [4, 1, 2, 3]


def test_pages_hold_at_most_page_size_records(sqlite_ats):
    _insert_companies(sqlite_ats, range(2, 9), SEED_STAMP)

    pages = _walk(AtsReader(sqlite_ats), COMPANIES, None, page_size=3)

    assert [len(page.records) for page in pages] == [3, 3, 2]


def test_full_last_page_ends_the_walk(sqlite_ats):
    _insert_companies(sqlite_ats, range(2, 7), SEED_STAMP)

    pages = _walk(AtsReader(sqlite_ats), COMPANIES, None, page_size=3)

    assert [len(page.records) for page in pages] == [3, 3]


def test_high_water_is_newest_updated_at_of_page(ats):
    _insert_companies(ats, [2], SEED_STAMP + dt.timedelta(hours=1))
    _insert_companies(ats, [3], SEED_STAMP + dt.timedelta(hours=2))

    pages = _walk(AtsReader(ats), COMPANIES, None, page_size=2)

    assert [page.high_water for page in pages] == [
        SEED_STAMP + dt.timedelta(hours=1),
        SEED_STAMP + dt.timedelta(hours=2),
    ]
    assert all(p.high_water == max(r.updated_at for r in p.records) for p in pages)


def test_empty_table_yields_no_page(sqlite_ats):
    assert _walk(AtsReader(sqlite_ats), SERVICE_FEES, None, page_size=3) == []


def test_since_none_reads_every_row(ats):
    pages = _walk(AtsReader(ats), BILLTOS, None, page_size=10)

    assert _ids(pages) == [100, 110]


def test_row_inside_lookback_is_read(ats):
    since = dt.datetime(2024, 1, 1, 12, 0)
    _insert_companies(ats, [2], since - dt.timedelta(minutes=3))

    pages = _walk(AtsReader(ats, lookback=LOOKBACK), COMPANIES, since, page_size=10)

    assert _ids(pages) == [2]


def test_row_before_lookback_is_not_read(ats):
    since = dt.datetime(2024, 1, 1, 12, 0)
    _insert_companies(ats, [2], since - dt.timedelta(hours=1))
    _insert_companies(ats, [3], since + dt.timedelta(minutes=1))

    pages = _walk(AtsReader(ats, lookback=LOOKBACK), COMPANIES, since, page_size=10)

    assert _ids(pages) == [3]


def test_row_at_start_of_lookback_is_read(ats):
    _insert_companies_as_text(ats, [2], "2024-01-01 11:50:00")

    pages = _walk(
        AtsReader(ats, lookback=LOOKBACK), COMPANIES, dt.datetime(2024, 1, 1, 12, 0), page_size=10
    )

    assert _ids(pages) == [2]


def test_row_at_high_water_is_read_again(ats):
    """The start is closed: reading from the last high-water mark re-reads its rows."""
    reader = AtsReader(ats, lookback=dt.timedelta(0))
    high_water = _walk(reader, BILLTOS, None, page_size=10)[-1].high_water

    assert _ids(_walk(reader, BILLTOS, high_water, page_size=10)) == [100, 110]


def test_page_records_are_typed_records(sqlite_ats):
    page = _walk(AtsReader(sqlite_ats), PLACEMENTS, None, page_size=10)[0]

    assert isinstance(page, Page)
    assert [type(record) for record in page.records] == [AtsPlacement]


def test_missing_tables_lists_every_ats_table_of_empty_database(database_url, make_engine):
    reader = AtsReader(make_engine(database_url))

    assert reader.missing_tables() == [
        "ats_company",
        "ats_billto",
        "ats_placement",
        "ats_timecard",
        "ats_service_fee",
    ]


def test_missing_tables_is_empty_once_schema_loaded(database_url, make_engine, shared):
    engine = make_engine(database_url)
    load_sql_file(engine, ATS_SCHEMA)

    assert AtsReader(engine).missing_tables() == []


@pytest.mark.parametrize("source", [COMPANIES, BILLTOS, PLACEMENTS, TIMECARDS, SERVICE_FEES])
def test_every_source_reads_its_own_table(sqlite_ats, source):
    expected = {"ats_company": [1], "ats_billto": [100, 110], "ats_placement": [5001]}

    pages = _walk(AtsReader(sqlite_ats), source, None, page_size=10)

    assert _ids(pages) == expected.get(source.table.name, [])


def test_date_that_does_not_exist_is_read_as_a_named_defect_not_an_error(sqlite_ats):
    with sqlite_ats.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO ats_timecard (id, placement_id, week_ending, status, updated_at) "
                "VALUES (7, 5001, '2023-02-30', 'approved', '2023-03-01 09:00:00')"
            )
        )
    reader = AtsReader(sqlite_ats)

    (card,) = [r for page in _walk(reader, TIMECARDS, None, page_size=10) for r in page.records]

    assert [str(d) for d in card.defects] == ["week_ending '2023-02-30' is not a valid date"]
    assert card.updated_at == dt.datetime(2023, 3, 1, 9, 0)
    assert reader.get(TIMECARDS, [7])[7].defects == card.defects


def test_page_high_water_leaves_out_a_timestamp_that_does_not_exist(sqlite_ats):
    _insert_companies_as_text(sqlite_ats, [2], "2023-06-02 12:00:00")
    _insert_companies_as_text(sqlite_ats, [3], "2023-06-31 12:00:00")

    (page,) = _walk(AtsReader(sqlite_ats), COMPANIES, None, page_size=10)

    assert page.high_water == dt.datetime(2023, 6, 2, 12, 0)
    assert [r.id for r in page.records if r.defects] == [3]
