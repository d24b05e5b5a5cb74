"""The Accounting API under ``/v3/company/<realm>``: entities, query, batch and CDC.

Every call needs a valid ``Authorization: Bearer`` token (else QBO's 401
body) and passes the realm's throttle (else QBO's 429 XML). A write
carrying a ``requestid`` seen before answers the first answer again and
applies nothing; only successful answers are remembered, so a write QBO
refused may be sent again with the same requestid once corrected. A batch
is the exception: sent again under its requestid, every item is a 6000.
``minorversion`` is accepted and, as Intuit has done since August 2025, a
value below 75 is served as 75 (the answers are the same here). Answers
are JSON (a client asking for XML still gets JSON, except QBO's XML
throttle answer); request amounts are read as ``Decimal`` and answered as
exact JSON numbers, as QBO writes them (``sandboxes.answers``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from sandboxes.answers import dumps
from sandboxes.nesting import MAX_NESTING
from sandboxes.qbo import errors, operations
from sandboxes.qbo.changes import change_data, repeated_batch, run_batch
from sandboxes.qbo.oauth import bearer_token
from sandboxes.qbo.query import run_query
from sandboxes.qbo.records import Session
from sandboxes.qbo.sandbox import Sandbox
from sandboxes.qbo.schema import EntityKind, kind_named
from sandboxes.qbo.shapes import check_shape
from sandboxes.qbo.state import StoredAnswer, response_time

blueprint = Blueprint("qbo_api", __name__, url_prefix="/v3/company/<realm>")
JSON = "application/json;charset=UTF-8"


def sandbox() -> Sandbox:
    """The app's shared sandbox."""
    found: Sandbox = current_app.extensions["qbo_sandbox"]
    return found


def answer(body: dict[str, Any], status: int = 200) -> Response:
    """A JSON answer with QBO's top-level ``time``."""
    text = dumps({**body, "time": response_time(sandbox().clock())})
    return Response(text, status=status, content_type=JSON)


