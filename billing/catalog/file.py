"""The catalog file's YAML: decimals stay exact in and out, and a hostile file stays small.

YAML would read ``rate: 25.5`` as a float; the loader here reads every
number with a fraction as a ``Decimal`` from its source text instead, and the
dumper writes decimals as quoted strings, as the file format asks.

A catalog file comes from a person and may be wrong or hostile, so reading it
is bounded before anything else looks at it: its size, its nesting, and
aliases, which are refused outright (a kilobyte of nested aliases expands to
gigabytes wherever the value is walked or quoted back in an error). YAML 1.1
reads ``010`` as 8, ``0x10`` as 16 and ``1:30`` as 90; such numbers are kept
as ``RefusedNumber`` so validation can name the entry and field. A mapping
remembers keys written twice (YAML would silently keep the last) so
validation can refuse them with their lines.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml

from billing.catalog.document import (
    AssignmentEntry,
    CatalogDocument,
    PayPlanEntry,
    ProductEntry,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
# A catalog nests five deep (file, pay_plans, a plan, its lines, a line); more is no catalog.
MAX_DEPTH = 10
# No amount, count or Billto id has more digits than this.
MAX_DIGITS = 30
QUOTE_LIMIT = 60

PLAIN_INTEGER = re.compile(r"[-+]?(0|[1-9][0-9]*)")
PLAIN_DECIMAL = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)")
MERGE_TAG = "tag:yaml.org,2002:merge"


class UnreadableCatalog(Exception):
    """Raised when a file cannot be read as a catalog at all; ``problem`` says why and where."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that a catalog file may not use (aliases, tags, merge keys, deep nesting)."""

    def __init__(self, problem: str, mark: yaml.Mark) -> None:
        super().__init__(problem=problem, problem_mark=mark)


@dataclass(frozen=True)
class RefusedNumber:
    """A number written in a form YAML 1.1 reads differently from how a person does."""

    text: str
    line: int
    reading: str

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True)
class RepeatedKey:
    """A key written a second time in one mapping."""

    key: object
    line: int
    first_line: int


class CatalogMapping(dict[Any, Any]):
    """A mapping from the file that remembers its keys written more than once."""

    def __init__(self) -> None:
        super().__init__()
        self.repeated: list[RepeatedKey] = []


def shorten(text: str) -> str:
    """``text`` cut to ``QUOTE_LIMIT`` characters: an error never repeats a huge value."""
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"


def quoted(value: object) -> str:
    """``value`` as an error message shows it: its repr (escaping the invisible), shortened."""
    return shorten(repr(value))


def read_catalog_file(data: bytes) -> object:
    """The file's content as plain data; raises ``UnreadableCatalog`` with where and why."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableCatalog(
            f"is larger than {MAX_FILE_BYTES:,} bytes (5 MB): split it into smaller files "
            "and import them one after another"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise UnreadableCatalog(
            f"is not UTF-8: the byte 0x{data[error.start]:02X} at offset {error.start} "
            f"(line {line}) is not valid there: save the file with UTF-8 encoding"
        ) from None
    try:
        return parse_catalog_yaml(text)
    except _Refused as error:
        raise UnreadableCatalog(_where(error)) from None
    except yaml.YAMLError as error:
        raise UnreadableCatalog(f"is not valid YAML: {_where(error)}") from None


def parse_catalog_yaml(text: str) -> object:
    """The text's content as plain data; raises ``yaml.YAMLError`` on broken or refused YAML."""
    return yaml.load(text, Loader=_CatalogLoader)


def _where(error: yaml.YAMLError) -> str:
    """The error with its line and column, without PyYAML's stream name and snippet."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        context = f"{error.context}, " if error.context else ""
        return f"line {mark.line + 1}, column {mark.column + 1}: {context}{error.problem}"
    if isinstance(error, yaml.reader.ReaderError):
        return (
            f"character U+{int(error.character):04X} at position {error.position} is not "
            "allowed in YAML: remove it, or write it as an escape in a double-quoted string"
        )
    return shorten(str(error))


class _PythonEvents(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """YAML events from PyYAML's own reader, scanner and parser, when libyaml is missing."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


# libyaml scans and parses a large file about four times faster; PyYAML wheels ship it.
_Events: type[Any] = (
    importlib.import_module("yaml._yaml").CParser if yaml.__with_libyaml__ else _PythonEvents
)


class _CatalogLoader(
    yaml.composer.Composer, _Events, yaml.constructor.SafeConstructor, yaml.resolver.Resolver
):
    """A safe loader without aliases or merge keys, nesting-bounded, reading numbers exactly.

    Events come from libyaml (or PyYAML's parser) and are composed here in
    Python, so that every node passes ``compose_node``'s checks.
    """

    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Refuse aliases, explicit tags and nesting beyond ``MAX_DEPTH`` before they are built."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(
                f"the alias *{shorten(str(event.anchor))} is not allowed in a catalog file: "
                "write the value out in full",
                event.start_mark,
            )
        event = self.peek_event()
        if getattr(event, "tag", None) not in (None, "!"):
            raise _Refused(
                f"the tag {shorten(str(event.tag))} is not allowed in a catalog file: "
                "remove it (quote a value to keep it as text)",
                event.start_mark,
            )
        if self.depth >= MAX_DEPTH:
            raise _Refused(
                f"nested more than {MAX_DEPTH} levels deep, which no catalog is",
                event.start_mark,
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _construct_mapping(loader: _CatalogLoader, node: yaml.MappingNode) -> Any:
    """A ``CatalogMapping`` that keeps the first value of a repeated key and notes the repeat."""
    mapping = CatalogMapping()
    yield mapping
    first_lines: dict[Any, int] = {}
    for key_node, value_node in node.value:
        if key_node.tag == MERGE_TAG:
            raise _Refused(
                "merge keys (<<) are not allowed in a catalog file: write the fields out",
                key_node.start_mark,
            )
        key = loader.construct_object(key_node)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "found a key that is a list or mapping", key_node.start_mark
            ) from None
        line = key_node.start_mark.line + 1
        if key in first_lines:
            mapping.repeated.append(RepeatedKey(key, line, first_lines[key]))
            continue
        first_lines[key] = line
        mapping[key] = loader.construct_object(value_node)


