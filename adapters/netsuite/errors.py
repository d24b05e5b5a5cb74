"""NetSuite's resolution tables, and how a fault is read out of a NetSuite error response.

REST web services answer a failure with an RFC 7807 style body: ``type``,
``title``, ``status`` and ``o:errorDetails[]``, each detail with ``detail``
(a sentence), ``o:errorCode`` and sometimes ``o:errorPath`` (the field). The
OAuth 2.0 token endpoint answers with ``{"error": ..., "error_description": ...}``
instead. ``read_fault`` turns either into one ``Failure`` holding the code and
NetSuite's sentence, shortened; the body itself is never logged nor kept.

A 401 ``INVALID_LOGIN`` means different things per authentication: an
OAuth 2.0 access token may have expired (fetch a new one once, then retry),
while a TBA token never expires and cannot be refreshed, so a refused TBA
signature needs a person (``table_for``).

A duplicate comes back either as one of the older ``DUP_*`` codes or, from
REST web services, as a ``USER_ERROR`` whose sentence says the record
"already exists"; ``is_duplicate`` recognises both so that the caller can
link the existing record instead of asking a person.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from adapters.http import retry_after_of
from adapters.resolution import Action, Failure, Resolution, ResolutionTable
from backoffice.errors import NeedsUserAction

SYSTEM = "netsuite"
TITLE = "NetSuite"
MAX_MESSAGE = 300

CONCURRENCY_LIMIT_EXCEEDED = "CONCURRENCY_LIMIT_EXCEEDED"
INVALID_LOGIN = "INVALID_LOGIN"
NONEXISTENT_ID = "NONEXISTENT_ID"
DUP_ENTITY = "DUP_ENTITY"
DUP_RCRD = "DUP_RCRD"
DUP_ITEM = "DUP_ITEM"  # an item name already taken
USER_ERROR = "USER_ERROR"
_DUPLICATE_CODES = {f"{SYSTEM}:{code}" for code in (DUP_ENTITY, DUP_RCRD, DUP_ITEM)}
_ALREADY_EXISTS = "already exists"

_FIX_RECORD = "Correct the record or its mapping as NetSuite says, then sync again."
_FIX_MAPPING = "Pick an existing, active NetSuite record in the mapping, then sync again."
_REPORT = "Report this to support: the request we sent is malformed."
_CHECK_M2M = (
    "Check the integration's client id and the certificate mapped under Setup > Integration > "
    "OAuth 2.0 Client Credentials (not revoked or expired), then reconnect NetSuite."
)
_CHECK_TBA = (
    "Check the TBA tokens and role: the consumer key/secret of the integration record and the "
    "token id/secret (not revoked, role still assigned, account id right), then reconnect."
)

COMMON_TABLE: dict[int | str, Resolution] = {
    # concurrency governance: wait (Retry-After when given) and retry
    CONCURRENCY_LIMIT_EXCEEDED: Resolution(
        Action.RETRY, "NetSuite refused a request over the account's concurrency limit."
    ),
    429: Resolution(Action.RETRY, "NetSuite refused a request over the account's limits."),
    # permissions and features: a person changes the role or the account
    "INSUFFICIENT_PERMISSION": Resolution(
        Action.NEEDS_USER,
        "The NetSuite role of this connection lacks a permission.",
        "Give the integration's role the permission NetSuite names, then sync again.",
    ),
    403: Resolution(
        Action.NEEDS_USER,
        "NetSuite denied access to this record or feature.",
        "Check the role's permissions and that REST web services are enabled.",
    ),
    "FEATURE_DISABLED": Resolution(
        Action.NEEDS_USER,
        "A NetSuite feature this needs is disabled.",
        "Enable the feature NetSuite names (Setup > Company > Enable Features), or remove "
        "that field from the mapping.",
    ),
    # validation: data or mapping must change
    USER_ERROR: Resolution(
        Action.NEEDS_USER, "NetSuite rejected the record (a business rule).", _FIX_RECORD
    ),
    "INVALID_KEY_OR_REF": Resolution(
        Action.NEEDS_USER,
        "A mapped NetSuite record does not exist or is inactive.",
        _FIX_MAPPING,
    ),
    "FIELD_PARAM_REQD": Resolution(
        Action.NEEDS_USER, "NetSuite needs a field we did not send.", _FIX_RECORD
    ),
    "INVALID_FLD_VALUE": Resolution(
        Action.NEEDS_USER, "NetSuite refused a field's value.", _FIX_RECORD
    ),
    DUP_RCRD: Resolution(
        Action.NEEDS_USER,
        "NetSuite already has a record with that unique value.",
        "Link the existing NetSuite record in the mapping, or change the value, then sync again.",
    ),
    DUP_ITEM: Resolution(
        Action.NEEDS_USER,
        "NetSuite already has an item with that name.",
        "Link the existing NetSuite item in the mapping, or rename the product, then sync again.",
    ),
    DUP_ENTITY: Resolution(
        Action.NEEDS_USER,
        "That name is already used by another NetSuite entity (customer, vendor, employee...).",
        "Rename the Billto or the other NetSuite entity, or link the existing customer.",
    ),
    NONEXISTENT_ID: Resolution(
        Action.NEEDS_USER,
        "The NetSuite record no longer exists.",
        "Update the mapping or the link to an existing record.",
    ),
    404: Resolution(
        Action.NEEDS_USER,
        "NetSuite did not find the record.",
        "Update the mapping or the link to an existing record.",
    ),
    "INVALID_CONTENT": Resolution(
        Action.NEEDS_USER, "NetSuite could not read our request.", _REPORT
    ),
    "INVALID_PARAMETER": Resolution(Action.NEEDS_USER, "NetSuite refused a parameter.", _REPORT),
    "INVALID_SEARCH": Resolution(Action.NEEDS_USER, "NetSuite refused a SuiteQL query.", _REPORT),
    400: Resolution(Action.NEEDS_USER, "NetSuite rejected the request.", _FIX_RECORD),
}

# OAuth 2.0: an expired access token is fetched again once; a refused assertion needs a person
CLIENT_CREDENTIALS_TABLE: ResolutionTable = {
    **COMMON_TABLE,
    INVALID_LOGIN: Resolution(Action.REFRESH_AUTH, "NetSuite refused the access token."),
    401: Resolution(Action.REFRESH_AUTH, "NetSuite refused the access token."),
    "invalid_client": Resolution(
        Action.NEEDS_USER, "NetSuite refused the client credentials.", _CHECK_M2M
    ),
    "invalid_grant": Resolution(
        Action.NEEDS_USER, "NetSuite refused the signed client assertion.", _CHECK_M2M
    ),
    "unauthorized_client": Resolution(
        Action.NEEDS_USER, "The integration may not use client credentials.", _CHECK_M2M
    ),
    "invalid_scope": Resolution(
        Action.NEEDS_USER,
        "The integration lacks the REST web services scope.",
        "Tick REST Web Services (and RESTlets) on the integration record, then reconnect.",
    ),
}

# the token endpoint itself: a refusal there cannot be cured by fetching a token again
TOKEN_TABLE: ResolutionTable = {
    **CLIENT_CREDENTIALS_TABLE,
    INVALID_LOGIN: Resolution(
        Action.NEEDS_USER, "NetSuite refused the client credentials.", _CHECK_M2M
    ),
    401: Resolution(Action.NEEDS_USER, "NetSuite refused the client credentials.", _CHECK_M2M),
}

# TBA: a token never expires, so a refused one is never refreshed
TBA_TABLE: ResolutionTable = {
    **COMMON_TABLE,
    INVALID_LOGIN: Resolution(
        Action.NEEDS_USER, "NetSuite refused the token-based authentication.", _CHECK_TBA
    ),
    401: Resolution(
        Action.NEEDS_USER, "NetSuite refused the token-based authentication.", _CHECK_TBA
    ),
}


def table_for(uses_tba: bool) -> ResolutionTable:
    """The table for a connection's kind of authentication."""
    return TBA_TABLE if uses_tba else CLIENT_CREDENTIALS_TABLE


