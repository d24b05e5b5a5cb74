"""NetSuite's REST error answers, raised as ``ApiError`` and rendered by the app.

Every failure of the record and query services is an RFC 7807 style body:
``type``, ``title``, ``status`` and ``o:errorDetails[]``, each detail with
``detail``, the part of the request at fault (``o:errorPath`` for a body
field, ``o:errorQueryParam``, ``o:errorHeader``) and ``o:errorCode``. The
``type`` URLs are those of ``shared/fixtures/netsuite`` (RFC 2616 anchors;
accounts on recent releases answer RFC 9110 anchors instead, which clients
never read). Wording sources: INVALID_LOGIN, INVALID_CONTENT (a bad sublist
reference) and the SuiteQL ``Invalid search query...`` texts are Oracle's or
recorded from live accounts; NONEXISTENT_ID is quoted from public client
tests; the rest is modelled on the shared fixtures.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

RFC2616 = "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"
TYPES = {
    400: f"{RFC2616}#sec10.4.1",
    401: f"{RFC2616}#sec10.4.2",
    404: f"{RFC2616}#sec10.4.5",
    405: f"{RFC2616}#sec10.4.6",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    500: f"{RFC2616}#sec10.5.1",
}
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)
QUERY_PREFIX = "Invalid search query. Detailed unprocessed description follows. "


@dataclass
class ApiError(Exception):
    """A failure NetSuite answers instead of doing what was asked."""

    status: int
    code: str
    detail: str
    where: tuple[str, str] | None = None  # ("o:errorPath", "entity"), ("o:errorQueryParam", "q")

    def body(self) -> dict[str, Any]:
        """The error body, keys in NetSuite's order."""
        detail: dict[str, Any] = {"detail": self.detail}
        if self.where is not None:
            detail[self.where[0]] = self.where[1]
        detail["o:errorCode"] = self.code
        return {
            "type": TYPES.get(self.status, TYPES[400]),
            "title": TITLES.get(self.status, "Bad Request"),
            "status": self.status,
            "o:errorDetails": [detail],
        }


def invalid_login() -> ApiError:
    """401: a missing or bad signature, a reused nonce, an unknown or expired token."""
    return ApiError(401, "INVALID_LOGIN", LOGIN_DETAIL)


def concurrency_exceeded() -> ApiError:
    """429: more requests at once than the account's concurrency limit."""
    return ApiError(
        429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked."
    )


def unexpected_error() -> ApiError:
    """500: NetSuite's answer to a failure on its side."""
    error_id = secrets.token_hex(8)
    return ApiError(500, "UNEXPECTED_ERROR", f"An unexpected error occurred. Error ID: {error_id}")


def nonexistent_id() -> ApiError:
    """404: no record of that type has that internal or external id."""
    return ApiError(
        404,
        "NONEXISTENT_ID",
        "The record instance does not exist. Provide a valid record instance ID.",
    )


def unknown_record_type(name: str) -> ApiError:
    """404: the URL names a record type the service does not have."""
    return ApiError(404, "NONEXISTENT_ID", f"Record type '{name}' does not exist.")


def method_not_allowed(method: str) -> ApiError:
    """405: an HTTP method the resource does not take."""
    return ApiError(405, "METHOD_NOT_ALLOWED", f"HTTP method {method} is not allowed here.")


def invalid_content(detail: str = "Invalid content in the request body.") -> ApiError:
    """400: a body that is not a JSON object of the record."""
    return ApiError(400, "INVALID_CONTENT", detail)


def field_required(path: str) -> ApiError:
    """400: a mandatory field is missing (wording of a recorded answer)."""
    name = path.rsplit(".", 1)[-1]
    return ApiError(
        400, "FIELD_PARAM_REQD", f"Please enter a value for [{name}]", ("o:errorPath", path)
    )


def invalid_reference(path: str) -> ApiError:
    """400: a body field refers to a record that does not exist."""
    detail = (
        f"Invalid value for the resource or sub-resource field '{path}'. Provide a valid value."
    )
    return ApiError(400, "INVALID_KEY_OR_REF", detail, ("o:errorPath", path))


def invalid_line_value(path: str, value: Any) -> ApiError:
    """400: a sublist line refers to a record that does not exist (Oracle's example)."""
    field = path.rsplit(".", 1)[-1]
    detail = (
        "Error while accessing resource: You have entered an Invalid Field Value "
        f"{value} for the following field: {field}"
    )
    return ApiError(400, "INVALID_CONTENT", detail, ("o:errorPath", path))


def user_error(detail: str, path: str | None = None) -> ApiError:
    """400: a business rule refused the record."""
    return ApiError(400, "USER_ERROR", detail, ("o:errorPath", path) if path else None)


def duplicate(code: str, detail: str, legacy: bool) -> ApiError:
    """400: a unique value (name, external id) is already taken.

    REST web services report it as a ``USER_ERROR`` whose sentence says the
    record already exists; ``legacy`` answers the older ``DUP_*`` code instead.
    """
    return ApiError(400, code if legacy else "USER_ERROR", detail)


def invalid_query(message: str) -> ApiError:
    """400: SuiteQL could not parse or resolve the statement."""
    return ApiError(400, "INVALID_PARAMETER", QUERY_PREFIX + message, ("o:errorQueryParam", "q"))


def invalid_parameter(name: str, detail: str) -> ApiError:
    """400: a query parameter (limit, offset) is out of range."""
    return ApiError(400, "INVALID_PARAMETER", detail, ("o:errorQueryParam", name))


def invalid_header(name: str, detail: str) -> ApiError:
    """400: a required header is missing or wrong (SuiteQL's ``Prefer: transient``)."""
    return ApiError(400, "INVALID_HEADER", detail, ("o:errorHeader", name))
