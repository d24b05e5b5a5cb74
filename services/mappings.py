"""Mappings of a connection: set and list its rules, and the mapping part of the health check.

A rule gives a field (income account, terms, subsidiary...) a remote value
at one scope: the connection's default (empty key), a product family, a
product, a Billto, a terms code or a currency code. The connection is the
named one, else the default connection.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.base import OptionKind
from backoffice.clock import utc_now
from backoffice.errors import NeedsUserAction
from backoffice.runtime import Runtime
from billing.invoicing.health import DocumentCheck, document_facts
from billing.invoicing.models import Invoice, InvoiceStatus
from mapping.connections import has_connection, load_connection
from mapping.link_store import delete_link, load_chosen_links, save_link
from mapping.models import LOCAL_KEY_LENGTH, REMOTE_ID_LENGTH, LocalKind, MappedField, Scope
from mapping.rule_store import delete_rule, load_rules, save_rule
from mapping.rules import FIELD_SCOPES, RemoteValue, Rule
from mapping.validation import MappingCheck, MappingGap
from sync.connect import adapter_for

__all__ = [
    "MappingEntry",
    "MappingOption",
    "UnmappedEntry",
    "list_mapping_options",
    "list_mappings",
    "list_unmapped",
    "map_to_remote_record",
    "mapping_checks",
    "set_mapping",
    "unset_mapping",
]


# Fields that are links (this Billto or product IS that remote record), not rules.
LINKED_FIELDS = {"customer": (Scope.BILLTO, LocalKind.BILLTO),
                 "item": (Scope.PRODUCT, LocalKind.PRODUCT)}  # fmt: skip


@dataclass(frozen=True)
class MappingEntry:
    """One rule as people read it: ``key`` is empty for the connection's default."""

    field: str
    scope: str
    key: str
    remote_id: str
    remote_name: str | None


def list_mappings(runtime: Runtime, connection: str | None = None) -> list[MappingEntry]:
    """The rules of ``connection`` and its links to existing customers and items, sorted.

    Links the sync made to records it created are its own bookkeeping, not
    mappings, and are left out.
    """
    with runtime.transaction() as session:
        record = load_connection(session, runtime.vault, connection)
        entries = [_entry(rule) for rule in load_rules(session, record.id)]
        fields = {kind.value: field for field, (_, kind) in LINKED_FIELDS.items()}
        entries += [MappingEntry(fields[link.local_kind], link.local_kind, link.local_key,
                                 link.remote_id, link.remote_name)
                    for link in load_chosen_links(session, record.id)]  # fmt: skip
    return sorted(entries, key=lambda entry: (entry.field, entry.scope, entry.key))


def set_mapping(
    runtime: Runtime,
    field: str,
    remote_id: str,
    *,
    scope: str = Scope.CONNECTION.value,
    key: str = "",
    remote_name: str | None = None,
    connection: str | None = None,
) -> MappingEntry:
    """Give ``field`` the remote record ``remote_id`` at ``scope`` (``key`` naming which one).

    Setting a rule again replaces it. The remote id is kept as given: it is
    the caller who offers the remote system's records to choose from.
    """
    rule = Rule(*_field_and_scope(field, scope, key), RemoteValue(remote_id, remote_name))
    if not remote_id.strip() or len(remote_id) > REMOTE_ID_LENGTH:
        raise NeedsUserAction(
            "mapping:remote_id",
            f"The remote id {remote_id[:REMOTE_ID_LENGTH]!r} is empty or too long.",
            f"Give the remote record's id (1 to {REMOTE_ID_LENGTH} characters).",
        )
    with runtime.transaction() as session:
        record = load_connection(session, runtime.vault, connection)
        save_rule(session, record.id, rule, utc_now())
    return _entry(rule)


