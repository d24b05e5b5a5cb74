"""The shape of a request body, checked before any rule reads it, as QBO's parser does.

QBO deserializes a body into typed objects before it looks at a single
value, so a body nested deeper than its parser allows, a ``Line`` sent as an
object instead of a list, or a reference sent as a string is a 400
``ValidationFault`` (2010, with Jackson's "Can not deserialize instance of
..." wording), never a server error. The sandbox checks the shapes its own
rules rely on: lists of objects, references and details as objects, and
names, dates and ids as single values; ``null`` is always allowed (it clears
a property). The walk is iterative, so no body can exhaust the stack.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandboxes.nesting import MAX_NESTING
from sandboxes.qbo import errors

LIST_PROPERTIES = frozenset({"Line", "LinkedTxn", "CustomField", "BatchItemRequest"})
OBJECT_PROPERTIES = frozenset({
    "MetaData", "BillAddr", "ShipAddr", "ShipFromAddr", "BillEmail", "BillEmailCc",
    "BillEmailBcc", "PrimaryEmailAddr", "PrimaryPhone", "Mobile", "Fax", "WebAddr",
    "CompanyAddr", "CustomerCommunicationAddr", "LegalAddr",
})  # fmt: skip
TEXT_PROPERTIES = frozenset({
    "Id", "SyncToken", "DisplayName", "Name", "GivenName", "MiddleName", "FamilyName", "Title",
    "Suffix", "CompanyName", "PrintOnCheckName", "DocNumber", "TxnDate", "DueDate",
    "PrivateNote", "DetailType", "TxnId", "TxnType", "value", "bId", "operation",
})  # fmt: skip
_TOKENS: dict[type, str] = {dict: "START_OBJECT", list: "START_ARRAY", str: "VALUE_STRING"}


def check_shape(body: Any) -> None:
    """Raise the 2010 fault QBO answers for the first misshapen property of ``body``."""
    pending: list[tuple[Any, str, int]] = [(body, "", 1)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_NESTING:
            raise errors.too_deep(MAX_NESTING)
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in children:
            where = f"{path}[{key}]" if isinstance(key, int) else f'{path}["{key}"]'
            if isinstance(key, str):
                _check_property(key, child, where)
            if isinstance(child, dict | list):
                pending.append((child, where, depth + 1))


def _check_property(name: str, value: Any, where: str) -> None:
    if value is None:
        return
    if name in LIST_PROPERTIES:
        if not isinstance(value, list):
            raise errors.wrong_shape("java.util.ArrayList", _token(value), where)
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise errors.wrong_shape(_java_object(name), _token(item), f"{where}[{index}]")
    elif _is_object(name) and not isinstance(value, dict):
        raise errors.wrong_shape(_java_object(name), _token(value), where)
    elif name in TEXT_PROPERTIES and isinstance(value, dict | list):
        raise errors.wrong_shape("java.lang.String", _token(value), where)


def _is_object(name: str) -> bool:
    return name in OBJECT_PROPERTIES or name.endswith(("Ref", "Detail"))


def _java_object(name: str) -> str:
    if name.endswith("Ref"):
        return "com.intuit.schema.finance.v3.ReferenceType"
    return f"com.intuit.schema.finance.v3.{name}"


def _token(value: Any) -> str:
    """The JSON token Jackson names for ``value``."""
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    if isinstance(value, int):
        return "VALUE_NUMBER_INT"
    if isinstance(value, Decimal | float):
        return "VALUE_NUMBER_FLOAT"
    return _TOKENS.get(type(value), "VALUE_STRING")
