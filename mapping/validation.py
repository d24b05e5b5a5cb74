"""Everything a batch needs mapped before it can be pushed, as health-check issues.

``MappingCheck`` is the ``DocumentCheck`` invoicing's health check calls
(``billing.invoicing.health``): it lists, once each, what is unmapped on the
connection for the documents it is shown — terms, currencies, the subsidiary
(NetSuite), and per product an item or an income account to create one
with, and a tax code where the company needs one per line (QuickBooks
outside the US). A Billto needs no mapping: the push creates its customer or
links the one with its name. A QuickBooks invoice keeps a PO number of at
most 15 characters: a longer one holds the document here, with the reason,
rather than being cut at the push.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.qbo.payloads import PO_NUMBER_MAX
from billing.catalog.models import Product, ProductFamily
from billing.invoicing.health import DocumentFacts, HealthIssue
from mapping.connections import ConnectionRecord
from mapping.models import LocalKind, MappedField, RemoteLink, Scope
from mapping.rule_store import load_rules
from mapping.rules import RemoteValue, RuleBook

DEFAULT_HOME_CURRENCY = "USD"  # until the connection is checked


@dataclass(frozen=True)
class Capabilities:
    """What the remote company requires, from the connection's settings."""

    system: str  # "qbo" or "netsuite"
    home_currency: str
    multicurrency: bool
    tax_code_per_line: bool

    @classmethod
    def of(cls, connection: ConnectionRecord) -> Capabilities:
        """Read from the settings the connection stored when it was added or checked."""
        settings = connection.settings
        company = settings.company
        return cls(
            connection.system.family,
            (company.home_currency if company else None) or DEFAULT_HOME_CURRENCY,
            company.multicurrency if company else False,
            settings.tax_code_per_line,
        )


@dataclass(frozen=True)
class MappingGap:
    """One thing a document lacks: the rule that would fill it (field, scope, key), in words.

    ``topic`` is what the health check files it under (``product``: an item or
    an income account); ``field`` the rule to set.
    """

    document: DocumentFacts
    topic: str
    field: str
    scope: Scope
    key: str
    what: str
    fix: str | None = None  # where no rule fills it: what to change instead


