"""Token-based authentication: OAuth 1.0a signatures (HMAC-SHA256) checked as NetSuite checks them.

A request carries ``Authorization: OAuth realm="<ACCOUNT_ID>",
oauth_consumer_key, oauth_token, oauth_signature_method="HMAC-SHA256",
oauth_timestamp, oauth_nonce, oauth_version="1.0", oauth_signature``. The
signature is recomputed with oauthlib's own RFC 5849 helpers: the base
string of the method, the URL without its query, and every ``oauth_*`` and
query parameter, sorted (a JSON body is not signed; a form body is), keyed
with the consumer secret and the token secret. The realm must be the
account id (upper case with ``_``), the method HMAC-SHA256 (NetSuite no
longer takes HMAC-SHA1), the timestamp within ``tolerance`` of the
sandbox's clock, and a nonce is accepted once per token and timestamp.
Any failure answers the same 401 INVALID_LOGIN; the reason is only logged,
as NetSuite only shows it in its Login Audit Trail.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from oauthlib.common import Request
from oauthlib.oauth1.rfc5849 import signature, utils

SIGNATURE_METHOD = "HMAC-SHA256"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class TbaCredentials:
    """The integration's consumer pair and a role's token pair."""

    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str


@dataclass(frozen=True)
class SignedRequest:
    """What of a request a signature covers."""

    method: str
    url: str  # without the query
    query: str
    authorization: str
    content_type: str | None = None
    body: str | None = None


@dataclass
class NonceBook:
    """Nonces already used, per token and timestamp (shared by every request thread)."""

    _seen: set[tuple[str, str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def first_use(self, token: str, timestamp: str, nonce: str) -> bool:
        """Record the nonce; False when it was used before."""
        key = (token, timestamp, nonce)
        with self._lock:
            if key in self._seen:
                return False
            self._seen.add(key)
            return True

    def clear(self) -> None:
        """Forget every nonce."""
        with self._lock:
            self._seen.clear()


def realm_of(account_id: str) -> str:
    """The realm a signature must name: ``1234567-sb1`` → ``1234567_SB1``."""
    return account_id.strip().upper().replace("-", "_")


def problem(
    request: SignedRequest,
    credentials: TbaCredentials,
    realm: str,
    now: dt.datetime,
    nonces: NonceBook,
    tolerance: dt.timedelta | None,
) -> str | None:
    """Why the signature is refused, or None when it is good (the nonce is then used up)."""
    if not request.authorization.startswith("OAuth "):
        return "no OAuth authorization"
    try:
        parsed = utils.parse_authorization_header(request.authorization)
    except ValueError:
        return "malformed OAuth authorization"
    params = {name: utils.unescape(value) for name, value in parsed}
    expected = {
        "realm": realm,
        "oauth_consumer_key": credentials.consumer_key,
        "oauth_token": credentials.token_id,
        "oauth_signature_method": SIGNATURE_METHOD,
    }
    for name, value in expected.items():
        if params.get(name) != value:
            return f"wrong or missing {name}"
    if params.get("oauth_version", "1.0") != "1.0":
        return "wrong oauth_version"
    stale = _timestamp_problem(params.get("oauth_timestamp", ""), now, tolerance)
    if stale is not None:
        return stale
    if not _verify(request, params, credentials):
        return "signature mismatch"
    if not nonces.first_use(
        credentials.token_id, params["oauth_timestamp"], params.get("oauth_nonce", "")
    ):
        return "nonce used before"
    return None


def _timestamp_problem(
    timestamp: str, now: dt.datetime, tolerance: dt.timedelta | None
) -> str | None:
    if not timestamp.isdigit():
        return "missing oauth_timestamp"
    if tolerance is None:
        return None
    signed_at = dt.datetime.fromtimestamp(int(timestamp), dt.UTC)
    return "timestamp out of range" if abs(signed_at - now) > tolerance else None


def _verify(request: SignedRequest, params: Mapping[str, str], credentials: TbaCredentials) -> bool:
    body = request.body if request.content_type and FORM in request.content_type else None
    collected = signature.collect_parameters(
        uri_query=request.query,
        body=body,
        headers={"Authorization": request.authorization},
        exclude_oauth_signature=True,
        with_realm=False,
    )
    oauth_request = Request(request.url, http_method=request.method)
    oauth_request.params = collected
    oauth_request.signature = params.get("oauth_signature", "")
    return bool(
        signature.verify_hmac_sha256(
            oauth_request, credentials.consumer_secret, credentials.token_secret
        )
    )
