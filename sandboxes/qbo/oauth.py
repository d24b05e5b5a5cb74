"""Intuit's OAuth 2.0 server, in small: tokens, the token endpoint, consent and discovery.

Access tokens live 3600 s and refresh tokens 100 days (Intuit's rolling
``x_refresh_token_expires_in`` of 8726400 s). Every refresh answers a new
refresh token and the one used stops working, so a client that does not
save the rotated token at once fails its next refresh with
``invalid_grant``: the strict reading of Intuit's rotation (Intuit may hand
the same value back for up to a day; a client correct here is correct
there). Access tokens issued earlier stay valid until they expire. The
client authenticates with HTTP Basic; a wrong id or secret answers 401
``invalid_client``. The consent page approves at once and redirects with
``code``, ``state`` and ``realmId``; a code works once, for 5 minutes.
The discovery document has the shape of Intuit's
``/.well-known/openid_sandbox_configuration``, with every endpoint on this
server, so ``intuitlib.client.AuthClient(environment=<its URL>)`` works.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, redirect, request

ACCESS_LIFETIME = dt.timedelta(seconds=3600)
REFRESH_LIFETIME = dt.timedelta(seconds=8726400)
CODE_LIFETIME = dt.timedelta(minutes=5)
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
CONSENT_PATH = "/connect/oauth2"
DISCOVERY_PATHS = ("/.well-known/openid_sandbox_configuration", "/.well-known/openid_configuration")

blueprint = Blueprint("qbo_oauth", __name__)


class OAuthRefusal(Exception):
    """A token request the server refuses (``error`` is the OAuth error code)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


@dataclass
class _Grant:
    redirect_uri: str
    expires_at: dt.datetime


@dataclass
class TokenBook:
    """The app's credentials and every token the server has issued for the realm."""

    client_id: str
    client_secret: str
    access: dict[str, dt.datetime] = field(default_factory=dict)
    refresh_token: str = ""
    refresh_expires_at: dt.datetime | None = None
    codes: dict[str, _Grant] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def is_client(self, client_id: str, client_secret: str) -> bool:
        """Whether these are the app's credentials (constant-time)."""
        same_id = hmac.compare_digest(client_id, self.client_id)
        return hmac.compare_digest(client_secret, self.client_secret) and same_id

    def access_problem(self, token: str | None, now: dt.datetime) -> str | None:
        """Why ``token`` is refused (the 401 detail), or None when it is good."""
        if not token:
            return "Authorization header is missing or not a Bearer token"
        with self._lock:
            expires_at = self.access.get(token)
        if expires_at is None:
            return f"Token invalid: {token[:50]}"
        if expires_at <= now:
            return f"Token expired: {token[:50]}"
        return None

    def usable_access_token(self, now: dt.datetime) -> str:
        """A valid access token (minted when every earlier one has expired): for /_sandbox/info."""
        with self._lock:
            for token, expires_at in self.access.items():
                if expires_at > now:
                    return token
        return self.issue(now)["access_token"]

    def issue(self, now: dt.datetime) -> dict[str, Any]:
        """New access and refresh tokens; the previous refresh token stops working."""
        access = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.." + secrets.token_urlsafe(96)
        refresh = "AB11" + secrets.token_urlsafe(34)[:46]
        with self._lock:
            self.access[access] = now + ACCESS_LIFETIME
            self.refresh_token = refresh
            self.refresh_expires_at = now + REFRESH_LIFETIME
        return {
            "token_type": "bearer",
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "refresh_token": refresh,
            "x_refresh_token_expires_in": int(REFRESH_LIFETIME.total_seconds()),
            "access_token": access,
        }

    def refresh(self, refresh_token: str, now: dt.datetime) -> dict[str, Any]:
        """Trade the current refresh token for new tokens."""
        with self._lock:
            is_current = bool(self.refresh_token) and hmac.compare_digest(
                refresh_token, self.refresh_token
            )
            is_live = self.refresh_expires_at is not None and self.refresh_expires_at > now
        if not (is_current and is_live):
            raise OAuthRefusal("invalid_grant", "Incorrect Token type or clientID")
        return self.issue(now)

    def new_code(self, redirect_uri: str, now: dt.datetime) -> str:
        """An authorization code for one consent."""
        code = "AB11" + secrets.token_urlsafe(30)
        with self._lock:
            self.codes[code] = _Grant(redirect_uri, now + CODE_LIFETIME)
        return code

    def exchange(self, code: str, redirect_uri: str, now: dt.datetime) -> dict[str, Any]:
        """Trade an authorization code (once, before it expires) for tokens."""
        with self._lock:
            grant = self.codes.pop(code, None)
        if grant is None or grant.expires_at <= now or grant.redirect_uri != redirect_uri:
            raise OAuthRefusal("invalid_grant", "Invalid authorization code")
        return self.issue(now)

    def revoke(self, token: str) -> None:
        """Revoking the refresh token ends the connection; an access token just stops working."""
        with self._lock:
            self.access.pop(token, None)
            if self.refresh_token and hmac.compare_digest(token, self.refresh_token):
                self.refresh_token = ""
                self.access.clear()


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@blueprint.post(TOKEN_PATH)
def token_endpoint() -> Response | tuple[Response, int]:
    """``grant_type`` refresh_token or authorization_code, client by HTTP Basic."""
    sandbox = current_app.extensions["qbo_sandbox"]
    book: TokenBook = sandbox.tokens
    try:
        _authenticate_client(book)
        grant_type = request.form.get("grant_type", "")
        if grant_type == "refresh_token":
            answer = book.refresh(request.form.get("refresh_token", ""), sandbox.clock())
        elif grant_type == "authorization_code":
            form = request.form
            code, redirect_uri = form.get("code", ""), form.get("redirect_uri", "")
            answer = book.exchange(code, redirect_uri, sandbox.clock())
        else:
            raise OAuthRefusal("unsupported_grant_type", f"Unsupported grant type: {grant_type}")
    except OAuthRefusal as refusal:
        body = {"error": refusal.error, "error_description": refusal.description}
        return jsonify(body), refusal.status
    return jsonify(answer)