def _field_and_scope(field: str, scope: str, key: str) -> tuple[MappedField, Scope, str]:
    """The rule's field and scope, refused where no look-up would ever read it."""
    known = ", ".join(f.value for f in MappedField)
    try:
        mapped = MappedField(field)
    except ValueError:
        raise NeedsUserAction(
            "mapping:field", f"{field!r} is not a field that can be mapped.", f"Map one of {known}."
        ) from None
    scopes = FIELD_SCOPES[mapped]
    if scope not in {s.value for s in scopes}:
        allowed = " or ".join(s.value for s in scopes)
        raise NeedsUserAction(
            "mapping:scope",
            f"{mapped.value} is not mapped per {scope}.",
            f"Map {mapped.value} per {allowed}.",
        )
    chosen = Scope(scope)
    if (chosen is Scope.CONNECTION) != (key == "") or len(key) > LOCAL_KEY_LENGTH:
        what = "takes no key" if chosen is Scope.CONNECTION else "needs the code or id it is for"
        raise NeedsUserAction(
            "mapping:key",
            f"A {chosen.value} rule {what}.",
            "Give the key only for a family, product, Billto, terms or currency rule.",
        )
    return mapped, chosen, key


def _entry(rule: Rule) -> MappingEntry:
    return MappingEntry(rule.field.value, rule.scope.value, rule.scope_key,
                        rule.value.remote_id, rule.value.name)  # fmt: skip


def mapping_checks(runtime: Runtime, session: Session) -> list[DocumentCheck]:
    """The default connection's mapping check for the invoicing health check, once one exists.

    Runs inside the caller's transaction (``session``): the documents it is
    shown are being built or approved in it.
    """
    if not has_connection(session):
        return []
    return [MappingCheck(session, load_connection(session, runtime.vault))]


@dataclass(frozen=True)
class MappingOption:
    """A remote record a field can point at."""

    id: str
    name: str


def list_mapping_options(
    runtime: Runtime, field: str, search: str | None = None, connection: str | None = None
) -> list[MappingOption]:
    """The remote records ``field`` can point at, every page, those whose name holds ``search``.

    The whole list is read because the systems page by position, not by name:
    a search narrows what is shown, not what is asked.
    """
    kind = _option_kind(field)
    with runtime.transaction() as session:
        record = load_connection(session, runtime.vault, connection)
    adapter = adapter_for(runtime.engine, runtime.vault, record)
    wanted = (search or "").casefold()
    found: list[MappingOption] = []
    start: int | None = 0
    while start is not None:
        page = adapter.list_options(kind, start)
        found += [MappingOption(o.id, o.name) for o in page.items if wanted in o.name.casefold()]
        start = page.next_start
    return found


def _option_kind(field: str) -> OptionKind:
    """The picker list of ``field``; a field the remote system lists nothing for is refused."""
    try:
        return OptionKind(field)
    except ValueError:
        known = ", ".join(kind.value for kind in OptionKind)
        raise NeedsUserAction(
            "mapping:field",
            f"{field!r} has no list of remote records to choose from.",
            f"Ask for the options of one of {known}.",
        ) from None


def map_to_remote_record(
    runtime: Runtime,
    field: str,
    remote_id: str,
    *,
    scope: str = Scope.CONNECTION.value,
    key: str = "",
    connection: str | None = None,
) -> MappingEntry:
    """Point ``field`` at ``remote_id`` once the remote system shows it has that record.

    A ``customer`` (per Billto) or an ``item`` (per product) becomes a link: the
    local record is that remote one, and the sync updates it rather than
    creating another. Other fields become rules. The record's name is kept
    with it, for people reading the mappings.
    """
    kind = _linked_kind(field, scope, key)
    if kind is None:
        _field_and_scope(field, scope, key)
    chosen = _remote_option(runtime, field, remote_id, connection)
    if kind is None:
        return set_mapping(runtime, field, chosen.id, scope=scope, key=key,
                           remote_name=chosen.name, connection=connection)  # fmt: skip
    with runtime.transaction() as session:
        record = load_connection(session, runtime.vault, connection)
        save_link(session, record.id, kind, key, (chosen.id, chosen.name), utc_now())
    return MappingEntry(field, scope, key, chosen.id, chosen.name)


