"""`backoffice catalog import` / `export` through the CLI; stored amounts on all three databases."""

import datetime as dt
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.catalog.models import Product
from billing.pay_plans import PayPlan, PayPlanLine
from tests.billing.catalog_helpers import billion_laughs
from tests.support.product_files import EXAMPLE_CATALOG

EXAMPLE_RECORDS = 18  # 2 terms, 2 classes, 3 families, 5 products, 3 pay plans, 3 assignments


@pytest.fixture
def example(shared):
    return EXAMPLE_CATALOG


@pytest.fixture
def imported(ats, runner, example):
    """The service database of ``ats`` with the shared example catalog imported."""
    result = runner("catalog", "import", str(example))
    assert result.exit_code == 0, result.stderr
    return ats


def example_data(example):
    """The example catalog as plain data, to change and write back out."""
    return yaml.safe_load(example.read_text(encoding="utf-8"))


def write_catalog(path, data):
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def find(entries, code):
    return next(e for e in entries if e["code"] == code)


def import_summary(runner, path):
    result = runner("catalog", "import", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    return yaml.safe_load(result.stdout)


def export_text(runner):
    result = runner("catalog", "export")
    assert result.exit_code == 0, result.stderr
    return result.stdout


# Importing the example


@pytest.mark.databases
def test_shared_example_imports_on_every_database(ats, runner, example):
    result = runner("catalog", "import", str(example), "--json")

    assert result.exit_code == 0, result.stderr
    summary = yaml.safe_load(result.stdout)
    assert (summary["created"], summary["updated"]) == (EXAMPLE_RECORDS, 0)
    assert summary["sections"]["products"]["created"] == 5


def test_second_import_of_the_same_file_changes_nothing(imported, runner, example):
    before = export_text(runner)

    summary = import_summary(runner, example)

    assert (summary["created"], summary["updated"], summary["unchanged"]) == (
        0,
        0,
        EXAMPLE_RECORDS,
    )
    assert export_text(runner) == before


def test_import_may_refer_to_codes_already_in_the_database(imported, runner, tmp_path):
    path = write_catalog(
        tmp_path / "more.yaml",
        {
            "products": [
                {
                    "code": "RUSH_DH",
                    "name": "Rush Fee",
                    "family": "DIRECT_HIRE",
                    "pricing": "flat",
                    "amount": "750.00",
                }
            ],
            "customer_assignments": [
                {
                    "billto": 110,
                    "product": "RUSH_DH",
                    "pay_plan": "FULL_DAY1",
                    "terms": "NET30",
                    "effective_from": dt.date(2024, 1, 1),
                }
            ],
        },
    )

    summary = import_summary(runner, path)

    assert (summary["created"], summary["updated"]) == (2, 0)


# A file with errors


def several_errors(example):
    """The example with five different mistakes, plus one valid change that must not land."""
    data = example_data(example)
    find(data["terms"], "NET30")["duedays"] = 30
    find(data["products"], "STD_DH")["rate"] = "125"
    find(data["products"], "FLAT_DH")["amount"] = "6000.00"  # valid on its own
    find(data["pay_plans"], "SPLIT_50_50_D1_D90")["lines"][1]["value"] = "40"
    data["customer_assignments"][1]["billto"] = 999
    data["customer_assignments"][2]["effective_from"] = "2023-13-01"
    return data


def test_file_with_several_errors_reports_all_of_them_and_writes_nothing(
    imported, runner, example, tmp_path
):
    before = export_text(runner)
    path = write_catalog(tmp_path / "bad.yaml", several_errors(example))

    result = runner("catalog", "import", str(path))

    assert result.exit_code == 1
    listed = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(listed) == 5, result.stderr
    assert "5 error(s)" in result.stderr
    for entry, field in [
        ("terms[0] (NET30)", "duedays"),
        ("products[0] (STD_DH)", "rate"),
        ("pay_plans[1] (SPLIT_50_50_D1_D90)", "lines"),
        ("customer_assignments[1]", "billto"),
        ("customer_assignments[2]", "effective_from"),
    ]:
        assert any(entry in line and f"'{field}'" in line for line in listed), (entry, field)
    assert result.stdout == ""
    assert export_text(runner) == before


def test_assignment_overlapping_one_in_the_database_is_refused(imported, runner, tmp_path):
    path = write_catalog(
        tmp_path / "overlap.yaml",
        {
            "customer_assignments": [
                {
                    "billto": 100,
                    "product": "STD_DH",
                    "terms": "NET30",
                    "effective_from": dt.date(2024, 1, 1),
                }
            ]
        },
    )

    result = runner("catalog", "import", str(path))

    assert result.exit_code == 1
    assert "customer_assignments (Billto 100, STD_DH)" in result.stderr
    assert "overlaps" in result.stderr


def test_file_may_end_an_assignment_and_start_the_next(imported, runner, tmp_path):
    ending = {
        "billto": 100,
        "product": "STD_DH",
        "pay_plan": "SPLIT_50_50_D1_D90",
        "terms": "NET30",
        "effective_from": dt.date(2023, 1, 1),
        "effective_to": dt.date(2023, 12, 31),
    }
    following = {
        "billto": 100,
        "product": "STD_DH",
        "terms": "NET30",
        "effective_from": dt.date(2024, 1, 1),
        "price": {"rate": "22"},
    }
    path = write_catalog(tmp_path / "renewal.yaml", {"customer_assignments": [ending, following]})

    summary = import_summary(runner, path)

    assert (summary["created"], summary["updated"]) == (1, 1)


# Updates


def test_changed_product_rate_is_one_update(imported, runner, example, tmp_path):
    data = example_data(example)
    find(data["products"], "STD_DH")["rate"] = "27.5"

    summary = import_summary(runner, write_catalog(tmp_path / "new.yaml", data))

    assert (summary["created"], summary["updated"]) == (0, 1)
    assert summary["sections"]["products"]["updated"] == 1
    exported = yaml.safe_load(export_text(runner))
    assert find(exported["products"], "STD_DH")["rate"] == "27.5"


def test_pay_plan_whose_lines_change_is_updated_with_its_lines_replaced(
    imported, runner, example, tmp_path
):
    data = example_data(example)
    find(data["pay_plans"], "SPLIT_50_50_D1_D90")["lines"] = [
        {"strategy": "amount", "value": "1000.00", "days_from_event": 0},
        {"strategy": "percentage", "value": "40", "days_from_event": 30},
        {"strategy": "percentage", "value": "60", "days_from_event": 90},
    ]
    find(data["pay_plans"], "THIRDS_D0_D30_D60")["lines"] = [
        {"strategy": "percentage", "value": "100", "days_from_event": 0}
    ]

    summary = import_summary(runner, write_catalog(tmp_path / "new.yaml", data))

    assert summary["sections"]["pay_plans"] == {"created": 0, "updated": 2, "unchanged": 1}
    exported = yaml.safe_load(export_text(runner))
    assert find(exported["pay_plans"], "SPLIT_50_50_D1_D90")["lines"] == [
        {"strategy": "amount", "value": "1000", "days_from_event": 0},
        {"strategy": "percentage", "value": "40", "days_from_event": 30},
        {"strategy": "percentage", "value": "60", "days_from_event": 90},
    ]
    with Session(imported) as session:
        lines = session.scalar(select(func.count()).select_from(PayPlanLine))
    assert lines == 3 + 1 + 1  # no orphans left behind


def test_pay_plan_with_changed_lines_is_unchanged_on_the_next_import(
    imported, runner, example, tmp_path
):
    data = example_data(example)
    find(data["pay_plans"], "FULL_DAY1")["lines"][0]["days_from_event"] = 7
    path = write_catalog(tmp_path / "new.yaml", data)
    import_summary(runner, path)

    summary = import_summary(runner, path)

    assert (summary["created"], summary["updated"]) == (0, 0)
    with Session(imported) as session:
        plan = session.scalars(select(PayPlan).filter_by(code="FULL_DAY1")).one()
        assert [ln.days_from_event for ln in plan.lines] == [7]


# Export


@pytest.mark.databases
def test_export_imports_into_a_fresh_database_and_exports_identically(
    imported, runner, sqlite_runner, tmp_path
):
    first = tmp_path / "first.yaml"
    assert runner("catalog", "export", str(first)).exit_code == 0
    assert sqlite_runner("db", "upgrade").exit_code == 0

    imported_again = sqlite_runner("catalog", "import", str(first))
    second = tmp_path / "second.yaml"
    assert sqlite_runner("catalog", "export", str(second)).exit_code == 0

    assert imported_again.exit_code == 0, imported_again.stderr
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_export_imports_back_into_the_same_database_unchanged(imported, runner, tmp_path):
    path = tmp_path / "export.yaml"
    assert runner("catalog", "export", str(path)).exit_code == 0

    summary = import_summary(runner, path)

    assert (summary["created"], summary["updated"], summary["unchanged"]) == (
        0,
        0,
        EXAMPLE_RECORDS,
    )


def test_exported_amounts_are_strings_with_cents(imported, runner):
    text = export_text(runner)

    products = yaml.safe_load(text)["products"]
    assert find(products, "FLAT_DH")["amount"] == "5000.00"
    assert find(products, "PMO_FEE")["unit_price"] == "2500.00"
    assert find(products, "STD_DH")["rate"] == "25"
    assert "amount: '5000.00'" in text


# Decimals and broken files


@pytest.mark.databases
def test_yaml_float_rate_is_stored_as_exact_decimal(ats, runner, example, tmp_path):
    text = example.read_text(encoding="utf-8").replace('rate: "25"', "rate: 25.5")
    path = tmp_path / "float.yaml"
    path.write_text(text, encoding="utf-8")

    result = runner("catalog", "import", str(path))

    assert result.exit_code == 0, result.stderr
    with Session(ats) as session:
        rate = session.scalars(select(Product.rate).filter_by(code="STD_DH")).one()
    assert isinstance(rate, Decimal)
    assert rate == Decimal("25.5")
    assert find(yaml.safe_load(export_text(runner))["products"], "STD_DH")["rate"] == "25.5"
    assert import_summary(runner, path)["updated"] == 0


def test_invalid_yaml_exits_1_with_a_message_and_no_traceback(sqlite_runner, tmp_path):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    path = tmp_path / "broken.yaml"
    path.write_text("terms:\n  - code: NET30\n    name: [Net 30\n", encoding="utf-8")

    result = sqlite_runner("catalog", "import", str(path))

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


# Hostile files


def hostile_text(example):
    """The example with five mistakes a person or an attacker could make, one of each kind."""
    text = example.read_text(encoding="utf-8")
    for old, new in [
        ('amount: "5000.00"', "amount: 010"),  # octal: YAML 1.1 reads 8
        ('rate: "25"', 'rate: "25"\n    rate: "20"'),  # a field twice: YAML keeps one
        ("code: EXEC_DH", 'code: "EXEC\\u200bDH"'),  # a zero-width space in a code
        ("due_days: 30", "due_days: 2147483647"),
        ('value: "50", days_from_event: 90', 'value: "50", days_from_event: 2147483647'),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_hostile_file_lists_every_error_with_entry_and_field_and_writes_nothing(
    imported, runner, example, tmp_path
):
    before = export_text(runner)
    path = tmp_path / "hostile.yaml"
    path.write_text(hostile_text(example), encoding="utf-8")

    result = runner("catalog", "import", str(path))

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    listed = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(listed) == 5, result.stderr
    for entry, field, says in [
        ("products[2] (FLAT_DH)", "amount", "010 (line 59) is octal, read by YAML 1.1 as 8"),
        ("products[0] (STD_DH)", "rate", "written twice, at lines 46 and 47"),
        ("products[1] ('EXEC\\u200bDH')", "code", "U+200B ZERO WIDTH SPACE"),
        ("terms[0] (NET30)", "due_days", "at most 3650 days"),
        ("pay_plans[1] (SPLIT_50_50_D1_D90) lines[1]", "days_from_event", "at most 3650"),
    ]:
        assert any(f"{entry}, field '{field}'" in ln and says in ln for ln in listed), entry
    assert export_text(runner) == before


@pytest.mark.databases
def test_amount_a_database_would_round_is_refused_naming_the_bound(
    imported, runner, example, tmp_path
):
    data = example_data(example)
    find(data["products"], "FLAT_DH")["amount"] = "99999999999999.99"

    result = runner("catalog", "import", str(write_catalog(tmp_path / "big.yaml", data)))

    assert result.exit_code == 1
    assert "products[2] (FLAT_DH), field 'amount'" in result.stderr
    assert "below 100,000,000,000" in result.stderr


@pytest.mark.databases
def test_largest_amount_allowed_is_stored_exactly_and_reimports_unchanged(
    imported, runner, example, tmp_path
):
    data = example_data(example)
    find(data["products"], "FLAT_DH")["amount"] = "99999999999.9999"
    path = write_catalog(tmp_path / "largest.yaml", data)

    assert import_summary(runner, path)["updated"] == 1
    summary = import_summary(runner, path)

    assert (summary["updated"], summary["unchanged"]) == (0, EXAMPLE_RECORDS)
    with Session(imported) as session:
        amount = session.scalars(select(Product.amount).filter_by(code="FLAT_DH")).one()
    assert amount == Decimal("99999999999.9999")


def test_non_utf8_file_exits_1_naming_the_byte_offset(sqlite_runner, tmp_path):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    path = tmp_path / "latin1.yaml"
    path.write_bytes("terms:\n  - code: NET30\n    name: Café 30\n".encode("latin-1"))

    result = sqlite_runner("catalog", "import", str(path))

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "not UTF-8: the byte 0xE9 at offset 36 (line 3)" in result.stderr


def test_file_over_five_megabytes_exits_1_without_reading_it_whole(sqlite_runner, tmp_path):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    path = tmp_path / "huge.yaml"
    with path.open("wb") as out:
        out.truncate(50 * 1024 * 1024)  # sparse: 50 MB of NUL bytes

    result = sqlite_runner("catalog", "import", str(path))

    assert result.exit_code == 1
    assert "larger than 5,242,880 bytes (5 MB)" in result.stderr


def test_alias_bomb_exits_1_within_bounded_memory_and_time(sqlite_runner, tmp_path):
    """A 1 KB file that expanded to gigabytes: run the real command under a memory cap."""
    assert sqlite_runner("db", "upgrade").exit_code == 0
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    memory_cap = 512 * 1024 * 1024

    def cap_memory():
        resource.setrlimit(resource.RLIMIT_AS, (memory_cap, memory_cap))

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", "from cli.main import cli; cli()", "catalog", "import",
         str(path)],
        env={**os.environ, **sqlite_runner.env},
        capture_output=True, text=True, timeout=60, preexec_fn=cap_memory, check=False,
    )  # fmt: skip

    assert (result.returncode, "Traceback" in result.stderr) == (1, False), result.stderr[-2000:]
    assert "the alias *x0 is not allowed" in result.stderr
    assert time.monotonic() - started < 20


def test_a_file_of_thousands_of_bad_entries_lists_the_first_thousand(sqlite_runner, tmp_path):
    assert sqlite_runner("db", "upgrade").exit_code == 0
    path = tmp_path / "many.yaml"
    path.write_text("terms:\n" + "  - {code: T, name: T, due_days: -1}\n" * 5000, encoding="utf-8")

    result = sqlite_runner("catalog", "import", str(path))

    assert result.exit_code == 1
    assert "has 5000 error(s)" in result.stderr
    listed = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(listed) == 1001
    assert listed[-1] == "  - file: and 4000 more error(s) not listed here"
