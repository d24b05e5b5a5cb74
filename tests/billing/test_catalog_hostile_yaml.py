"""A catalog file written by mistake or by an attacker: refused with where and why, cheaply."""

import datetime as dt
import textwrap
import time
import tracemalloc
from decimal import Decimal

import pytest
import yaml

from billing.catalog.document import AssignmentEntry, CatalogDocument
from billing.catalog.file import (
    MAX_FILE_BYTES,
    UnreadableCatalog,
    dump_catalog_yaml,
    read_catalog_file,
)
from billing.catalog.validation import CatalogView, validate_catalog
from tests.billing.catalog_helpers import (
    assert_names,
    assignment,
    billion_laughs,
    entry,
    issues_of,
    only_issue,
    valid_catalog,
)

BASE = textwrap.dedent(
    """\
    terms:
      - code: NET30
        name: Net 30
        due_days: 30
    product_classes:
      - {code: PLACEMENT, name: Placement Products, for_placements: true}
    families:
      - {code: DIRECT_HIRE, name: Direct Hire Fees, class: PLACEMENT}
    products:
      - code: FLAT_DH
        name: Flat Fee
        family: DIRECT_HIRE
        pricing: flat
        amount: AMOUNT
    pay_plans:
      - code: FULL
        name: Full
        lines:
          - {strategy: percentage, value: "100", days_from_event: 0}
    customer_assignments:
      - billto: 100
        product: FLAT_DH
        pay_plan: FULL
        terms: NET30
        effective_from: 2023-01-01
    """
)
AMOUNT_LINE = 14


def issues_in(text):
    """The issues of a file's text, read and validated as an import does."""
    raw = read_catalog_file(text.encode("utf-8"))
    return [str(i) for i in validate_catalog(raw, CatalogView(), None).issues]


def refusal(data):
    with pytest.raises(UnreadableCatalog) as refused:
        read_catalog_file(data)
    return refused.value.problem


def test_the_base_file_is_valid():
    assert issues_in(BASE.replace("AMOUNT", '"5000.00"')) == []


# Keys written twice


def test_a_second_products_section_is_refused_with_both_lines():
    text = BASE.replace("AMOUNT", "5000") + "products: []\n"

    issues = issues_in(text)

    assert len(issues) == 1, issues
    assert issues[0].startswith("file, field 'products'")
    assert f"lines 9 and {text.count(chr(10))}" in issues[0]


def test_a_field_written_twice_is_refused_with_both_lines():
    text = BASE.replace("amount: AMOUNT", 'amount: "5000.00"\n    amount: "50.00"')

    issues = issues_in(text)

    assert len(issues) == 1, issues
    assert issues[0].startswith("products[0] (FLAT_DH), field 'amount'")
    assert f"lines {AMOUNT_LINE} and {AMOUNT_LINE + 1}" in issues[0]


def test_a_pay_plan_line_field_written_twice_is_refused():
    text = BASE.replace("AMOUNT", "5000").replace(
        'value: "100", days_from_event: 0}', 'value: "100", days_from_event: 0, value: "50"}'
    )

    issues = issues_in(text)

    assert len(issues) == 1, issues
    assert issues[0].startswith("pay_plans[0] (FULL) lines[0], field 'value'")
    assert "written twice, on line 19" in issues[0]


def test_a_price_override_field_written_twice_is_refused():
    text = BASE.replace("AMOUNT", "5000") + '    price: {amount: "10.00", amount: "20.00"}\n'

    issues = issues_in(text)

    assert len(issues) == 1, issues
    assert "customer_assignments[0] price, field 'amount'" in issues[0]


# Numbers YAML 1.1 reads differently from a person


@pytest.mark.parametrize(
    ("written", "reading"),
    [
        ("010", "octal, read by YAML 1.1 as 8"),
        ("0x10", "hexadecimal, read by YAML 1.1 as 16"),
        ("1:30", "base 60, read by YAML 1.1 as 90"),
        ("0b101", "binary, read by YAML 1.1 as 5"),
        ("1_000", "digit separators"),
        ("1_000.50", "digit separators"),
        ("2.5e+3", "exponent notation"),
        (".inf", "not a finite number"),
    ],
)
def test_amount_in_a_yaml_11_number_form_is_refused_with_entry_field_and_line(written, reading):
    issues = issues_in(BASE.replace("AMOUNT", written))

    assert len(issues) == 1, issues
    assert issues[0].startswith("products[0] (FLAT_DH), field 'amount'")
    assert f"{written} (line {AMOUNT_LINE}) " in issues[0]
    assert reading in issues[0]


