"""The catalog file's rules, one per test, on small dicts built from a valid base."""

import datetime as dt
from decimal import Decimal

import pytest
import yaml

from billing.catalog.document import (
    AssignmentEntry,
    CatalogDocument,
    PayPlanEntry,
    PayPlanLineEntry,
    ProductEntry,
)
from billing.catalog.file import dump_catalog_yaml, parse_catalog_yaml
from billing.catalog.validation import CatalogView, validate_catalog
from tests.billing.catalog_helpers import (
    assert_names,
    assignment,
    entry,
    issues_of,
    only_issue,
    valid_catalog,
)
from tests.support.product_files import EXAMPLE_CATALOG


def add_assignment(raw, **changes):
    """Another assignment like the base one (open-ended unless told), with ``changes``."""
    raw["customer_assignments"].append({**assignment(raw), "effective_to": None, **changes})


# The base itself


def test_valid_base_catalog_has_no_issues():
    result = validate_catalog(valid_catalog(), CatalogView(), {100})

    assert result.issues == []
    assert [p.code for p in result.document.products] == ["STD_DH", "FLAT_DH", "HOURS", "PMO_FEE"]
    assert result.document.customer_assignments[0].natural_key == (
        100,
        "STD_DH",
        dt.date(2023, 1, 1),
    )


def test_shared_example_catalog_has_no_issues(shared):
    raw = parse_catalog_yaml(EXAMPLE_CATALOG.read_text(encoding="utf-8"))

    assert issues_of(raw, known_billtos={100, 110}) == []


def test_a_file_that_is_not_a_mapping_is_one_issue():
    issue = only_issue(["terms"])

    assert issue.entry == "file"


# Unknown codes


def test_family_with_unknown_class_is_reported():
    raw = valid_catalog()
    entry(raw, "families", "PROGRAM")["class"] = "NOPE"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["families", "PROGRAM"], field="class")
    assert "NOPE" in issue.message


def test_product_with_unknown_family_is_reported():
    raw = valid_catalog()
    entry(raw, "products", "STD_DH")["family"] = "NOPE"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", "STD_DH"], field="family")


def test_assignment_to_unknown_product_is_reported():
    raw = valid_catalog()
    assignment(raw)["product"] = "NOPE"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field="product")
    assert "NOPE" in issue.message


@pytest.mark.parametrize("scope", ["family:NOPE", "class:NOPE"])
def test_assignment_to_unknown_family_or_class_scope_is_reported(scope):
    raw = valid_catalog()
    assignment(raw)["product"] = scope

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field="product")
    assert scope.split(":")[0] in issue.message


@pytest.mark.parametrize("scope", ["family:DIRECT_HIRE", "class:SERVICES"])
def test_assignment_to_known_family_or_class_scope_is_accepted(scope):
    raw = valid_catalog()
    assignment(raw)["product"] = scope

    result = validate_catalog(raw, CatalogView(), None)

    assert result.issues == []
    assert result.document.customer_assignments[0].scope == scope


def test_family_code_is_not_a_product_scope():
    raw = valid_catalog()
    assignment(raw)["product"] = "DIRECT_HIRE"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field="product")


def test_assignment_with_unknown_terms_is_reported():
    raw = valid_catalog()
    assignment(raw)["terms"] = "NET45"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field="terms")


def test_assignment_with_unknown_pay_plan_is_reported():
    raw = valid_catalog()
    assignment(raw)["pay_plan"] = "NOPE"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field="pay_plan")


def test_codes_already_in_the_database_may_be_referenced():
    raw = {
        "customer_assignments": [
            {
                "billto": 100,
                "product": "STD_DH",
                "pay_plan": "SPLIT",
                "terms": "NET30",
                "effective_from": "2023-01-01",
            }
        ]
    }
    existing = CatalogView(
        terms={"NET30"},
        classes={"PLACEMENT": True},
        families={"DIRECT_HIRE": "PLACEMENT"},
        products={"STD_DH": ("DIRECT_HIRE", "percentage")},
        pay_plans={"SPLIT"},
    )

    assert issues_of(raw, existing=existing) == []