@blueprint.post(REVOKE_PATH)
def revoke_endpoint() -> Response | tuple[Response, int]:
    """Intuit's revocation endpoint: JSON ``{"token": ...}``, client by HTTP Basic."""
    book: TokenBook = current_app.extensions["qbo_sandbox"].tokens
    try:
        _authenticate_client(book)
    except OAuthRefusal as refusal:
        return jsonify({"error": refusal.error}), refusal.status
    book.revoke(str((request.get_json(silent=True) or {}).get("token", "")))
    return Response(status=200)


@blueprint.get(CONSENT_PATH)
def consent() -> Any:
    """Approve at once: redirect back with a code, the state and the realm id."""
    sandbox = current_app.extensions["qbo_sandbox"]
    args = request.args
    if args.get("client_id") != sandbox.tokens.client_id or not args.get("redirect_uri"):
        return jsonify({"error": "invalid_client"}), 400
    code = sandbox.tokens.new_code(args["redirect_uri"], sandbox.clock())
    query = urlencode({"code": code, "state": args.get("state", ""), "realmId": sandbox.realm_id})
    return redirect(f"{args['redirect_uri']}?{query}")


def discovery() -> Response:
    """The OpenID discovery document, every endpoint on this server."""
    root = request.host_url.rstrip("/")
    return jsonify(
        {
            "issuer": f"{root}/op/v1",
            "authorization_endpoint": root + CONSENT_PATH,
            "token_endpoint": root + TOKEN_PATH,
            "userinfo_endpoint": f"{root}/v1/openid_connect/userinfo",
            "revocation_endpoint": root + REVOKE_PATH,
            "jwks_uri": f"{root}/op/v1/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile", "address", "phone"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
        }
    )


for _index, _path in enumerate(DISCOVERY_PATHS):
    blueprint.add_url_rule(_path, endpoint=f"discovery_{_index}", view_func=discovery)


@blueprint.get("/op/v1/jwks")
def jwks() -> Response:
    """No signing keys: the sandbox issues no id_token."""
    return jsonify({"keys": []})


def _authenticate_client(book: TokenBook) -> None:
    """HTTP Basic ``client_id:client_secret`` (401 ``invalid_client`` otherwise)."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    client_id, _, client_secret = decoded.partition(":")
    if scheme.lower() != "basic" or not book.is_client(client_id, client_secret):
        raise OAuthRefusal("invalid_client", "Client authentication failed", status=401)
