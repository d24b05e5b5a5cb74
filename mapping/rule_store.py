"""A connection's mapping rules in the database: read them all, set one.

The rules are few (tens per connection): they are read whole and indexed in
memory (``mapping.rules.RuleBook``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mapping.models import MappedField, MappingRule, Scope
from mapping.rules import RemoteValue, Rule


def load_rules(session: Session, connection_id: int) -> list[Rule]:
    """A connection's rules, by field, scope and key."""
    query = (
        select(MappingRule)
        .where(MappingRule.connection_id == connection_id)
        .order_by(MappingRule.field, MappingRule.scope, MappingRule.scope_key)
    )
    return [
        Rule(MappedField(r.field), Scope(r.scope), r.scope_key,
             RemoteValue(r.remote_id, r.remote_name))
        for r in session.scalars(query)
    ]  # fmt: skip


def save_rule(session: Session, connection_id: int, rule: Rule, now: dt.datetime) -> None:
    """Set ``rule``, replacing the connection's rule of the same field, scope and key."""
    existing = session.scalars(
        select(MappingRule).where(
            MappingRule.connection_id == connection_id,
            MappingRule.field == rule.field.value,
            MappingRule.scope == rule.scope.value,
            MappingRule.scope_key == rule.scope_key,
        )
    ).first()
    if existing is None:
        existing = MappingRule(connection_id=connection_id, field=rule.field.value,
                               scope=rule.scope.value, scope_key=rule.scope_key)  # fmt: skip
        session.add(existing)
    existing.remote_id = rule.value.remote_id
    existing.remote_name = rule.value.name
    existing.updated_at = now
    session.flush()


def delete_rule(
    session: Session, connection_id: int, field: MappedField, scope: Scope, key: str
) -> bool:
    """Remove the connection's rule of ``field`` at ``scope`` and ``key``; False if none was set."""
    removed = session.execute(
        delete(MappingRule).where(
            MappingRule.connection_id == connection_id,
            MappingRule.field == field.value,
            MappingRule.scope == scope.value,
            MappingRule.scope_key == key,
        )
    )
    return bool(getattr(removed, "rowcount", 0))
