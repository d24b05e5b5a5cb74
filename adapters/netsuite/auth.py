"""How requests to NetSuite authenticate: TBA signatures or an OAuth 2.0 bearer token.

Both are ``adapters.auth`` strategies the request loop applies per attempt:

- ``tba_auth``: OAuth 1.0a (HMAC-SHA256) through requests-oauthlib, a
  ``FixedAuth`` (a TBA token never expires and cannot be refreshed); the
  realm is the account id upper case with ``_``. A JSON body is not part of
  the signature (only form bodies are, per RFC 5849).
- OAuth 2.0 client credentials: a ``BearerAuth`` over
  ``ClientCredentialsTokens``, which trades a JWT (header ``typ``/``alg``/``kid`` =
  certificate id; claims ``iss`` = client id, ``scope``, ``aud`` = the token
  endpoint, ``iat`` and ``exp`` under 60 minutes later) signed with the
  certificate's private key, posted as a ``client_assertion`` to
  ``/services/rest/auth/oauth2/v1/token`` through the request loop (retried
  on 429/5xx honouring Retry-After, one log line per attempt, refusals
  resolved by ``errors.TOKEN_TABLE``). The access token (valid 60 minutes, no
  refresh token) is kept in a ``TokenStore`` and fetched again before it
  expires, under the store's lock with a second look after taking it, so two
  workers never both fetch. A 401 on a call makes the loop refresh once.

Never logs a token, the assertion, a signature or a key.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

import jwt
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
from requests_oauthlib import OAuth1

from adapters.auth import FixedAuth
from adapters.http import DEFAULT_POLICY, HttpClient, RetryPolicy
from adapters.limits import Sleep
from adapters.netsuite.config import ClientCredentials, TbaCredentials
from adapters.netsuite.errors import SYSTEM, TITLE, TOKEN_TABLE, read_fault
from adapters.tokens import OAuthTokens, TokenStore
from backoffice.errors import RetryableError
from backoffice.logs import register_secret
from backoffice.secret import Secret

Clock = Callable[[], dt.datetime]  # naive UTC, as ``OAuthTokens`` keeps expiries
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = dt.timedelta(minutes=30)  # NetSuite refuses exp more than 60 min after iat
DEFAULT_TOKEN_LIFETIME = 3600  # seconds; NetSuite's access tokens last 60 minutes
SIGNING_LOGGERS = ("oauthlib", "requests_oauthlib")  # their DEBUG lines hold keys and signatures


def tba_auth(credentials: TbaCredentials, realm: str, **signing: Any) -> FixedAuth:
    """An OAuth 1.0a signer for every attempt; ``signing`` fixes nonce/timestamp in tests.

    oauthlib and requests-oauthlib log the base string, the Authorization
    header and the body at DEBUG: their loggers are held at INFO here so that
    no DEBUG configuration can print a signature or a key.
    """
    for name in SIGNING_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    for secret in (
        credentials.consumer_key,
        credentials.consumer_secret,
        credentials.token_id,
        credentials.token_secret,
    ):
        register_secret(secret)
    signer = OAuth1(
        credentials.consumer_key.reveal(),
        client_secret=credentials.consumer_secret.reveal(),
        resource_owner_key=credentials.token_id.reveal(),
        resource_owner_secret=credentials.token_secret.reveal(),
        signature_method=SIGNATURE_HMAC_SHA256,
        realm=realm,
        **signing,
    )
    return FixedAuth(signer)


class ClientCredentialsTokens:
    """NetSuite's OAuth 2.0 access token: stored, and fetched again with a signed assertion."""

    def __init__(
        self,
        credentials: ClientCredentials,
        token_url: str,
        store: TokenStore,
        *,
        session: requests.Session,
        clock: Clock,
        sleep: Sleep = time.sleep,
        policy: RetryPolicy = DEFAULT_POLICY,
    ) -> None:
        self.credentials = credentials
        self.token_url = token_url
        self.store = store
        self.clock = clock
        register_secret(credentials.private_key)
        self.http = HttpClient(
            SYSTEM,
            TITLE,
            session,
            token_url,
            TOKEN_TABLE,
            read_fault,
            None,  # the loop of API calls holds the account's slots, not the token call
            policy,
            sleep,
            writes=frozenset(),  # asking for a token again changes nothing: always resendable
        )

    def access_token(self) -> Secret:
        """A usable access token: the stored one, or a new one when it is about to expire."""
        tokens = self.store.load()
        if tokens is not None and not tokens.needs_refresh(self.clock()):
            return tokens.access_token
        return self.refresh(refused=None)

    def refresh(self, *, refused: Secret | None) -> Secret:
        """Fetch another token, unless the stored one is fresh and not the ``refused`` one."""
        with self.store.lock():
            current = self.store.load()
            is_fresh = current is not None and not current.needs_refresh(self.clock())
            if current is not None and is_fresh and current.access_token != refused:
                return current.access_token  # still good, or another worker fetched one meanwhile
            tokens = self._fetch()
            self.store.save(tokens)
            return tokens.access_token

    def assertion(self) -> str:
        """The signed JWT that NetSuite trades for an access token."""
        now = self.clock().replace(tzinfo=dt.UTC)
        claims = {
            "iss": self.credentials.client_id,
            "scope": ",".join(self.credentials.scopes),
            "aud": self.token_url,
            "iat": int(now.timestamp()),
            "exp": int((now + ASSERTION_LIFETIME).timestamp()),
        }
        headers = {"typ": "JWT", "kid": self.credentials.certificate_id}
        key = self.credentials.private_key.reveal()
        return jwt.encode(claims, key, algorithm=self.credentials.algorithm, headers=headers)

    def _fetch(self) -> OAuthTokens:
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(),
        }
        return self._tokens_of(self.http.request("POST", self.token_url, data=form))

    def _tokens_of(self, response: requests.Response) -> OAuthTokens:
        try:
            body = response.json()
            token = Secret(str(body["access_token"]))
            lifetime = int(body.get("expires_in") or DEFAULT_TOKEN_LIFETIME)
        except (ValueError, KeyError, TypeError) as error:
            raise RetryableError(
                "NetSuite's token endpoint answered without an access token.",
                detail=f"{SYSTEM} token response: {type(error).__name__}",
            ) from error
        register_secret(token)
        return OAuthTokens(token, self.clock() + dt.timedelta(seconds=lifetime))