# Pay plans


def test_percentage_lines_must_add_up_to_100():
    raw = valid_catalog()
    entry(raw, "pay_plans", "SPLIT")["lines"][1]["value"] = "49.99"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["pay_plans", "SPLIT"], field="lines")
    assert "99.99" in issue.message


def test_amount_lines_do_not_count_towards_the_100():
    raw = valid_catalog()
    lines = entry(raw, "pay_plans", "SPLIT")["lines"]
    lines.insert(0, {"strategy": "amount", "value": "1000.00", "days_from_event": 0})

    assert issues_of(raw) == []


def test_pay_plan_lines_must_be_in_days_order():
    raw = valid_catalog()
    lines = entry(raw, "pay_plans", "SPLIT")["lines"]
    lines[0]["days_from_event"], lines[1]["days_from_event"] = 90, 0

    issue = only_issue(raw)

    assert_names(issue, entry_has=["pay_plans", "SPLIT"], field="lines")
    assert "days_from_event" in issue.message


def test_pay_plan_needs_at_least_one_line():
    raw = valid_catalog()
    entry(raw, "pay_plans", "SPLIT")["lines"] = []

    issue = only_issue(raw)

    assert_names(issue, entry_has=["pay_plans", "SPLIT"], field="lines")


def test_pay_plan_line_with_unknown_strategy_is_reported():
    raw = valid_catalog()
    entry(raw, "pay_plans", "SPLIT")["lines"][0]["strategy"] = "percent"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["pay_plans", "SPLIT", "lines[0]"], field="strategy")


# Amounts, rates and prices


@pytest.mark.parametrize(
    ("code", "field"), [("STD_DH", "rate"), ("FLAT_DH", "amount"), ("PMO_FEE", "unit_price")]
)
def test_product_price_must_not_be_negative(code, field):
    raw = valid_catalog()
    entry(raw, "products", code)[field] = "-1"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", code], field=field)
    assert "-1" in issue.message


def test_pay_plan_line_value_must_not_be_negative():
    raw = valid_catalog()
    entry(raw, "pay_plans", "SPLIT")["lines"].append(
        {"strategy": "amount", "value": "-100", "days_from_event": 120}
    )

    issue = only_issue(raw)

    assert_names(issue, entry_has=["pay_plans", "SPLIT", "lines[2]"], field="value")


def test_price_override_must_not_be_negative():
    raw = valid_catalog()
    assignment(raw)["price"] = {"rate": "-5"}

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]", "price"], field="rate")


def test_rate_above_100_is_rejected():
    raw = valid_catalog()
    entry(raw, "products", "STD_DH")["rate"] = "100.01"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", "STD_DH"], field="rate")
    assert "100" in issue.message


def test_rate_of_exactly_100_is_accepted():
    raw = valid_catalog()
    entry(raw, "products", "STD_DH")["rate"] = "100"

    assert issues_of(raw) == []


def test_price_override_rate_above_100_is_rejected():
    raw = valid_catalog()
    assignment(raw)["price"] = {"rate": "250"}

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]", "price"], field="rate")


def test_price_that_is_not_a_number_is_reported():
    raw = valid_catalog()
    entry(raw, "products", "FLAT_DH")["amount"] = "5,000"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", "FLAT_DH"], field="amount")


@pytest.mark.parametrize(
    ("code", "field", "value"),
    [
        ("STD_DH", "amount", "5000.00"),
        ("STD_DH", "unit_price", "10"),
        ("FLAT_DH", "rate", "25"),
        ("PMO_FEE", "amount", "5000.00"),
        ("HOURS", "rate", "25"),
    ],
)
def test_price_field_must_fit_the_products_pricing(code, field, value):
    raw = valid_catalog()
    entry(raw, "products", code)[field] = value

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", code], field=field)


@pytest.mark.parametrize(("code", "field"), [("STD_DH", "rate"), ("FLAT_DH", "amount")])
def test_product_needs_the_price_field_of_its_pricing(code, field):
    raw = valid_catalog()
    del entry(raw, "products", code)[field]

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", code], field=field)


