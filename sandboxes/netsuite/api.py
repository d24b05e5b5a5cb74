"""The REST web services under ``/services/rest``: records, SuiteQL and the token endpoint.

Every record and query call must authenticate, by a TBA signature or an
OAuth 2.0 bearer token, else 401 INVALID_LOGIN; then it takes one of the
account's concurrency slots, else 429 CONCURRENCY_LIMIT_EXCEEDED. A create
(POST) answers 204 with no body and the new record's URL in ``Location``;
an upsert (``PUT <type>/eid:<externalId>``) creates or updates and answers
the same way; PATCH answers 204; DELETE answers 204. Request bodies are read
with amounts as ``Decimal``; answers write amounts as exact JSON numbers, as
NetSuite does (``sandboxes.answers``).
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from sandboxes.answers import dumps
from sandboxes.nesting import MAX_NESTING, is_nested_deeper
from sandboxes.netsuite import errors, records, suiteql
from sandboxes.netsuite.render import Renderer
from sandboxes.netsuite.sandbox import Sandbox
from sandboxes.netsuite.schema import RecordType, record_type
from sandboxes.netsuite.tba import SignedRequest, problem

logger = logging.getLogger(__name__)

blueprint = Blueprint("netsuite_api", __name__, url_prefix="/services/rest")
RECORD_ROOT = "/services/rest/record/v1"
RESOURCE = "application/vnd.oracle.resource+json; type=singular-resource"
COLLECTION = "application/vnd.oracle.resource+json; type=collection"
ERROR = "application/vnd.oracle.resource+json; type=error"
TOKEN_PATH = "/auth/oauth2/v1/token"


def sandbox() -> Sandbox:
    """The app's shared sandbox."""
    found: Sandbox = current_app.extensions["netsuite_sandbox"]
    return found


def answer(body: dict[str, Any], status: int = 200, content_type: str = RESOURCE) -> Response:
    """A JSON answer, amounts exact."""
    return Response(dumps(body), status=status, content_type=content_type)


def error_answer(error: errors.ApiError) -> Response:
    """The error body NetSuite answers (429s from an injected fault carry Retry-After)."""
    response = answer(error.body(), error.status, ERROR)
    if error.status == 429 and g.get("retry_after"):
        response.headers["Retry-After"] = str(g.retry_after)
    return response


def no_content(location: str | None = None) -> Response:
    """204 with no body (and the record's URL, for a create or an upsert)."""
    response = Response(status=204)
    if location is not None:
        response.headers["Location"] = location
    return response


@blueprint.before_request
def _authenticate_and_admit() -> Response | None:
    """401 without valid credentials, 429 beyond the account's concurrency limit."""
    if request.path.endswith(TOKEN_PATH):
        return None
    box = sandbox()
    reason = _auth_problem(box)
    if reason is not None:
        logger.info("netsuite sandbox login refused: %s", reason)
        return error_answer(errors.invalid_login())
    if not box.gate.admit():
        return error_answer(errors.concurrency_exceeded())
    g.admitted = True
    return None


@blueprint.teardown_request
def _release(_error: BaseException | None) -> None:
    if g.pop("admitted", False):
        sandbox().gate.release()


def _auth_problem(box: Sandbox) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        valid = box.tokens.is_valid(header[len("Bearer ") :].strip(), box.clock())
        return None if valid else "unknown or expired access token"
    signed = SignedRequest(
        request.method,
        request.base_url,
        request.query_string.decode("latin-1"),
        header,
        request.content_type,
        request.get_data(as_text=True),
    )
    options = box.options
    return problem(
        signed, options.tba, options.realm, box.clock(), box.nonces, options.timestamp_tolerance
    )


@blueprint.post(TOKEN_PATH)
def token() -> Response:
    """The OAuth 2.0 client credentials grant."""
    box = sandbox()
    result = box.tokens.exchange(request.form, request.base_url, box.clock())
    if isinstance(result, dict):
        return Response(json.dumps(result), status=200, content_type="application/json")
    return Response(
        json.dumps(result.body()), status=result.status, content_type="application/json"
    )


@blueprint.route("/record/v1/<name>", methods=["GET", "POST"])
def collection(name: str) -> Response:
    """POST creates a record; GET lists the type's ids, a page at a time."""
    kind = _kind(name)
    box = sandbox()
    if request.method == "GET":
        return _list(kind)
    body = _json_body()
    with box.account() as account:
        created = records.create(account, kind, body, box.clock())
    return no_content(_location(name, created["id"]))


