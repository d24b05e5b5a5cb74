"""A QuickBooks Online connection's settings, and the URLs they resolve to.

The service builds a ``QboConfig`` from its encrypted connection record; the
adapter never reads the environment. ``environment`` picks Intuit's
production or sandbox API host; ``api_base_url`` overrides it (the local
sandbox at ``http://127.0.0.1:<port>``), and then the token and authorization
endpoints default to paths under that same base so one setting points
everything at the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.secret import Secret

PRODUCTION_API = "https://quickbooks.api.intuit.com"
SANDBOX_API = "https://sandbox-quickbooks.api.intuit.com"
INTUIT_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
INTUIT_AUTH_URL = "https://appcenter.intuit.com/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
AUTH_PATH = "/connect/oauth2"
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
MINOR_VERSION = 75  # Intuit's minimum supported minorversion since 2025


@dataclass(frozen=True)
class QboConfig:
    """One QBO connection: the app's credentials, the company (realm) and where its API lives."""

    client_id: str
    client_secret: Secret
    realm_id: str
    redirect_uri: str
    environment: str = "production"  # "production" or "sandbox"
    api_base_url: str | None = None  # override, e.g. the local sandbox
    token_url: str | None = None
    auth_url: str | None = None

    def __post_init__(self) -> None:
        if self.environment not in ("production", "sandbox"):
            raise ValueError(f"QBO environment must be production or sandbox: {self.environment}")

    @property
    def api_base(self) -> str:
        """The API host, without ``/v3``: the override, else by environment."""
        if self.api_base_url:
            return self.api_base_url.rstrip("/")
        return SANDBOX_API if self.environment == "sandbox" else PRODUCTION_API

    @property
    def token_endpoint(self) -> str:
        """Where codes and refresh tokens are exchanged."""
        if self.token_url:
            return self.token_url
        if self.api_base_url:
            return self.api_base + TOKEN_PATH
        return INTUIT_TOKEN_URL

    @property
    def authorization_endpoint(self) -> str:
        """Where a person is sent to grant access (Intuit's is the same for both environments)."""
        if self.auth_url:
            return self.auth_url
        if self.api_base_url:
            return self.api_base + AUTH_PATH
        return INTUIT_AUTH_URL

    @property
    def company_url(self) -> str:
        """The company's API root: ``<base>/v3/company/<realm>``."""
        return f"{self.api_base}/v3/company/{self.realm_id}"