def _remote_option(
    runtime: Runtime, field: str, remote_id: str, connection: str | None
) -> MappingOption:
    """The remote record ``remote_id`` among those ``field`` can point at; refused if absent."""
    for option in list_mapping_options(runtime, field, connection=connection):
        if option.id == remote_id:
            return option
    raise NeedsUserAction(
        "mapping:unknown_remote",
        f"The accounting system has no {field} with id {remote_id!r}.",
        f"Choose one of the ids in the list of {field} options.",
    )


def unset_mapping(
    runtime: Runtime,
    field: str,
    *,
    scope: str = Scope.CONNECTION.value,
    key: str = "",
    connection: str | None = None,
) -> bool:
    """Remove the rule (or the customer or item link) of ``field`` at ``scope``; False if none.

    Without its rule, a field falls back to the next less specific one; without
    its link, a Billto or product is created or found by name when next pushed.
    """
    kind = _linked_kind(field, scope, key)
    with runtime.transaction() as session:
        record = load_connection(session, runtime.vault, connection)
        if kind is not None:
            return delete_link(session, record.id, kind, key)
        return delete_rule(session, record.id, *_field_and_scope(field, scope, key))


def _linked_kind(field: str, scope: str, key: str) -> LocalKind | None:
    """The local record a customer or item field links, checked against its scope; else None."""
    if field not in LINKED_FIELDS:
        return None
    linked_scope, kind = LINKED_FIELDS[field]
    if scope != linked_scope.value or not key or len(key) > LOCAL_KEY_LENGTH:
        raise NeedsUserAction(
            "mapping:scope",
            f"{field.capitalize()}s are linked per {linked_scope.value}, not per {scope}.",
            f"Give the {linked_scope.value} the remote {field} is for.",
        )
    return kind


@dataclass(frozen=True)
class UnmappedEntry:
    """A rule the next push lacks, the documents that need it, and how to fill it."""

    field: str
    scope: str
    key: str
    needed_by: str
    action: str


NEEDED_BY_SHOWN = 3  # documents named in ``needed_by`` before "and N more"


def list_unmapped(runtime: Runtime, connection: str | None = None) -> list[UnmappedEntry]:
    """What the draft and approved documents lack on ``connection`` before they can be pushed.

    Each gap is told once, with the documents it holds back.
    """
    with runtime.transaction() as session:
        record = load_connection(session, runtime.vault, connection)
        check = MappingCheck(session, record)
        waiting = (InvoiceStatus.DRAFT.value, InvoiceStatus.APPROVED.value)
        documents = list(session.scalars(
            select(Invoice).where(Invoice.status.in_(waiting)).order_by(Invoice.id)
        ))  # fmt: skip
        held: dict[tuple[str, str, str], list[str]] = {}
        gaps: dict[tuple[str, str, str], MappingGap] = {}
        for facts in document_facts(session, documents):
            for gap in check.gaps_of(facts):
                where = (gap.field, gap.scope.value, gap.key)
                gaps.setdefault(where, gap)
                held.setdefault(where, []).append(facts.label)
    return [
        UnmappedEntry(*where, _needed_by(held[where]), _action(gaps[where]))
        for where in sorted(gaps)
    ]


def _needed_by(labels: list[str]) -> str:
    shown = "; ".join(labels[:NEEDED_BY_SHOWN])
    more = len(labels) - NEEDED_BY_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _action(gap: MappingGap) -> str:
    """How to fill ``gap``, in words any interface can show."""
    if gap.topic == "product":
        return (f"Map an income_account for product {gap.key} (its item is created with it), "
                f"or link product {gap.key} to an existing item.")  # fmt: skip
    if gap.fix is not None:
        return gap.fix
    if gap.field == gap.scope.value:
        return f"Map {gap.field} {gap.key}."
    where = f"{gap.scope.value} {gap.key}" if gap.key else "the connection's default"
    return f"Map {gap.field} for {where}."
