"""QBO's resolution table, and how a fault is read out of a QBO error response.

QBO answers faults in three shapes: ``{"Fault": {"Error": [...]}}`` for
validation and service faults, a lower-case ``{"fault": {"error": [...]}}``
for 401s, and, for throttling, an XML ``IntuitResponse`` even when JSON was
asked for. ``read_fault`` turns any of them into one ``Failure``; the table
below says what the caller does about it (``adapters.resolution``). The
OAuth 2.0 token endpoint answers ``{"error": ..., "error_description": ...}``
instead: ``read_token_fault`` and ``QBO_TOKEN_TABLE``.

Some codes are resolved inside the adapter before they reach the caller:
5010 (stale SyncToken: re-read and retry once), 6240 (duplicate name: link the
existing record) and 6140 (duplicate DocNumber: link it when it is ours).
They are ``NEEDS_USER`` here because that is what remains when the adapter's
own handling fails.

6000 is QBO's "business validation error", usually a rule a person must
satisfy (closed books, a missing amount). QBO also answers 6000 for its own
passing failures: "An unexpected error occurred ... Please wait a few minutes
and try again", or "Unexpected Internal Error. (-30000)". Those are read as
``TRANSIENT_BUSINESS_ERROR`` and retried (tests/fixtures/qbo/SOURCES.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree

import requests

from adapters.http import retry_after_of
from adapters.resolution import Action, Failure, Resolution, ResolutionTable

SYSTEM = "qbo"
TITLE = "QuickBooks"
MAX_MESSAGE = 300  # QBO's Detail can list 80 property names: keep the user sentence short
_XML_NS = "{http://schema.intuit.com/finance/v3}"

STALE_OBJECT = "5010"
DUPLICATE_NAME = "6240"
DUPLICATE_DOC_NUMBER = "6140"
OBJECT_NOT_FOUND = "610"
BUSINESS_VALIDATION = "6000"
TRANSIENT_BUSINESS_ERROR = "6000-transient"  # a 6000 whose detail says to try again
_TRANSIENT_SIGNS = ("-30000",)

_FIX_RECORD = "Correct the record or its mapping as QuickBooks says, then sync again."
_RECONNECT = "Reconnect QuickBooks from the connection settings page."
_CHECK_APP_KEYS = "Check the QuickBooks app keys in the connection settings."
RECONNECT = "reconnect"

QBO_TABLE: ResolutionTable = {
    # throttling and outages: wait (Retry-After when given) and retry
    "3001": Resolution(
        Action.RETRY, "QuickBooks throttled the requests (500 a minute per company)."
    ),
    429: Resolution(Action.RETRY, "QuickBooks throttled the requests (500 a minute per company)."),
    "3003": Resolution(Action.RETRY, "QuickBooks limited concurrent requests for this company."),
    "10000": Resolution(Action.RETRY, "QuickBooks had an internal error."),
    # authentication: refresh the access token once, then retry
    401: Resolution(Action.REFRESH_AUTH, "QuickBooks refused the access token."),
    "3200": Resolution(Action.REFRESH_AUTH, "QuickBooks refused the access token."),
    "3100": Resolution(
        Action.NEEDS_USER, "QuickBooks no longer authorizes this app for the company.", _RECONNECT
    ),
    403: Resolution(
        Action.NEEDS_USER,
        "QuickBooks denied access to this company or record.",
        "Check that the connected QuickBooks user is an admin, or reconnect.",
    ),
    # resolved inside the adapter first; what is left needs a person
    STALE_OBJECT: Resolution(
        Action.NEEDS_USER,
        "The record changed in QuickBooks while we updated it.",
        "Sync again; if it repeats, stop editing the record in QuickBooks during the sync.",
    ),
    DUPLICATE_NAME: Resolution(
        Action.NEEDS_USER,
        "That name is already used in QuickBooks (customers, vendors and employees share names).",
        "Rename the Billto or the QuickBooks vendor/employee, or link "
        "the existing customer in the mapping.",
    ),
    DUPLICATE_DOC_NUMBER: Resolution(
        Action.NEEDS_USER,
        "That invoice number is already used in QuickBooks by another transaction.",
        "Void or renumber the other QuickBooks transaction, then sync again.",
    ),
    # validation: a person changes data or mapping
    "2020": Resolution(Action.NEEDS_USER, "QuickBooks needs a field we did not send.", _FIX_RECORD),
    "2500": Resolution(
        Action.NEEDS_USER,
        "A mapped QuickBooks record does not exist (or is inactive).",
        "Pick an active customer, item, terms or tax code in the mapping.",
    ),
    TRANSIENT_BUSINESS_ERROR: Resolution(
        Action.RETRY, "QuickBooks had an unexpected error saving the data and asked to try again."
    ),
    BUSINESS_VALIDATION: Resolution(
        Action.NEEDS_USER,
        "QuickBooks rejected the transaction (a business rule, such as a closed books date).",
        _FIX_RECORD,
    ),
    "6210": Resolution(
        Action.NEEDS_USER,
        "The accounting period is closed in QuickBooks.",
        "Reopen the period in QuickBooks or change the invoice date.",
    ),
    "6190": Resolution(
        Action.NEEDS_USER,
        "The QuickBooks subscription has ended.",
        "Renew the QuickBooks subscription, then sync again.",
    ),
    OBJECT_NOT_FOUND: Resolution(
        Action.NEEDS_USER,
        "A QuickBooks record we refer to was deleted or made inactive.",
        "Update the mapping to an active record.",
    ),
    "2010": Resolution(
        Action.NEEDS_USER,
        "QuickBooks rejected a field we sent.",
        "Report this to support: the request shape is wrong.",
    ),
    "2050": Resolution(Action.NEEDS_USER, "A value is longer than QuickBooks allows.", _FIX_RECORD),
    "2080": Resolution(Action.NEEDS_USER, "A value has a format QuickBooks refuses.", _FIX_RECORD),
    "4001": Resolution(
        Action.NEEDS_USER,
        "QuickBooks refused a query we sent.",
        "Report this to support: the query is malformed.",
    ),
    400: Resolution(Action.NEEDS_USER, "QuickBooks rejected the request.", _FIX_RECORD),
}


_REFUSED_APP = Resolution(
    Action.NEEDS_USER,
    "QuickBooks refused this app's client id or secret.",
    _CHECK_APP_KEYS,
    code="invalid_client",
)
_REFUSED_GRANT = Resolution(
    Action.NEEDS_USER,
    "QuickBooks refused the saved authorization: it was revoked or has expired.",
    _RECONNECT,
    code=RECONNECT,
)
_SIGN_IN_DOWN = Resolution(Action.RETRY, "QuickBooks' sign-in service is unavailable.")

# the token endpoint: a refusal is never refreshed (this is the refresh), a person reconnects
QBO_TOKEN_TABLE: ResolutionTable = {
    429: Resolution(Action.RETRY, "QuickBooks' sign-in service throttled the requests."),
    500: _SIGN_IN_DOWN,
    503: _SIGN_IN_DOWN,
    401: _REFUSED_APP,
    "invalid_client": _REFUSED_APP,
    "invalid_grant": _REFUSED_GRANT,
    400: _REFUSED_GRANT,
    403: _REFUSED_GRANT,
}


@dataclass(frozen=True)
class FaultError:
    """One ``Error`` of a QBO ``Fault`` (a fault may hold several)."""

    code: str | None
    message: str
    detail: str
    element: str | None = None


def read_fault(response: requests.Response) -> Failure:
    """The failure a QBO error response reports, in JSON or XML."""
    errors = _errors_of_text(response.text)
    return failure_of(
        errors,
        status=response.status_code,
        retry_after=retry_after_of(response),
        request_id=_request_id_of(response),
    )


def read_token_fault(response: requests.Response) -> Failure:
    """The failure the token endpoint reports: its OAuth ``error`` code and description."""
    try:
        body = json.loads(response.text) if response.text.strip() else {}
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    code = error if isinstance(error, str) else None
    message = str(body.get("error_description") or code) if code else f"HTTP {response.status_code}"
    return Failure(
        SYSTEM,
        response.status_code,
        code,
        message[:MAX_MESSAGE],
        retry_after_of(response),
        response.headers.get("intuit_tid"),
    )


def failure_of(
    errors: list[FaultError],
    *,
    status: int | None,
    retry_after: float | None = None,
    request_id: str | None = None,
) -> Failure:
    """One ``Failure`` from a fault's errors: the first code, every message (shortened).

    A 6000 that QBO itself calls unexpected takes the code
    ``TRANSIENT_BUSINESS_ERROR`` so the table retries it instead of asking a person.
    """
    first = next((e for e in errors if e.code), None)
    code = first.code if first else None
    if first is not None and _is_transient_business_error(first):
        code = TRANSIENT_BUSINESS_ERROR
    message = "; ".join(_sentence(e) for e in errors) or f"HTTP {status}"
    return Failure(SYSTEM, status, code, message[:MAX_MESSAGE], retry_after, request_id)


def _is_transient_business_error(error: FaultError) -> bool:
    """QBO's own failure wearing the 6000 code: "unexpected ... try again" or -30000."""
    if error.code != BUSINESS_VALIDATION:
        return False
    text = f"{error.message} {error.detail}".lower()
    unexpected_retry = "unexpected" in text and "try again" in text
    return unexpected_retry or any(sign in text for sign in _TRANSIENT_SIGNS)