class MappingCheck:
    """The mapping part of the health check for one connection: every gap of every document.

    The health check tells a gap shared by many documents once and holds them all.
    """

    def __init__(self, session: Session, connection: ConnectionRecord) -> None:
        self.connection = connection
        self.capabilities = Capabilities.of(connection)
        self.rules = load_rule_book(session, connection.id)
        self.linked_products = set(session.scalars(
            select(RemoteLink.local_key).where(RemoteLink.connection_id == connection.id,
                                               RemoteLink.local_kind == LocalKind.PRODUCT.value)
        ))  # fmt: skip
        self.families = {
            code: family
            for code, family in session.execute(
                select(Product.code, ProductFamily.code).join(
                    ProductFamily, Product.family_id == ProductFamily.id
                )
            )
        }

    def __call__(self, documents: Sequence[DocumentFacts]) -> list[HealthIssue]:
        """The gaps found on these documents, each naming the document it holds."""
        issues: list[HealthIssue] = []
        for document in documents:
            issues.extend(self._issue(gap) for gap in self._company_gaps(document))
            issues.extend(self._po_number_refusal(document))
            issues.extend(self._issue(gap) for gap in self._document_gaps(document))
        return issues

    def gaps_of(self, document: DocumentFacts) -> list[MappingGap]:
        """What ``document`` lacks on the connection, each with the rule that would fill it."""
        return [*self._company_gaps(document), *self._document_gaps(document)]

    def _company_gaps(self, document: DocumentFacts) -> list[MappingGap]:
        return [*self._connection_gaps(document), *self._currency_gap(document)]

    def _document_gaps(self, document: DocumentFacts) -> list[MappingGap]:
        found = []
        terms = document.terms_code
        if self.rules.by_code(MappedField.TERMS, Scope.TERMS, terms) is None:
            found.append(self._gap(document, "terms", Scope.TERMS, terms,
                                   f"terms {terms} are not mapped to the "
                                   f"{self._system_name}'s terms"))  # fmt: skip
        for product in sorted(document.product_codes):
            found.extend(self._product_gaps(document, product))
        return found

    def _connection_gaps(self, document: DocumentFacts) -> list[MappingGap]:
        if self.capabilities.system == "netsuite" and not self.rules.default(
            MappedField.SUBSIDIARY
        ):
            return [self._gap(document, "subsidiary", Scope.CONNECTION, "",
                              "no subsidiary is mapped")]  # fmt: skip
        return []

    def _currency_gap(self, document: DocumentFacts) -> list[MappingGap]:
        currency = document.currency
        if self.capabilities.system == "netsuite":
            if self.rules.by_code(MappedField.CURRENCY, Scope.CURRENCY, currency) is None:
                what = f"currency {currency} is not mapped to a NetSuite currency"
                return [self._gap(document, "currency", Scope.CURRENCY, currency, what)]
            return []
        if currency != self.capabilities.home_currency and not self.capabilities.multicurrency:
            gap = self._gap(document, "currency", Scope.CURRENCY, currency,
                            f"the QuickBooks company is in {self.capabilities.home_currency} "
                            f"without multicurrency, so it cannot take {currency}")  # fmt: skip
            fix = f"Turn on multicurrency in the QuickBooks company to invoice in {currency}."
            return [replace(gap, fix=fix)]
        return []

    def _po_number_refusal(self, document: DocumentFacts) -> list[HealthIssue]:
        po_number = document.po_number
        if self.capabilities.system != "qbo" or po_number is None:
            return []
        if len(po_number) <= PO_NUMBER_MAX:
            return []
        return [HealthIssue(
            document.label,
            "po_number",
            f"PO number {po_number!r} has {len(po_number)} characters but QuickBooks keeps at "
            f"most {PO_NUMBER_MAX} (connection {self.connection.name}): shorten it in the "
            f"catalog file's assignment for Billto {document.billto_id}, import it and realize "
            "again, then discard this batch and invoice again",
            document.document_id,
        )]  # fmt: skip

    def _product_gaps(self, document: DocumentFacts, product: str) -> list[MappingGap]:
        gaps: list[MappingGap] = []
        family = self.families.get(product)

        def value(field: MappedField) -> RemoteValue | None:
            return self.rules.for_line(field, product=product, family=family,
                                       billto_id=document.billto_id)  # fmt: skip

        has_item = product in self.linked_products or value(MappedField.ITEM) is not None
        if not has_item and value(MappedField.INCOME_ACCOUNT) is None:
            gaps.append(self._gap(document, "product", Scope.PRODUCT, product,
                                  f"product {product} has no item and no income account to "
                                  "create one with"))  # fmt: skip
        if self.capabilities.tax_code_per_line and value(MappedField.TAX_CODE) is None:
            gaps.append(self._gap(document, "tax_code", Scope.PRODUCT, product,
                                  f"product {product} has no tax code (the company needs one "
                                  "on every line)"))  # fmt: skip
        return gaps

    @staticmethod
    def _gap(document: DocumentFacts, topic: str, scope: Scope, key: str, what: str) -> MappingGap:
        field = MappedField.INCOME_ACCOUNT.value if topic == "product" else topic
        return MappingGap(document, topic, field, scope, key, what)

    def _issue(self, gap: MappingGap) -> HealthIssue:
        return HealthIssue(
            gap.document.label,
            f"mapping.{gap.topic}",
            f"{gap.what} on connection {self.connection.name}: map it before approving",
            gap.document.document_id,
        )

    @property
    def _system_name(self) -> str:
        return "QuickBooks company" if self.capabilities.system == "qbo" else "NetSuite account"


def load_rule_book(session: Session, connection_id: int) -> RuleBook:
    """A connection's rules, indexed."""
    return RuleBook(load_rules(session, connection_id))
