"""QBO's error answers, word for word, raised as ``ApiError`` and rendered by the app.

Shapes and wording come from recorded answers of the real service
(``shared/fixtures/qbo``): the ``{"Fault": {"Error": [...], "type": ...},
"time": ...}`` envelope of validation faults, the lower-case ``fault``
envelope of a 401, and the XML ``IntuitResponse`` QBO sends when it
throttles, whatever was asked for. Details quoted from public reports are
noted where they are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VALIDATION = "ValidationFault"
SYSTEM = "SystemFault"
INACTIVE_DETAIL = (
    "Something you're trying to use has been made inactive. Check the fields with accounts, "
    "customers, items, vendors or employees."
)


@dataclass(frozen=True)
class FaultError:
    """One ``Error`` of a ``Fault`` (QBO may report several)."""

    code: str
    message: str
    detail: str
    element: str | None = ""

    def as_json(self) -> dict[str, Any]:
        """The error as QBO writes it; ``element`` is left out where QBO leaves it out."""
        body: dict[str, Any] = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element is not None:
            body["element"] = self.element
        return body


@dataclass
class ApiError(Exception):
    """A fault QBO answers instead of doing what was asked; ``status`` is the HTTP status."""

    errors: list[FaultError]
    status: int = 400
    kind: str = VALIDATION

    def fault(self) -> dict[str, Any]:
        """The ``Fault`` object (also what a batch item carries)."""
        return {"Error": [error.as_json() for error in self.errors], "type": self.kind}


def validation(code: str, message: str, detail: str, element: str | None = "") -> ApiError:
    """A 400 ``ValidationFault`` with one error."""
    return ApiError([FaultError(code, message, detail, element)])


def stale_object() -> ApiError:
    """5010: the SyncToken sent is not the record's current one."""
    return validation(
        "5010",
        "Stale Object Error",
        "Stale Object Error : You and QuickBooks Sandbox were working on this at the same time. "
        "QuickBooks Sandbox finished before you did, so your work was not saved.",
    )


def duplicate_name() -> ApiError:
    """6240: a name-list record already holds this name (case-insensitive)."""
    return ApiError(
        [
            FaultError(
                "6240",
                "Duplicate Name Exists Error",
                "The name supplied already exists. : null",
                None,
            )
        ]
    )


def duplicate_doc_number(doc_number: str, entity: str, txn_id: str) -> ApiError:
    """6140: another transaction of this type already has the DocNumber."""
    return validation(
        "6140",
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. This number "
        f"has already been used. DocNumber={doc_number} is assigned to TxnType={entity} "
        f"with TxnId={txn_id}",
    )


def invalid_reference(element: str) -> ApiError:
    """2500 for a reference to a record that does not exist (as QBO names the element)."""
    return validation("2500", "Invalid Reference Id", f"Invalid Reference Id : {element}", element)


def inactive_reference() -> ApiError:
    """2500 for a reference to a record that exists but was made inactive."""
    return validation("2500", "Invalid Reference Id", f"Invalid Reference Id : {INACTIVE_DETAIL}")


def object_not_found() -> ApiError:
    """610: the record was deleted, or never existed."""
    return validation("610", "Object Not Found", f"Object Not Found : {INACTIVE_DETAIL}")


def required_param(name: str) -> ApiError:
    """2020: a field the operation needs is missing."""
    return validation(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {name} is missing in the request",
        name,
    )


def unsupported_property(name: str, entity: str, known: tuple[str, ...]) -> ApiError:
    """2010: a property the entity does not have (QBO's Jackson message, shortened)."""
    listed = ", ".join(f'"{prop}"' for prop in known)
    detail = (
        f'Property Name:Unrecognized field "{name}" (class com.intuit.schema.finance.v3.{entity}), '
        f"not marked as ignorable ({len(known)} known properties: {listed}])\n"
        " specified is unsupported or invalid"
    )
    return ApiError(
        [FaultError("2010", "Request has invalid or unsupported property", detail, None)]
    )


def wrong_shape(java_type: str, token: str, where: str) -> ApiError:
    """2010: a property of the wrong JSON type, in the words of QBO's (Jackson) parser."""
    detail = (
        f"Property Name:Can not deserialize instance of {java_type} out of {token} token\n"
        f" at [Source: body; path: {where}] specified is unsupported or invalid"
    )
    return ApiError(
        [FaultError("2010", "Request has invalid or unsupported property", detail, None)]
    )


def too_deep(limit: int) -> ApiError:
    """2010: a body nested deeper than the parser allows."""
    detail = (
        f"Property Name:Document nesting depth exceeds the maximum allowed ({limit}) "
        "specified is unsupported or invalid"
    )
    return ApiError(
        [FaultError("2010", "Request has invalid or unsupported property", detail, None)]
    )


def amount_mismatch(supplied: str) -> ApiError:
    """6070: a line's Amount is not Qty x UnitPrice."""
    return validation(
        "6070",
        "Amount calculation incorrect in the request",
        f"Amount is not equal to Qty * UnitPrice. Supplied value:{supplied}",
    )


def no_name() -> ApiError:
    """6080: a customer with no name at all."""
    return validation(
        "6080",
        "No Name Provided",
        "Title, GivenName, MiddleName, FamilyName, DisplayName, Suffix - one of these must be "
        "non-empty",
    )


def unsupported_operation(operation: str, entity: str) -> ApiError:
    """5030: an operation the entity does not support (delete of a name-list record)."""
    return validation(
        "5030", "Feature Not Supported", f"Operation {operation} is not supported for {entity}"
    )


def too_long(element: str, maximum: int, supplied: int) -> ApiError:
    """2050: a string longer than the field holds (QBO refuses it, it never cuts it)."""
    return validation(
        "2050",
        "String length is either shorter or longer than supported by specification",
        f"String length specified does not match the supported length. Min:0 Max:{maximum} "
        f"supported. Supplied length:{supplied}",
        element,
    )


def business_validation(detail: str) -> ApiError:
    """6000: a business rule refused the request."""
    return validation(
        "6000",
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
    )


def query_parser(detail: str) -> ApiError:
    """4000: the statement does not parse."""
    return ApiError(
        [FaultError("4000", "Error parsing query", f"QueryParserError: {detail}", None)]
    )


def query_validation(detail: str) -> ApiError:
    """4001: the statement parses but names something that does not exist."""
    return ApiError([FaultError("4001", "Invalid query", f"QueryValidationError: {detail}", None)])


def system_failure() -> ApiError:
    """A 500 ``SystemFault`` (what an outage looks like)."""
    return ApiError(
        [
            FaultError(
                "10000",
                "An application error has occurred while processing your request",
                "System Failure Error: An unexpected error occurred while accessing or saving "
                "your data. Please wait a few minutes and try again. If the problem persists, "
                "contact customer support.",
                None,
            )
        ],
        status=500,
        kind=SYSTEM,
    )


def unauthorized_body(detail: str, now_millis: int) -> dict[str, Any]:
    """The 401 body: a lower-case ``fault`` envelope, exactly as QBO's recorded one."""
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": now_millis,
        "status": None,
        "cdcresponse": [],
    }


def throttle_xml(time_text: str) -> str:
    """The 429 body: XML even when JSON was asked for, as QBO sends it."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time="{time_text}" xmlns="http://schema.intuit.com/finance/v3">\n'
        '  <Fault type="SERVICE">\n'
        '    <Error code="3001">\n'
        "      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\n"
        "      <Detail>The request limit was reached.  Try again later</Detail>\n"
        "    </Error>\n"
        "  </Fault>\n"
        "</IntuitResponse>\n"
    )
