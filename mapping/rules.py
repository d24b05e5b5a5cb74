"""Which remote value a field takes for one invoice line: the most specific rule wins.

Pure: the rules of a connection in, a value out. Precedence for the fields
of a line (income account, item, tax code, class, department, location):
the product's own rule, then the Billto's, then the product family's, then
the connection's default. Terms and currencies are mapped by their code,
the subsidiary at the connection only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mapping.models import MappedField, Scope

LINE_PRECEDENCE = (Scope.PRODUCT, Scope.BILLTO, Scope.FAMILY, Scope.CONNECTION)
LINE_FIELDS = (MappedField.INCOME_ACCOUNT, MappedField.ITEM, MappedField.TAX_CODE,
               MappedField.CLASS, MappedField.DEPARTMENT, MappedField.LOCATION)  # fmt: skip
# The scopes at which each field is ever looked up: a rule at another scope would never apply.
FIELD_SCOPES: dict[MappedField, tuple[Scope, ...]] = {
    **{field: LINE_PRECEDENCE for field in LINE_FIELDS},
    MappedField.TERMS: (Scope.TERMS,),
    MappedField.CURRENCY: (Scope.CURRENCY,),
    MappedField.SUBSIDIARY: (Scope.CONNECTION,),
}


@dataclass(frozen=True)
class RemoteValue:
    """A remote record's id (and its name, for people)."""

    remote_id: str
    name: str | None = None


@dataclass(frozen=True)
class Rule:
    """A mapping rule as the resolver reads it."""

    field: MappedField
    scope: Scope
    scope_key: str
    value: RemoteValue


class RuleBook:
    """A connection's rules, indexed for lookups."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules = {(r.field, r.scope, r.scope_key): r.value for r in rules}

    def for_line(
        self, field: MappedField, *, product: str, family: str | None, billto_id: int
    ) -> RemoteValue | None:
        """The value of ``field`` for a line of ``product`` billed to ``billto_id``."""
        keys = {
            Scope.PRODUCT: product, Scope.BILLTO: str(billto_id),
            Scope.FAMILY: family or "", Scope.CONNECTION: "",
        }  # fmt: skip
        for scope in LINE_PRECEDENCE:
            if scope is Scope.FAMILY and family is None:
                continue
            value = self._rules.get((field, scope, keys[scope]))
            if value is not None:
                return value
        return None

    def by_code(self, field: MappedField, scope: Scope, code: str) -> RemoteValue | None:
        """A terms or currency mapping by its local code."""
        return self._rules.get((field, scope, code))

    def default(self, field: MappedField) -> RemoteValue | None:
        """The connection-wide value of ``field``."""
        return self._rules.get((field, Scope.CONNECTION, ""))