@blueprint.url_value_preprocessor
def _check_realm(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The realm in the path must be this sandbox's company (its token is for that one only)."""
    realm = (values or {}).pop("realm", None)
    g.realm_mismatch = realm != sandbox().realm_id


@blueprint.before_request
def _authenticate_and_throttle() -> Response | None:
    """401 without a valid token, 403 for another company, 429 past the realm's limits."""
    box = sandbox()
    now = box.clock()
    problem = box.tokens.access_problem(bearer_token(), now)
    if problem is not None:
        return unauthorized(problem)
    if g.realm_mismatch:
        return forbidden()
    if not box.throttle.admit(now):
        return throttled()
    g.admitted = True
    return None


@blueprint.teardown_request
def _release(_error: BaseException | None) -> None:
    if g.pop("admitted", False):
        sandbox().throttle.release()


@blueprint.get("/<entity>/<record_id>")
def read_entity(entity: str, record_id: str) -> Response:
    """``GET /<entity>/<id>`` (CompanyInfo by the realm id)."""
    kind = _kind(entity)
    with sandbox().session() as session:
        return answer({kind.name: operations.read(session, kind, record_id)})


@blueprint.get("/preferences")
def read_preferences() -> Response:
    """``GET /preferences``: the company's one Preferences record."""
    kind = _kind("preferences")
    with sandbox().session() as session:
        return answer({kind.name: operations.read(session, kind, "1")})


@blueprint.post("/<entity>")
def write_entity(entity: str) -> Response:
    """Create, update (with Id), ``?operation=delete`` or ``?operation=void``."""
    kind = _kind(entity)
    body = _json_body()
    operation = request.args.get("operation", "").lower()
    if not isinstance(body, dict):
        raise errors.required_param(kind.name)
    if operation in ("delete", "void"):
        act = operations.delete if operation == "delete" else operations.void
        return _remembered(lambda session: {kind.name: act(session, kind, body)})
    if operation not in ("", "update", "create"):
        raise errors.unsupported_operation(operation, kind.name)
    act = operations.update if "Id" in body else operations.create
    return _remembered(lambda session: {kind.name: act(session, kind, body)})


@blueprint.route("/query", methods=["GET", "POST"])
def query() -> Response:
    """``GET ?query=`` or ``POST`` with the statement as the (application/text) body."""
    statement = request.args.get("query") or request.get_data(as_text=True)
    if not statement.strip():
        raise errors.required_param("query")
    with sandbox().session() as session:
        return answer({"QueryResponse": run_query(session.company, statement)})


@blueprint.post("/batch")
def batch() -> Response:
    """Up to 30 operations and queries in one call (one requestid for the batch).

    Unlike a single write, a batch sent again under a requestid already
    used is not answered with the first answer: QBO faults every item with
    a 6000 (``repeated_batch``) and applies nothing.
    """
    body = _json_body()
    return _remembered(
        lambda session: {"BatchItemResponse": run_batch(session, body)},
        repeated=lambda: {"BatchItemResponse": repeated_batch(body)},
    )


@blueprint.get("/cdc")
def cdc() -> Response:
    """Changed and deleted records of ``entities`` since ``changedSince``."""
    args = request.args
    with sandbox().session() as session:
        blocks = change_data(session, args.get("entities", ""), args.get("changedSince", ""))
        return answer({"CDCResponse": blocks})


def unauthorized(detail: str) -> Response:
    """QBO's 401: the lower-case ``fault`` envelope and a Bearer challenge."""
    millis = int(sandbox().clock().timestamp() * 1000)
    response = Response(dumps(errors.unauthorized_body(detail, millis)), 401, content_type=JSON)
    response.headers["WWW-Authenticate"] = 'Bearer realm="Intuit", error="invalid_token"'
    return response


def forbidden() -> Response:
    """A valid token used on another company (QBO's 3100 authorization failure)."""
    millis = int(sandbox().clock().timestamp() * 1000)
    body = errors.unauthorized_body("Authorization Failure", millis)
    body["fault"]["error"][0].update(
        message="message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
        code="3100",
    )
    body["fault"]["type"] = "AUTHORIZATION"
    return Response(dumps(body), 403, content_type=JSON)


def throttled() -> Response:
    """QBO's 429: XML whatever was asked for, with Retry-After."""
    box = sandbox()
    response = Response(
        errors.throttle_xml(response_time(box.clock())), 429, content_type="application/xml"
    )
    response.headers["Retry-After"] = str(box.options.retry_after)
    return response


def fault_answer(error: errors.ApiError) -> Response:
    """A ``Fault`` answer (the app's handler for ``ApiError``)."""
    return answer({"Fault": error.fault()}, error.status)


def _remembered(
    work: Callable[[Session], dict[str, Any]],
    repeated: Callable[[], dict[str, Any]] | None = None,
) -> Response:
    """Run a write once per requestid; a repeat gets the first (successful) answer.

    ``repeated``, when given, answers a repeat instead (a batch's 6000s).
    """
    request_id = request.args.get("requestid")
    with sandbox().session() as session:
        stored = session.company.answers.get(request_id) if request_id else None
        if stored is not None and repeated is not None:
            return answer(repeated())
        if stored is not None:
            return Response(stored.body, stored.status, content_type=JSON)
        response = answer(work(session))
        if request_id:
            session.company.answers[request_id] = StoredAnswer(
                response.status_code, response.get_data(as_text=True)
            )
        return response


def _kind(entity: str) -> EntityKind:
    kind = kind_named(entity)
    if kind is None or entity != entity.lower():
        raise errors.validation(
            "500",
            "Unsupported Operation",
            f"Operation Could not find resource for entity {entity} is not supported.",
            None,
        )
    return kind


def _json_body() -> Any:
    """The request's JSON, its shape checked as QBO's parser checks it (``shapes``)."""
    try:
        body = json.loads(
            request.get_data() or b"null", parse_float=Decimal, parse_constant=_not_a_number
        )
    except RecursionError as error:
        raise errors.too_deep(MAX_NESTING) from error
    except ValueError as error:
        raise errors.validation(
            "2010",
            "Request has invalid or unsupported property",
            "Request body is not valid JSON",
            None,
        ) from error
    if isinstance(body, dict | list):
        check_shape(body)
    return body


def _not_a_number(constant: str) -> Any:
    """QBO's parser has no NaN or Infinity: such a body is refused like bad JSON."""
    raise ValueError(f"{constant} is not a JSON number")
