"""`backoffice catalog import` / `export` through the CLI, on SQLite, PostgreSQL and MariaDB."""

import datetime as dt
from decimal import Decimal

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.catalog import Product
from billing.pay_plans import PayPlan, PayPlanLine

EXAMPLE_RECORDS = 18  # 2 terms, 2 classes, 3 families, 5 products, 3 pay plans, 3 assignments


@pytest.fixture
def example(shared):
    return shared / "examples" / "catalog.yaml"


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