@pytest.mark.parametrize(
    ("field", "entry_label"),
    [("due_days: 30", "terms[0] (NET30)"), ("billto: 100", "customer_assignments[0]")],
)
def test_whole_number_in_octal_is_refused(field, entry_label):
    name, value = field.split(": ")
    text = BASE.replace("AMOUNT", "5000").replace(field, f"{name}: 0{value}")

    issues = issues_in(text)

    assert len(issues) == 1, issues
    assert issues[0].startswith(f"{entry_label}, field '{name}'")
    assert "octal" in issues[0]


@pytest.mark.parametrize(
    ("written", "amount"),
    [("5000", "5000"), ("5000.50", "5000.50"), ('"010"', "10"), ("'0x10'", None)],
)
def test_plain_decimals_and_quoted_text_are_read_as_written(written, amount):
    raw = read_catalog_file(BASE.replace("AMOUNT", written).encode())

    result = validate_catalog(raw, CatalogView(), None)

    if amount is None:  # text that is no decimal is refused, not read as hexadecimal
        assert [i.field for i in result.issues] == ["amount"]
    else:
        assert result.document.products[0].amount == Decimal(amount)


def test_a_number_with_thousands_of_digits_is_refused_without_reading_it():
    issues = issues_in(BASE.replace("AMOUNT", "9" * 100_000))

    assert len(issues) == 1 and "100000 characters" in issues[0], issues
    assert len(issues[0]) < 300


def test_a_date_that_does_not_exist_is_an_issue_not_a_crash():
    issues = issues_in(BASE.replace("AMOUNT", "5000").replace("2023-01-01", "2023-02-30"))

    assert len(issues) == 1 and "field 'effective_from'" in issues[0], issues


# Codes that look alike and are not


@pytest.mark.parametrize(
    "character",
    ["\x00", "\t", "\n", "\u200b", "\u00a0", "\u2028", "\ufeff", "\u202e", "\ue000", "\ud800"],
)
def test_code_with_a_control_or_invisible_character_is_refused(character):
    raw = valid_catalog()
    entry(raw, "products", "PMO_FEE")["code"] = f"PMO{character}FEE"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products[3]"], field="code")
    assert f"U+{ord(character):04X}" in issue.message


def test_code_with_a_decomposed_accent_is_refused():
    raw = valid_catalog()
    entry(raw, "products", "PMO_FEE")["code"] = "CAFE\u0301"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products[3]"], field="code")
    assert "NFC" in issue.message


def test_reference_with_an_invisible_character_is_refused():
    raw = valid_catalog()
    assignment(raw)["terms"] = "NET30\u200b"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["customer_assignments[0]"], field="terms")
    assert "ZERO WIDTH SPACE" in issue.message


@pytest.mark.parametrize("character", ["\x00", "\n", "\u2029"])
def test_name_with_a_control_character_is_refused(character):
    raw = valid_catalog()
    entry(raw, "products", "STD_DH")["name"] = f"Direct{character}Hire"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products[0]"], field="name")


def test_name_and_code_may_hold_plain_spaces_and_accents():
    raw = valid_catalog()
    entry(raw, "products", "STD_DH")["name"] = "Honoraires de recrutement — cadre"
    entry(raw, "terms", "NET30")["name"] = "Net 30 Tage"
    entry(raw, "products", "PMO_FEE")["code"] = "CAF\u00c9 FEE"

    assert issues_of(raw) == []


# Days: at most ten years


@pytest.mark.parametrize("days", [3651, 2**31 - 1])
def test_due_days_beyond_ten_years_are_refused(days):
    raw = valid_catalog()
    entry(raw, "terms", "NET30")["due_days"] = days

    issue = only_issue(raw)

    assert_names(issue, entry_has=["terms", "NET30"], field="due_days")
    assert "at most 3650 days" in issue.message