@blueprint.route("/record/v1/<name>/<key>", methods=["GET", "PATCH", "PUT", "DELETE"])
def instance(name: str, key: str) -> Response:
    """Read, update, upsert (PUT by external id) or delete one record."""
    kind = _kind(name)
    if request.method == "PUT":
        return _upsert(name, kind, key)
    box = sandbox()
    now = box.clock()
    with box.account() as account:
        found = records.find(account, kind, key)
        if request.method == "GET":
            expand = request.args.get("expandSubResources", "").lower() == "true"
            return answer(Renderer(account, _record_base()).record(kind, found, expand))
        if request.method == "DELETE":
            records.delete(account, kind, found, now)
            return no_content()
        records.update(account, kind, found, _json_body(), now, _replace())
    return no_content()


def _upsert(name: str, kind: RecordType, key: str) -> Response:
    if not key.startswith(records.EXTERNAL_ID):
        raise errors.method_not_allowed("PUT")
    box = sandbox()
    body = _json_body()
    with box.account() as account:
        found = account.by_external_id(kind.name, key[len(records.EXTERNAL_ID) :])
        if found is None:
            saved = records.create(
                account, kind, body, box.clock(), key[len(records.EXTERNAL_ID) :]
            )
        else:
            saved = records.update(account, kind, found, body, box.clock(), _replace())
    return no_content(_location(name, saved["id"]))


@blueprint.post("/query/v1/suiteql")
def query() -> Response:
    """SuiteQL: ``{"q": ...}`` with ``Prefer: transient``, paged by limit and offset."""
    if "transient" not in request.headers.get("Prefer", "").lower():
        raise errors.invalid_header(
            "Prefer", "The request header 'Prefer' must have the value 'transient' for SuiteQL."
        )
    body = _json_body()
    statement = body.get("q") if isinstance(body, dict) else None
    if not isinstance(statement, str) or not statement.strip():
        raise errors.invalid_content("Invalid content in the request body: provide 'q'.")
    limit, offset = suiteql.page_bounds(request.args.get("limit"), request.args.get("offset"))
    with sandbox().account() as account:
        page = suiteql.run(account, statement, limit, offset)
    return answer(_paged(page.items, page.total, offset, limit), content_type=COLLECTION)


def _list(kind: RecordType) -> Response:
    limit, offset = suiteql.page_bounds(request.args.get("limit"), request.args.get("offset"))
    with sandbox().account() as account:
        ids = [record["id"] for record in account.all(kind.name)]
    base = f"{_record_base()}/{kind.link_name}"
    items = [
        {"links": [{"rel": "self", "href": f"{base}/{i}"}], "id": i}
        for i in ids[offset : offset + limit]
    ]
    return answer(_paged(items, len(ids), offset, limit), content_type=COLLECTION)


def _paged(items: list[dict[str, Any]], total: int, offset: int, limit: int) -> dict[str, Any]:
    """The collection envelope, with ``next`` (and ``first``/``last``) when pages follow."""
    links = [{"rel": "self", "href": request.url}]
    if offset + limit < total:
        last = ((total - 1) // limit) * limit
        links = [
            {"rel": "next", "href": _page_url(offset + limit, limit)},
            {"rel": "first", "href": _page_url(0, limit)},
            {"rel": "last", "href": _page_url(last, limit)},
            *links,
        ]
    return {
        "links": links,
        "count": len(items),
        "hasMore": offset + limit < total,
        "items": items,
        "offset": offset,
        "totalResults": total,
    }


def _page_url(offset: int, limit: int) -> str:
    return f"{request.base_url}?limit={limit}&offset={offset}"


def _kind(name: str) -> RecordType:
    found = record_type(name)
    if found is None:
        raise errors.unknown_record_type(name)
    return found


def _json_body() -> Any:
    """The request's JSON; one nested deeper than any record is invalid content, as bad JSON."""
    text = request.get_data(as_text=True)
    try:
        body = json.loads(text, parse_float=Decimal) if text.strip() else None
    except (ValueError, RecursionError) as error:
        raise errors.invalid_content() from error
    if is_nested_deeper(body, MAX_NESTING):
        raise errors.invalid_content()
    return body


def _replace() -> set[str]:
    return {name.strip() for name in request.args.get("replace", "").split(",") if name.strip()}


def _record_base() -> str:
    return request.host_url.rstrip("/") + RECORD_ROOT


def _location(name: str, record_id: str) -> str:
    return f"{_record_base()}/{name}/{record_id}"
