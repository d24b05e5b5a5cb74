"""How the request loop authenticates each attempt: small strategies it applies and refreshes.

``adapters.http.HttpClient`` applies its strategy to every attempt it sends
(a retry after a 429 carries the token current at that moment, not the one
of the first attempt), and when the resolution table says "refresh token
then retry" it asks the strategy to refresh once:

- ``BearerAuth``: ``Authorization: Bearer`` from a ``TokenSource`` that can
  refresh (QBO's OAuth 2.0 tokens; NetSuite's OAuth 2.0 client credentials,
  whose source trades a signed assertion for a new token);
- ``FixedAuth``: credentials that sign every attempt the same way and cannot
  be refreshed (NetSuite's OAuth 1.0a TBA signature, the HTTP Basic client
  authentication of a token endpoint).

A strategy is applied before the request takes its limiter slot, so a
refresh (itself a call through a loop) never waits for a slot its own
caller holds.
"""

from __future__ import annotations

import threading
from typing import Protocol

import requests
from requests.auth import AuthBase

from backoffice.secret import Secret


class Authenticator(Protocol):
    """What the loop needs of a strategy: sign one attempt, and refresh after a refusal."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Sign ``request`` (one attempt) with the current credentials."""

    def refresh(self) -> bool:
        """Renew the credentials the system just refused; whether a resend may succeed."""


class TokenSource(Protocol):
    """A connection's access tokens: the current one, and a refresh after a refusal."""

    def access_token(self) -> Secret:
        """A usable access token (renewed first when about to expire)."""

    def refresh(self, *, refused: Secret | None) -> object:
        """Renew unless the stored token already differs from ``refused`` (someone renewed)."""


class BearerAuth(AuthBase):
    """``Authorization: Bearer <token>`` from a ``TokenSource``, refreshed once on a refusal.

    The token each thread last sent is kept per thread: the refusal the loop
    reports is of the token its own thread sent, and the source compares it
    with the stored one under its lock, so a token another worker already
    renewed is not renewed again.
    """

    def __init__(self, tokens: TokenSource) -> None:
        self.tokens = tokens
        self._sent = threading.local()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Sign one attempt with the current access token."""
        token = self.tokens.access_token()
        self._sent.token = token
        request.headers["Authorization"] = f"Bearer {token.reveal()}"
        return request

    def refresh(self) -> bool:
        """The token this thread sent was refused: renew it (or take another worker's)."""
        self.tokens.refresh(refused=getattr(self._sent, "token", None))
        return True


class FixedAuth(AuthBase):
    """A signer whose credentials never change: nothing to refresh after a refusal."""

    def __init__(self, signer: AuthBase) -> None:
        self.signer = signer

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Sign one attempt."""
        result: requests.PreparedRequest = self.signer(request)
        return result

    def refresh(self) -> bool:
        """Fixed credentials cannot be renewed: a refusal is raised for a person to fix."""
        return False
