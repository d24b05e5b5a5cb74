"""QBO's OAuth 2.0 authorization-code flow and the refresh of its single-use refresh tokens.

Token calls (HTTP Basic client authentication, form body) go through the
request loop like every other call (``adapters.http``): a 429 or 5xx from
the token endpoint is retried honouring Retry-After, each attempt logs one
line, and a refusal is resolved by ``errors.QBO_TOKEN_TABLE``. They do not go
through ``intuit-oauth``: its ``AuthClient`` fetches a discovery document
over the network when built and sends with its own ``requests`` calls, and
the local sandbox has its own token URL. Refreshing follows
``adapters.tokens``: take the store's lock, load again (another thread or
worker may have refreshed meanwhile), refresh only if the token is still the
stale one, and save the rotated refresh token before the new access token is
used. A refused refresh token (revoked, expired, or the app disconnected)
becomes ``NeedsUserAction`` "reconnect QuickBooks". Never logs a token, a
code or the client secret.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import requests
from requests.auth import HTTPBasicAuth

from adapters.auth import FixedAuth
from adapters.http import DEFAULT_POLICY, HttpClient, RetryPolicy
from adapters.limits import Sleep
from adapters.qbo.config import ACCOUNTING_SCOPE, QboConfig
from adapters.qbo.errors import QBO_TOKEN_TABLE, RECONNECT, SYSTEM, TITLE, read_token_fault
from adapters.tokens import OAuthTokens, TokenStore
from backoffice.errors import NeedsUserAction
from backoffice.logs import register_secret
from backoffice.secret import Secret

Clock = Callable[[], dt.datetime]  # naive UTC, as ``OAuthTokens`` keeps expiries
RECONNECT_CODE = f"{SYSTEM}:{RECONNECT}"
RECONNECT_ACTION = "Reconnect QuickBooks from the connection settings page."


class QboOAuth:
    """One connection's tokens: connect, exchange the code, and refresh when needed."""

    def __init__(
        self,
        config: QboConfig,
        store: TokenStore,
        *,
        session: requests.Session,
        clock: Clock,
        sleep: Sleep = time.sleep,
        policy: RetryPolicy = DEFAULT_POLICY,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        register_secret(config.client_secret)
        client_auth = HTTPBasicAuth(config.client_id, config.client_secret.reveal())
        self.http = HttpClient(
            SYSTEM,
            TITLE,
            session,
            config.token_endpoint,
            QBO_TOKEN_TABLE,
            read_token_fault,
            None,  # Intuit's token endpoint is not under the realm's request budget
            policy,
            sleep,
            auth=FixedAuth(client_auth),
            writes=frozenset(),  # a token request is sent again, never read back
        )

    def authorization_url(self, state: str) -> str:
        """Where to send the person who connects the company; ``state`` comes back unchanged."""
        query = urlencode(
            {
                "client_id": self.config.client_id,
                "response_type": "code",
                "scope": ACCOUNTING_SCOPE,
                "redirect_uri": self.config.redirect_uri,
                "state": state,
            }
        )
        return f"{self.config.authorization_endpoint}?{query}"

    @staticmethod
    def new_state() -> str:
        """An unguessable ``state`` for one connect attempt (keep it in the person's session)."""
        return secrets.token_urlsafe(32)

    def complete_authorization(self, params: Mapping[str, str], expected_state: str) -> str:
        """Check the callback's ``state``, exchange its code, save the tokens; the realm id.

        Raises:
            NeedsUserAction: the callback is forged or stale, the person declined,
                or it is for another company than this connection's.
        """
        if not hmac.compare_digest(params.get("state", ""), expected_state):
            raise NeedsUserAction(
                "qbo:state",
                "The QuickBooks answer did not match this connect attempt.",
                "Start connecting QuickBooks again.",
            )
        if "error" in params or "code" not in params:
            raise NeedsUserAction(
                "qbo:declined",
                f"QuickBooks did not grant access ({params.get('error', 'no code')}).",
                RECONNECT_ACTION,
            )
        realm_id = params.get("realmId", "")
        if realm_id != self.config.realm_id:
            raise NeedsUserAction(
                "qbo:realm",
                f"QuickBooks connected company {realm_id}, not {self.config.realm_id}.",
                "Connect the company this connection is for.",
            )
        self.exchange_code(params["code"])
        return realm_id

    def exchange_code(self, code: str) -> OAuthTokens:
        """Trade an authorization code for tokens and save them at once."""
        register_secret(Secret(code))
        tokens = self._token_call(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.config.redirect_uri,
            }
        )
        self.store.save(tokens)
        return tokens

    def access_token(self) -> Secret:
        """A usable access token, refreshed first when it is about to expire."""
        tokens = self._loaded()
        if tokens.needs_refresh(self.clock()):
            tokens = self.refresh(refused=tokens.access_token)
        return tokens.access_token

    def refresh(self, *, refused: Secret | None = None) -> OAuthTokens:
        """Refresh under the store's lock, unless another caller already did.

        ``refused`` is the access token the caller holds (expired or refused
        with a 401): once the lock is held, tokens that differ from it and are
        not about to expire were refreshed by someone else and are used as is.
        """
        with self.store.lock():
            current = self._loaded()
            is_newer = refused is not None and current.access_token != refused
            if is_newer and not current.needs_refresh(self.clock()):
                return current
            rotated = self._refreshed(current)
            self.store.save(rotated)
            return rotated

    def _refreshed(self, current: OAuthTokens) -> OAuthTokens:
        now = self.clock()
        if current.refresh_token is None or (
            current.refresh_expires_at is not None and current.refresh_expires_at <= now
        ):
            raise NeedsUserAction(
                RECONNECT_CODE, "The QuickBooks authorization has expired.", RECONNECT_ACTION
            )
        return self._token_call(
            {"grant_type": "refresh_token", "refresh_token": current.refresh_token.reveal()}
        )

    def _loaded(self) -> OAuthTokens:
        tokens = self.store.load()
        if tokens is None:
            raise NeedsUserAction(
                "qbo:not_connected",
                "QuickBooks is not connected yet.",
                "Connect QuickBooks from the connection settings page.",
            )
        register_secret(tokens.access_token)
        if tokens.refresh_token is not None:
            register_secret(tokens.refresh_token)
        return tokens

    def _token_call(self, form: dict[str, str]) -> OAuthTokens:
        response = self.http.request(
            "POST", self.config.token_endpoint, data=form, headers={"Accept": "application/json"}
        )
        return _tokens_of(response.json(), self.clock())


def _tokens_of(body: dict[str, Any], now: dt.datetime) -> OAuthTokens:
    """Tokens from a token response; each new value is registered for redaction at once."""
    access = Secret(str(body["access_token"]))
    refresh = Secret(str(body["refresh_token"]))
    register_secret(access)
    register_secret(refresh)
    refresh_seconds = body.get("x_refresh_token_expires_in")
    return OAuthTokens(
        access_token=access,
        expires_at=now + dt.timedelta(seconds=int(body["expires_in"])),
        refresh_token=refresh,
        refresh_expires_at=(
            now + dt.timedelta(seconds=int(refresh_seconds)) if refresh_seconds else None
        ),
    )