def errors_of_fault(fault: Any) -> list[FaultError]:
    """The errors of a JSON fault object, either case (``Fault.Error`` or ``fault.error``)."""
    if not isinstance(fault, dict):
        return []
    items = fault.get("Error") or fault.get("error") or []
    return [_fault_error(item) for item in items if isinstance(item, dict)]


def _errors_of_text(text: str) -> list[FaultError]:
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return _errors_of_xml(stripped)
    try:
        body = json.loads(stripped) if stripped else {}
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    return errors_of_fault(body.get("Fault") or body.get("fault"))


def _errors_of_xml(text: str) -> list[FaultError]:
    try:
        root = ElementTree.fromstring(text.encode())
    except ElementTree.ParseError:
        return []
    return [
        FaultError(
            code=error.get("code"),
            message=(error.findtext(f"{_XML_NS}Message") or "").strip(),
            detail=(error.findtext(f"{_XML_NS}Detail") or "").strip(),
            element=error.get("element"),
        )
        for error in root.iter(f"{_XML_NS}Error")
    ]


def _fault_error(item: dict[str, Any]) -> FaultError:
    def text(*names: str) -> str:
        return next((str(item[n]) for n in names if item.get(n)), "")

    return FaultError(
        code=text("code") or None,
        message=text("Message", "message"),
        detail=text("Detail", "detail"),
        element=text("element") or None,
    )


def _sentence(error: FaultError) -> str:
    """QBO's own words; a token echoed in a 401 detail ("Token expired: AB01…") is left out."""
    where = f" ({error.element})" if error.element else ""
    if error.code == "3200" or not error.detail:
        return f"{error.message}{where}"
    return f"{error.message}{where}: {error.detail}"


def _request_id_of(response: requests.Response) -> str | None:
    url = response.request.url if response.request is not None else None
    params = dict(parse_qsl(urlsplit(url).query)) if url else {}
    return params.get("requestid") or response.headers.get("intuit_tid")