def is_duplicate(error: NeedsUserAction) -> bool:
    """Whether NetSuite refused a record because one with that unique value exists."""
    if error.code in _DUPLICATE_CODES:
        return True
    return error.code == f"{SYSTEM}:{USER_ERROR}" and _ALREADY_EXISTS in error.message.lower()


def read_fault(response: requests.Response) -> Failure:
    """The failure a NetSuite error response reports; the body is read, never kept whole."""
    body = _json_of(response)
    code, message = _code_and_message(body)
    return Failure(
        SYSTEM,
        response.status_code,
        code,
        (message or f"HTTP {response.status_code}")[:MAX_MESSAGE],
        retry_after_of(response),
        response.headers.get("X-N-OperationId"),
    )


def _json_of(response: requests.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.text) if response.text.strip() else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _code_and_message(body: dict[str, Any]) -> tuple[str | None, str]:
    """The first detail's code and every detail's sentence (with the field it names)."""
    details = [d for d in body.get("o:errorDetails") or [] if isinstance(d, dict)]
    if details:
        code = next((str(d["o:errorCode"]) for d in details if d.get("o:errorCode")), None)
        return code, "; ".join(_sentence(d) for d in details)
    if isinstance(body.get("error"), str):  # the OAuth 2.0 token endpoint
        return body["error"], str(body.get("error_description") or body["error"])
    return None, str(body.get("title") or "")


def _sentence(detail: dict[str, Any]) -> str:
    text = str(detail.get("detail") or detail.get("o:errorCode") or "")
    path = detail.get("o:errorPath")
    return f"{text} ({path})" if path and str(path) not in text else text