@pytest.mark.parametrize("days", [3651, 2**31 - 1, -1])
def test_pay_plan_offset_outside_ten_years_is_refused(days):
    raw = valid_catalog()
    entry(raw, "pay_plans", "SPLIT")["lines"][1]["days_from_event"] = days

    issue = only_issue(raw)

    assert_names(issue, entry_has=["pay_plans", "SPLIT", "lines[1]"], field="days_from_event")


def test_ten_years_of_days_are_accepted():
    raw = valid_catalog()
    entry(raw, "terms", "NET30")["due_days"] = 3650
    entry(raw, "pay_plans", "SPLIT")["lines"][1]["days_from_event"] = 3650

    assert issues_of(raw) == []


# Amounts every database keeps exactly


def test_amount_sqlite_would_round_is_refused_naming_the_bound():
    raw = valid_catalog()
    entry(raw, "products", "FLAT_DH")["amount"] = "99999999999999.99"

    issue = only_issue(raw)

    assert_names(issue, entry_has=["products", "FLAT_DH"], field="amount")
    assert "100,000,000,000" in issue.message


def test_largest_amount_every_database_keeps_is_accepted():
    raw = valid_catalog()
    entry(raw, "products", "FLAT_DH")["amount"] = "99999999999.9999"

    assert issues_of(raw) == []


# Aliases, tags, nesting, size and encoding


def test_alias_bomb_is_refused_quickly_in_little_memory():
    bomb = billion_laughs().encode()
    assert len(bomb) < 1200
    tracemalloc.start()
    started = time.perf_counter()

    problem = refusal(bomb)

    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert problem.startswith("line 2, column")
    assert "alias *x0 is not allowed" in problem
    assert elapsed < 1 and peak < 5_000_000


def test_merge_key_is_refused():
    assert "merge keys" in refusal(b"terms:\n  - <<: {code: NET30}\n    name: Net 30\n")


def test_explicit_tag_is_refused():
    problem = refusal(b"terms:\n  - code: !!python/name:os.system x\n")

    assert problem.startswith("line 2, column 11: the tag")


@pytest.mark.parametrize("depth", [50, 200_000])
def test_deep_nesting_is_refused_without_recursing(depth):
    problem = refusal(b"terms: " + b"[" * depth + b"]" * depth)

    assert "nested more than 10 levels" in problem or "nesting depth" in problem


def test_file_larger_than_five_megabytes_is_refused_before_it_is_parsed():
    data = b"#" * (MAX_FILE_BYTES + 1)

    assert "larger than 5,242,880 bytes (5 MB)" in refusal(data)


def test_non_utf8_file_is_refused_with_the_byte_offset_and_line():
    data = b"terms:\n  - code: NET30\n    name: Caf" + b"\xe9 30\n"

    problem = refusal(data)

    assert "not UTF-8" in problem
    assert "0xE9 at offset 36 (line 3)" in problem


def test_utf8_byte_order_mark_is_accepted():
    data = b"\xef\xbb\xbf" + BASE.replace("AMOUNT", "5000").encode()

    assert isinstance(read_catalog_file(data), dict)


def test_broken_yaml_is_refused_with_its_line():
    assert refusal(b"terms: [\n  - code: NET30").startswith("is not valid YAML: line")


# Values quoted back in an error


def test_a_huge_value_is_quoted_back_shortened():
    raw = valid_catalog()
    entry(raw, "products", "STD_DH")["name"] = ["x" * 1000] * 1000

    issue = only_issue(raw)

    assert len(str(issue)) < 200
    assert str(issue).endswith("…")


def test_a_huge_unknown_field_name_and_code_are_shown_shortened():
    raw = valid_catalog()
    product = entry(raw, "products", "STD_DH")
    product["code"], product["y" * 1_000_000] = "S" * 1_000_000, 1

    issues = [str(i) for i in issues_of(raw)]

    assert issues and all(len(i) < 400 for i in issues), [len(i) for i in issues]


# Export


def test_export_never_writes_an_alias_even_for_a_shared_value():
    day = dt.date(2023, 1, 1)
    document = CatalogDocument(
        customer_assignments=(
            AssignmentEntry(100, "A", "NET30", day, effective_to=day),
            AssignmentEntry(110, "A", "NET30", day),
        )
    )

    text = dump_catalog_yaml(document)

    assert "&" not in text and "*" not in text
    assert yaml.safe_load(text)["customer_assignments"][1]["effective_from"] == day
