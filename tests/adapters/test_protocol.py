"""Both adapters speak the whole ``AccountingAdapter`` protocol, with its exact parameters."""

from __future__ import annotations

import inspect

import pytest

from adapters.base import AccountingAdapter
from adapters.netsuite import NetSuiteAdapter
from adapters.qbo import QboAdapter

PROTOCOL_METHODS = sorted(
    name
    for name, member in vars(AccountingAdapter).items()
    if inspect.isfunction(member) and not name.startswith("_")
)


def parameters_of(function: object) -> list[tuple[str, object, object]]:
    """Name, kind and default of each parameter: what a caller of the protocol relies on."""
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


def test_every_protocol_call_is_checked() -> None:
    assert PROTOCOL_METHODS == [
        "changes_since",
        "check_health",
        "create_credit_memo",
        "create_invoice",
        "find_document",
        "get_document_state",
        "list_options",
        "upsert_customer",
        "upsert_item",
    ]


@pytest.mark.parametrize("adapter", [QboAdapter, NetSuiteAdapter], ids=lambda a: a.__name__)
@pytest.mark.parametrize("method", PROTOCOL_METHODS)
def test_each_adapter_takes_each_protocol_call_as_the_protocol_declares_it(
    adapter: type, method: str
) -> None:
    expected = parameters_of(getattr(AccountingAdapter, method))
    assert parameters_of(getattr(adapter, method)) == expected


@pytest.mark.parametrize("adapter", [QboAdapter, NetSuiteAdapter], ids=lambda a: a.__name__)
def test_both_adapters_take_their_collaborators_in_the_same_order(adapter: type) -> None:
    names = [name for name, _kind, _default in parameters_of(adapter.__init__)]
    assert names[:6] == ["self", "config", "store", "limiter", "clock", "sleep"]