def test_basis_defaults_to_base_salary():
    result = validate_catalog(valid_catalog(), CatalogView(), None)

    assert result.document.products[0].basis == "base_salary"


def test_only_percentage_products_have_a_basis():
    raw = valid_catalog()
    entry(raw, "products", "FLAT_DH")["basis"] = "ote"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", "FLAT_DH"], field="basis")


def test_unknown_pricing_is_reported():
    raw = valid_catalog()
    entry(raw, "products", "FLAT_DH")["pricing"] = "fixed"

    issues = issues_of(raw)

    assert [i.field for i in issues] == ["pricing"]
    assert "products[1] (FLAT_DH)" in issues[0].entry


@pytest.mark.parametrize("value", ["25.12345", "0.00001"])
def test_more_than_four_decimal_places_are_refused(value):
    raw = valid_catalog()
    entry(raw, "products", "STD_DH")["rate"] = value

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", "STD_DH"], field="rate")
    assert "4 decimal places" in issue.message


def test_trailing_zeros_do_not_count_as_decimal_places():
    raw = valid_catalog()
    entry(raw, "products", "FLAT_DH")["amount"] = "5000.000000"

    assert issues_of(raw) == []


def test_amount_too_large_for_the_database_is_refused():
    raw = valid_catalog()
    entry(raw, "products", "FLAT_DH")["amount"] = "100000000000000"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", "FLAT_DH"], field="amount")


def test_due_days_too_large_for_the_database_is_refused():
    raw = valid_catalog()
    entry(raw, "terms", "NET30")["due_days"] = 2**31

    issue = only_issue(raw)

    assert_names(issue, entry_has=["terms", "NET30"], field="due_days")


def test_billto_too_large_for_the_database_is_refused():
    raw = valid_catalog()
    assignment(raw)["billto"] = 2**31

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field="billto")


# Products and their class


@pytest.mark.parametrize("code", ["STD_DH", "HOURS"])
def test_percentage_and_hourly_products_need_a_placement_class(code):
    raw = valid_catalog()
    entry(raw, "products", code)["family"] = "PROGRAM"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", code], field="family")
    assert "placement class" in issue.message


def test_unit_product_may_not_be_in_a_placement_class():
    raw = valid_catalog()
    entry(raw, "products", "PMO_FEE")["family"] = "DIRECT_HIRE"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", "PMO_FEE"], field="family")
    assert "non-placement class" in issue.message


def test_flat_product_fits_either_class():
    raw = valid_catalog()
    entry(raw, "products", "FLAT_DH")["family"] = "PROGRAM"

    assert issues_of(raw) == []


def test_product_code_may_not_contain_a_colon():
    raw = valid_catalog()
    entry(raw, "products", "FLAT_DH")["code"] = "family:FLAT"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", "family:FLAT"], field="code")


# Price overrides


def test_price_override_with_the_products_key_is_read_as_decimal():
    raw = valid_catalog()
    assignment(raw)["price"] = {"rate": "22.5"}

    result = validate_catalog(raw, CatalogView(), None)

    assert result.issues == []
    assert result.document.customer_assignments[0].price == {"rate": Decimal("22.5")}


@pytest.mark.parametrize(
    ("product", "price"),
    [
        ("STD_DH", {"amount": "4000.00"}),
        ("STD_DH", {"rate": "22", "amount": "4000.00"}),
        ("FLAT_DH", {"rate": "22"}),
        ("PMO_FEE", {"amount": "2000.00"}),
        ("HOURS", {"rate": "22"}),
    ],
)
def test_price_override_key_must_match_the_products_pricing(product, price):
    raw = valid_catalog()
    assignment(raw).update(product=product, price=price)

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field="price")
    assert product in issue.message


@pytest.mark.parametrize("scope", ["family:DIRECT_HIRE", "class:PLACEMENT"])
def test_price_override_needs_a_single_product_scope(scope):
    raw = valid_catalog()
    assignment(raw).update(product=scope, price={"rate": "22"})

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field="price")


# Dates


@pytest.mark.parametrize("field", ["effective_from", "effective_to"])
def test_bad_date_is_rejected(field):
    raw = valid_catalog()
    assignment(raw)[field] = "2023-13-01"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field=field)
    assert "2023-13-01" in issue.message


