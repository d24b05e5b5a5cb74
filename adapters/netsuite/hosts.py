"""Where a NetSuite account's REST API lives, and the realm its TBA signatures name.

NetSuite spells one account id three ways: as shown in the UI
(``1234567_SB1``), as the OAuth 1.0a realm (upper case with ``_``:
``1234567_SB1``) and in host names (lower case with ``-``:
``1234567-sb1.suitetalk.api.netsuite.com``). A base URL override (the local
sandbox, ``http://127.0.0.1:<port>``) replaces the host; the API keeps its
paths under it (``<base>/services/rest/...``).
"""

from __future__ import annotations

REST_ROOT = "/services/rest"
RECORD_PATH = f"{REST_ROOT}/record/v1"
SUITEQL_PATH = f"{REST_ROOT}/query/v1/suiteql"
TOKEN_PATH = f"{REST_ROOT}/auth/oauth2/v1/token"


def realm_of(account_id: str) -> str:
    """The OAuth 1.0a realm: ``1234567-sb1`` → ``1234567_SB1``."""
    return account_id.strip().upper().replace("-", "_")


def host_of(account_id: str) -> str:
    """The account's REST host: ``1234567_SB1`` → ``https://1234567-sb1.suitetalk.api.netsuite.com``."""
    slug = account_id.strip().lower().replace("_", "-")
    return f"https://{slug}.suitetalk.api.netsuite.com"


def api_base(account_id: str, base_url: str | None = None) -> str:
    """The override when given (without a trailing slash), else the account's host."""
    return base_url.rstrip("/") if base_url else host_of(account_id)


def token_endpoint(account_id: str, base_url: str | None = None) -> str:
    """The OAuth 2.0 token endpoint, which is also the ``aud`` of a client assertion."""
    return api_base(account_id, base_url) + TOKEN_PATH
