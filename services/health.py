"""Whether this process can serve: its database reachable and its schema current.

A load balancer routes traffic only to a process that answers healthy, so
the answer says why not in words an operator acts on.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from backoffice.errors import NeedsUserAction
from backoffice.runtime import Runtime


@dataclass(frozen=True)
class Health:
    """The process's health: ``reason`` and ``action`` say what is wrong and what to do."""

    is_ok: bool
    reason: str | None = None
    action: str | None = None


def check_health(runtime: Runtime) -> Health:
    """Healthy when the service database answers and its schema is current."""
    try:
        runtime.require_current_schema()
    except NeedsUserAction as error:
        return Health(False, error.message, error.action)
    except SQLAlchemyError as error:
        return Health(False, f"the service database is unreachable ({type(error).__name__})")
    return Health(True)