def test_date_given_as_text_is_accepted():
    raw = valid_catalog()
    assignment(raw)["effective_to"] = "2023-12-31"

    result = validate_catalog(raw, CatalogView(), None)

    assert result.document.customer_assignments[0].effective_to == dt.date(2023, 12, 31)


def test_effective_to_may_not_be_before_effective_from():
    raw = valid_catalog()
    assignment(raw)["effective_to"] = dt.date(2022, 12, 31)

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field="effective_to")


def test_one_day_assignment_is_accepted():
    raw = valid_catalog()
    assignment(raw)["effective_to"] = dt.date(2023, 1, 1)

    assert issues_of(raw) == []


# Duplicates and overlaps


@pytest.mark.parametrize(
    ("section", "code"),
    [
        ("terms", "NET30"),
        ("product_classes", "PLACEMENT"),
        ("families", "DIRECT_HIRE"),
        ("products", "STD_DH"),
        ("pay_plans", "SPLIT"),
    ],
)
def test_duplicate_codes_in_one_section_are_reported(section, code):
    raw = valid_catalog()
    raw[section].append(dict(entry(raw, section, code), name="Again"))

    issue = only_issue(raw)

    assert_names(issue, entry_has=[section], field="code")
    assert code in issue.message


def test_code_differing_only_in_case_from_one_in_the_database_is_refused():
    raw = valid_catalog()
    entry(raw, "products", "STD_DH")["code"] = "std_dh"
    raw["customer_assignments"] = []
    existing = CatalogView(products={"STD_DH": ("DIRECT_HIRE", "percentage")})

    issue = only_issue(raw, existing=existing)

    assert_names(issue, entry_has=["products", "std_dh"], field="code")
    assert "STD_DH" in issue.message


def test_codes_differing_only_in_case_within_a_file_are_refused():
    raw = valid_catalog()
    raw["terms"].append({"code": "net30", "name": "Net 30 again", "due_days": 30})

    issues = issues_of(raw)

    assert {i.entry for i in issues} == {"terms (NET30)", "terms (net30)"}


def test_duplicate_assignment_in_one_file_is_reported():
    raw = valid_catalog()
    add_assignment(raw, po_number="PO-2")

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments", "100", "STD_DH"], field="effective_from")


def test_overlapping_assignments_for_one_billto_and_scope_are_reported():
    raw = valid_catalog()
    assignment(raw)["effective_to"] = dt.date(2023, 12, 31)
    add_assignment(raw, effective_from=dt.date(2023, 6, 1))

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments", "100", "STD_DH"], field="effective_to")
    assert "2023-06-01" in issue.message


def test_open_ended_assignment_overlaps_any_later_one():
    raw = valid_catalog()
    add_assignment(raw, effective_from=dt.date(2025, 1, 1))

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments", "100", "STD_DH"], field="effective_to")


def test_back_to_back_assignments_do_not_overlap():
    raw = valid_catalog()
    assignment(raw)["effective_to"] = dt.date(2023, 12, 31)
    add_assignment(raw, effective_from=dt.date(2024, 1, 1))

    assert issues_of(raw) == []


@pytest.mark.parametrize(("billto", "scope"), [(110, "STD_DH"), (100, "FLAT_DH")])
def test_assignments_for_another_billto_or_scope_do_not_overlap(billto, scope):
    raw = valid_catalog()
    add_assignment(raw, billto=billto, product=scope)

    assert issues_of(raw) == []


def test_assignment_overlapping_one_in_the_database_is_reported():
    raw = valid_catalog()
    assignment(raw)["effective_from"] = dt.date(2024, 1, 1)
    existing = CatalogView(assignments={(100, "STD_DH", dt.date(2023, 1, 1)): None})

    issue = only_issue(raw, existing=existing)

    assert_names(issue, entry_has=["customer_assignments", "100", "STD_DH"], field="effective_to")


