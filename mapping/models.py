"""Mappings of one connection: links of local records to remote ones, and mapping rules.

- ``RemoteLink``: a local record that exists remotely as one record — a
  Billto as a customer, a product variant as an item — created by a push or
  linked by a person (or by a duplicate name found on create).
- ``MappingRule``: which remote value a field takes (income account, item,
  tax code, class, department, location, terms, currency, subsidiary) at a
  scope: the whole connection (the default), a product family, a product, a
  Billto, a terms code or a currency code. The most specific rule wins
  (``mapping.rules``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage import Base

REMOTE_ID_LENGTH = 60
LOCAL_KEY_LENGTH = 60


class LocalKind(StrEnum):
    """Local records that are linked one-to-one with remote ones."""

    BILLTO = "billto"
    PRODUCT = "product"


class LinkOrigin(StrEnum):
    """How a link came about."""

    CREATED = "created"  # pushed by the sync
    LINKED = "linked"  # an existing remote record, chosen by a person or found by name


class MappedField(StrEnum):
    """What a rule gives a remote value to."""

    INCOME_ACCOUNT = "income_account"
    ITEM = "item"
    TAX_CODE = "tax_code"
    CLASS = "class"
    DEPARTMENT = "department"
    LOCATION = "location"
    TERMS = "terms"
    CURRENCY = "currency"
    SUBSIDIARY = "subsidiary"


class Scope(StrEnum):
    """Where a rule applies; ``CONNECTION`` rules are the defaults (empty key)."""

    CONNECTION = "connection"
    FAMILY = "family"
    PRODUCT = "product"
    BILLTO = "billto"
    TERMS = "terms"
    CURRENCY = "currency"


class RemoteLink(Base):
    """A local record and the remote record it is."""

    __tablename__ = "remote_link"
    __table_args__ = (UniqueConstraint("connection_id", "local_kind", "local_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connection.id"))
    local_kind: Mapped[str] = mapped_column(String(20))
    local_key: Mapped[str] = mapped_column(String(LOCAL_KEY_LENGTH))
    remote_id: Mapped[str] = mapped_column(String(REMOTE_ID_LENGTH))
    remote_name: Mapped[str | None] = mapped_column(String(200))
    remote_version: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class MappingRule(Base):
    """The remote value of one field at one scope."""

    __tablename__ = "mapping_rule"
    __table_args__ = (UniqueConstraint("connection_id", "field", "scope", "scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connection.id"))
    field: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(20))
    scope_key: Mapped[str] = mapped_column(String(LOCAL_KEY_LENGTH))
    remote_id: Mapped[str] = mapped_column(String(REMOTE_ID_LENGTH))
    remote_name: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
