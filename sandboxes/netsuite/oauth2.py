"""OAuth 2.0 client credentials (machine to machine): certificates, the token endpoint, bearers.

``POST /services/rest/auth/oauth2/v1/token`` takes a form with
``grant_type=client_credentials``,
``client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer``
and ``client_assertion``: a JWT whose header names the certificate
(``kid``) and an algorithm NetSuite accepts (PS256/384/512, ES256/384/512:
Oracle lists no RS256), signed with the private key of a certificate
registered here (``create_app`` or ``POST /_sandbox/certificates``), whose
claims are ``iss`` = the integration's client id, ``scope`` naming
``rest_webservices``, ``aud`` = this token endpoint, ``iat`` and an ``exp``
less than 60 minutes after it, not yet past on the sandbox's clock. The
answer is ``{"access_token", "expires_in": "3600", "token_type": "Bearer"}``
(Oracle's fields; the token here is opaque, NetSuite's is itself a JWT)
and the token then authorizes ``Authorization: Bearer`` calls for an hour.
A refused assertion answers ``{"error": ...}`` as OAuth 2.0 servers do:
``invalid_request``, ``unsupported_grant_type``, ``invalid_client`` (an
unknown certificate or client), ``invalid_grant`` (a bad signature,
audience or time) or ``invalid_scope``.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_public_key

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LIFETIME = dt.timedelta(hours=1)
MAX_ASSERTION_LIFETIME = 3600  # seconds between iat and exp
SCOPE = "rest_webservices"


@dataclass(frozen=True)
class Certificate:
    """A certificate mapped to the integration: its id (the JWT ``kid``) and public part."""

    certificate_id: str
    public_pem: str

    def public_key(self) -> Any:
        """The key that verifies assertions (from a certificate or a bare public key)."""
        data = self.public_pem.encode()
        if b"BEGIN CERTIFICATE" in data:
            return x509.load_pem_x509_certificate(data).public_key()
        return load_pem_public_key(data)


@dataclass(frozen=True)
class Refusal:
    """Why the token endpoint refused: the OAuth error code and its HTTP status."""

    error: str
    status: int = 400

    def body(self) -> dict[str, str]:
        """The error body."""
        return {"error": self.error}


@dataclass
class TokenBook:
    """Mapped certificates and the access tokens issued (shared by every request thread)."""

    client_id: str
    certificates: dict[str, Certificate] = field(default_factory=dict)
    _tokens: dict[str, dt.datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, public_pem: str, certificate_id: str | None = None) -> Certificate:
        """Map a certificate (checked loadable); its id is generated unless given."""
        certificate = Certificate(certificate_id or secrets.token_urlsafe(32), public_pem)
        certificate.public_key()
        with self._lock:
            self.certificates[certificate.certificate_id] = certificate
        return certificate

    def exchange(
        self, form: Mapping[str, str], token_url: str, now: dt.datetime
    ) -> dict[str, str] | Refusal:
        """An access token for a valid client assertion, or why not."""
        if form.get("grant_type") != "client_credentials":
            return Refusal(
                "unsupported_grant_type" if form.get("grant_type") else "invalid_request"
            )
        assertion = form.get("client_assertion")
        if form.get("client_assertion_type") != ASSERTION_TYPE or not assertion:
            return Refusal("invalid_request")
        refusal = self._check(assertion, token_url, now)
        if refusal is not None:
            return refusal
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._tokens[token] = now + LIFETIME
        return {
            "access_token": token,
            "expires_in": str(int(LIFETIME.total_seconds())),
            "token_type": "Bearer",
        }

    def is_valid(self, token: str | None, now: dt.datetime) -> bool:
        """Whether ``token`` was issued here and has not expired."""
        with self._lock:
            expiry = self._tokens.get(token or "")
        return expiry is not None and now < expiry

    def clear_tokens(self) -> None:
        """Forget every issued token (certificates stay mapped)."""
        with self._lock:
            self._tokens.clear()

    def _check(self, assertion: str, token_url: str, now: dt.datetime) -> Refusal | None:
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.InvalidTokenError:
            return Refusal("invalid_request")
        certificate = self.certificates.get(str(header.get("kid")))
        if certificate is None:
            return Refusal("invalid_client", 401)
        if header.get("alg") not in ALGORITHMS:
            return Refusal("invalid_grant")
        try:
            claims = jwt.decode(
                assertion,
                certificate.public_key(),
                algorithms=[header["alg"]],
                audience=token_url,
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "require": ["iss", "aud", "iat", "exp"],
                },
            )
        except jwt.InvalidTokenError:
            return Refusal("invalid_grant")
        return _claims_problem(claims, self.client_id, now)


def _claims_problem(claims: dict[str, Any], client_id: str, now: dt.datetime) -> Refusal | None:
    if claims.get("iss") != client_id:
        return Refusal("invalid_client", 401)
    scopes = claims.get("scope")
    named = scopes if isinstance(scopes, list) else str(scopes or "").replace(" ", ",").split(",")
    if SCOPE not in named:
        return Refusal("invalid_scope")
    issued, expires = int(claims["iat"]), int(claims["exp"])
    if expires - issued > MAX_ASSERTION_LIFETIME or expires <= now.timestamp():
        return Refusal("invalid_grant")
    return None