def test_file_may_end_an_assignment_in_the_database_and_start_the_next():
    raw = valid_catalog()
    assignment(raw)["effective_to"] = dt.date(2023, 12, 31)
    add_assignment(raw, effective_from=dt.date(2024, 1, 1))
    existing = CatalogView(assignments={(100, "STD_DH", dt.date(2023, 1, 1)): None})

    assert issues_of(raw, existing=existing) == []


# Unknown and missing fields


@pytest.mark.parametrize(
    ("section", "code", "typo"),
    [
        ("terms", "NET30", "due_day"),
        ("product_classes", "SERVICES", "for_placement"),
        ("families", "PROGRAM", "klass"),
        ("products", "STD_DH", "rat"),
        ("pay_plans", "SPLIT", "line"),
    ],
)
def test_unknown_field_is_reported(section, code, typo):
    raw = valid_catalog()
    entry(raw, section, code)[typo] = "x"

    issue = only_issue(raw)

    assert_names(issue, entry_has=[section, code], field=typo)
    assert "unknown field" in issue.message


def test_unknown_field_in_an_assignment_is_reported():
    raw = valid_catalog()
    assignment(raw)["po"] = "PO-1"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field="po")


def test_unknown_field_in_a_pay_plan_line_is_reported():
    raw = valid_catalog()
    entry(raw, "pay_plans", "SPLIT")["lines"][0]["days"] = 0

    issue = only_issue(raw)

    assert_names(issue, entry_has=["pay_plans", "SPLIT", "lines[0]"], field="days")


def test_unknown_section_is_reported():
    raw = valid_catalog()
    raw["product"] = []

    issue = only_issue(raw)

    assert_names(issue, entry_has=["file"], field="product")


@pytest.mark.parametrize(
    ("section", "code", "field"),
    [
        ("terms", "NET30", "name"),
        ("terms", "NET30", "due_days"),
        ("product_classes", "PLACEMENT", "for_placements"),
        ("families", "PROGRAM", "class"),
        ("products", "FLAT_DH", "name"),
        ("products", "FLAT_DH", "family"),
        ("products", "FLAT_DH", "pricing"),
        ("pay_plans", "SPLIT", "lines"),
    ],
)
def test_missing_required_field_is_reported(section, code, field):
    raw = valid_catalog()
    del entry(raw, section, code)[field]

    issue = only_issue(raw)

    assert_names(issue, entry_has=[section, code], field=field)


@pytest.mark.parametrize("field", ["billto", "product", "terms", "effective_from"])
def test_assignment_missing_required_field_is_reported(field):
    raw = valid_catalog()
    del assignment(raw)[field]

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field=field)


def test_missing_code_is_reported_by_position():
    raw = valid_catalog()
    raw["terms"].append({"name": "Net 60", "due_days": 60})

    issue = only_issue(raw)

    assert issue.entry == "terms[1]"
    assert issue.field == "code"


def test_assignment_without_pay_plan_is_accepted():
    raw = valid_catalog()
    del assignment(raw)["pay_plan"]

    assert issues_of(raw) == []


# Billtos


def test_unknown_billto_is_reported_when_billtos_are_known():
    raw = valid_catalog()
    assignment(raw)["billto"] = 999

    issue = only_issue(raw, known_billtos={100, 110})

    assert_names(issue, entry_has=["customer_assignments[0]"], field="billto")
    assert "999" in issue.message


def test_billto_check_is_skipped_without_known_billtos():
    raw = valid_catalog()
    assignment(raw)["billto"] = 999

    assert issues_of(raw, known_billtos=None) == []


def test_billto_must_be_a_positive_whole_number():
    raw = valid_catalog()
    assignment(raw)["billto"] = "100"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field="billto")


# Every issue at once


def test_every_issue_in_a_file_is_reported_in_one_pass():
    raw = valid_catalog()
    entry(raw, "families", "PROGRAM")["class"] = "NOPE"
    entry(raw, "products", "STD_DH")["rate"] = "120"
    entry(raw, "products", "FLAT_DH")["amout"] = "1"
    entry(raw, "pay_plans", "SPLIT")["lines"][1]["value"] = "40"
    assignment(raw).update(terms="NET45", effective_from="2023-02-30")

    issues = issues_of(raw)

    assert len(issues) == 6
    assert sorted((i.entry.split(" ")[0], i.field) for i in issues) == [
        ("customer_assignments[0]", "effective_from"),
        ("customer_assignments[0]", "terms"),
        ("families[1]", "class"),
        ("pay_plans[0]", "lines"),
        ("products[0]", "rate"),
        ("products[1]", "amout"),
    ]


