"""A NetSuite connection's settings: the account, how it authenticates, where its API lives.

The service builds a ``NetSuiteConfig`` from its encrypted connection record;
the adapter never reads the environment. Two ways to authenticate:

- ``TbaCredentials``: token-based authentication (OAuth 1.0a, HMAC-SHA256),
  a consumer key/secret of the integration record and a token id/secret of a
  user's role. The token never expires and cannot be refreshed.
- ``ClientCredentials``: OAuth 2.0 client credentials (machine to machine), a
  JWT signed with the private key of the certificate mapped in NetSuite
  (Setup > Integration > OAuth 2.0 Client Credentials), traded for a
  60-minute access token. Oracle retires TBA for new integrations, so this is
  the one to pick for a new connection.

"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.secret import Secret

DEFAULT_CONCURRENCY = 5  # NetSuite's lowest per-account concurrency limit (service tier)
DEFAULT_PER_MINUTE = 600  # NetSuite limits concurrency, not rate: this only bounds runaway loops
JWT_ALGORITHMS = ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512")  # RS256 is refused


@dataclass(frozen=True)
class TbaCredentials:
    """Token-based authentication: the integration's consumer pair and a role's token pair."""

    consumer_key: Secret
    consumer_secret: Secret
    token_id: Secret
    token_secret: Secret


@dataclass(frozen=True)
class ClientCredentials:
    """OAuth 2.0 client credentials: the integration's client id and the mapped certificate."""

    client_id: str
    certificate_id: str
    private_key: Secret  # PEM of the certificate's private key (RSA for PS*, EC for ES*)
    algorithm: str = "PS256"
    scopes: tuple[str, ...] = ("restlets", "rest_webservices")

    def __post_init__(self) -> None:
        if self.algorithm not in JWT_ALGORITHMS:
            raise ValueError(
                f"NetSuite accepts JWTs signed with {JWT_ALGORITHMS}, not {self.algorithm}"
            )


@dataclass(frozen=True)
class NetSuiteConfig:
    """One NetSuite connection; ``base_url`` overrides the account's host (the local sandbox)."""

    account_id: str
    auth: TbaCredentials | ClientCredentials
    base_url: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    per_minute: int = DEFAULT_PER_MINUTE

    def __post_init__(self) -> None:
        if not self.account_id.strip():
            raise ValueError("a NetSuite account id is required")
        if self.concurrency < 1:
            raise ValueError(f"the concurrency cap must be at least 1: {self.concurrency}")

    @property
    def uses_tba(self) -> bool:
        """Whether requests are signed with TBA (no refresh possible) rather than a bearer token."""
        return isinstance(self.auth, TbaCredentials)