def _construct_integer(loader: _CatalogLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    if PLAIN_INTEGER.fullmatch(text) and len(text) <= MAX_DIGITS:
        return int(text)
    return _refused_number(node, text)


def _construct_decimal(loader: _CatalogLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    if PLAIN_DECIMAL.fullmatch(text) and len(text) <= MAX_DIGITS:
        return Decimal(text)
    return _refused_number(node, text)


def _refused_number(node: yaml.ScalarNode, text: str) -> RefusedNumber:
    return RefusedNumber(shorten(text), node.start_mark.line + 1, _reading(text))


def _reading(text: str) -> str:
    """What YAML 1.1 makes of a number that is not in plain decimal notation, in words."""
    if len(text) > MAX_DIGITS:
        return f"has {len(text)} characters, more than any amount or count"
    if "_" in text:
        return "has digit separators (_), which YAML readers disagree about"
    digits = text.lstrip("+-").lower()
    if "inf" in digits or "nan" in digits:
        return "is not a finite number"
    return f"is {_notation(digits)}, read by YAML 1.1 as {_yaml11_value(text)}"


def _notation(digits: str) -> str:
    if ":" in digits:
        return "base 60"
    if digits.startswith("0x"):
        return "hexadecimal"
    if digits.startswith("0b"):
        return "binary"
    if "e" in digits:
        return "exponent notation"
    return "octal"


def _yaml11_value(text: str) -> object:
    """The value YAML 1.1 gives ``text`` (an int or float form it resolved as such)."""
    node = yaml.ScalarNode("tag:yaml.org,2002:int", text)
    constructor = yaml.constructor.SafeConstructor()
    try:
        return constructor.construct_yaml_int(node)
    except ValueError:
        return constructor.construct_yaml_float(node)


def _construct_date(loader: _CatalogLoader, node: yaml.ScalarNode) -> Any:
    """A date, or its text when there is no such day (2023-02-30) for validation to name."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return str(loader.construct_scalar(node))


_CatalogLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_CatalogLoader.add_constructor("tag:yaml.org,2002:int", _construct_integer)
_CatalogLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_CatalogLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes ``Decimal`` as a quoted string and never an alias.

    The loader refuses aliases, so an export must never write one, even when
    two entries share one value object.
    """

    def ignore_aliases(self, data: Any) -> bool:
        """Every value is written out in full."""
        return True


_Dumper.add_representer(Decimal, lambda dumper, value: dumper.represent_str(format(value, "f")))


def dump_catalog_yaml(document: CatalogDocument) -> str:
    """The document as a catalog file that imports back to the same state."""
    data = {
        "terms": [vars(t) for t in document.terms],
        "product_classes": [vars(c) for c in document.product_classes],
        "families": [
            {"code": f.code, "name": f.name, "class": f.class_code} for f in document.families
        ],
        "products": [_product(p) for p in document.products],
        "pay_plans": [_pay_plan(p) for p in document.pay_plans],
        "customer_assignments": [_assignment(a) for a in document.customer_assignments],
    }
    header = "# Back office catalog, written by `backoffice catalog export`.\n"
    return header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def _product(product: ProductEntry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": product.code,
        "name": product.name,
        "family": product.family_code,
        "pricing": product.pricing,
    }
    if product.rate is not None:
        data["rate"] = _plain(product.rate)
    if product.basis is not None:
        data["basis"] = product.basis
    for name in ("amount", "unit_price"):
        value = getattr(product, name)
        if value is not None:
            data[name] = _money(value)
    return data


def _pay_plan(plan: PayPlanEntry) -> dict[str, Any]:
    lines = [
        {"strategy": ln.strategy, "value": _plain(ln.value), "days_from_event": ln.days_from_event}
        for ln in plan.lines
    ]
    return {"code": plan.code, "name": plan.name, "lines": lines}


def _assignment(entry: AssignmentEntry) -> dict[str, Any]:
    data: dict[str, Any] = {"billto": entry.billto, "product": entry.scope}
    optional: dict[str, str | dt.date | None] = {
        "pay_plan": entry.pay_plan,
        "terms": entry.terms,
        "effective_from": entry.effective_from,
        "effective_to": entry.effective_to,
        "po_number": entry.po_number,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    if entry.bill_to != "self":
        data["bill_to"] = entry.bill_to
    if entry.price:
        data["price"] = {k: _plain(v) if k == "rate" else _money(v) for k, v in entry.price.items()}
    return data


def _plain(value: Decimal) -> Decimal:
    """A rate or share without trailing zeros, never in exponent form (25.0000 -> 25)."""
    reduced = value.normalize()
    exponent = reduced.as_tuple().exponent
    return reduced.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else reduced


def _money(value: Decimal) -> Decimal:
    """An amount with cents, or all its digits if it has more (2500.0000 -> 2500.00)."""
    reduced = _plain(value)
    exponent = reduced.as_tuple().exponent
    return (
        value.quantize(Decimal("0.01")) if isinstance(exponent, int) and exponent >= -2 else reduced
    )