# One mistake, one issue


def test_reference_to_a_flawed_entry_is_not_reported_again():
    raw = valid_catalog()
    entry(raw, "products", "STD_DH")["rate"] = "-25"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", "STD_DH"], field="rate")


def test_flawed_class_is_reported_once_not_at_its_families_and_products():
    raw = valid_catalog()
    entry(raw, "product_classes", "SERVICES")["for_placements"] = "no"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["product_classes", "SERVICES"], field="for_placements")


def test_reference_to_an_undefined_code_is_still_reported():
    raw = valid_catalog()
    entry(raw, "products", "STD_DH")["rate"] = "-25"
    add_assignment(raw, product="STD_DHX")

    issues = issues_of(raw)

    assert [(i.field, "STD_DHX" in i.message) for i in issues] == [
        ("rate", False),
        ("product", True),
    ]


# YAML: decimals stay exact


def test_yaml_float_rate_is_read_as_exact_decimal():
    raw = parse_catalog_yaml("rate: 25.5\nshare: 33.3333\n")

    assert raw == {"rate": Decimal("25.5"), "share": Decimal("33.3333")}
    assert isinstance(raw["rate"], Decimal)


def test_yaml_float_rate_reaches_the_document_exactly():
    raw = valid_catalog()
    entry(raw, "products", "STD_DH")["rate"] = parse_catalog_yaml("25.5")

    result = validate_catalog(raw, CatalogView(), None)

    assert result.document.products[0].rate == Decimal("25.5")
    assert str(result.document.products[0].rate) == "25.5"


def test_yaml_integer_amount_is_read_as_decimal():
    raw = valid_catalog()
    entry(raw, "products", "FLAT_DH")["amount"] = parse_catalog_yaml("5000")

    result = validate_catalog(raw, CatalogView(), None)

    assert result.document.products[1].amount == Decimal("5000")


def test_broken_yaml_raises_yaml_error():
    with pytest.raises(yaml.YAMLError):
        parse_catalog_yaml("terms: [\n  - code: NET30")


def test_dump_writes_amounts_with_cents_and_rates_plain():
    document = CatalogDocument(
        products=(
            ProductEntry("FLAT_DH", "Flat", "DIRECT_HIRE", "flat", amount=Decimal("5000.0000")),
            ProductEntry("STD_DH", "Std", "DIRECT_HIRE", "percentage", Decimal("25.5000"), "ote"),
        ),
        pay_plans=(
            PayPlanEntry("FULL", "Full", (PayPlanLineEntry("percentage", Decimal("100.0000"), 0),)),
        ),
        customer_assignments=(
            AssignmentEntry(
                100, "FLAT_DH", "NET30", dt.date(2023, 1, 1), price={"amount": Decimal("4000")}
            ),
        ),
    )

    data = yaml.safe_load(dump_catalog_yaml(document))

    assert data["products"][0]["amount"] == "5000.00"
    assert data["products"][1]["rate"] == "25.5"
    assert data["pay_plans"][0]["lines"][0]["value"] == "100"
    assert data["customer_assignments"][0]["price"] == {"amount": "4000.00"}


def test_dump_keeps_digits_beyond_cents():
    document = CatalogDocument(
        products=(ProductEntry("P", "P", "F", "unit", unit_price=Decimal("0.1250")),)
    )

    data = yaml.safe_load(dump_catalog_yaml(document))

    assert data["products"][0]["unit_price"] == "0.125"


def test_dumped_document_validates_back_to_the_same_document():
    document = validate_catalog(valid_catalog(), CatalogView(), None).document

    again = validate_catalog(parse_catalog_yaml(dump_catalog_yaml(document)), CatalogView(), None)

    assert again.issues == []
    assert again.document == document
