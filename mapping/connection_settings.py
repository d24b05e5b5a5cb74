"""A connection's plain settings, typed: one frozen dataclass per accounting system.

The settings are written when a connection is added, completed when it is
authorized (the QuickBooks company) or checked (what the remote company
says of itself), and read by the adapters' factory and the mapping check.
They are stored as one JSON object in ``connection.settings``; this module
is the only place that writes or reads that JSON, so a key cannot be spelt
one way by its writer and another by its reader. A key that was never set
is left out of the JSON rather than stored as null: the stored objects of
existing databases read back unchanged.

Nothing secret lives here: client secrets, TBA keys, private keys and tokens
are sealed by the vault in the connection's other columns.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

LOCAL_SANDBOX_ENVIRONMENT = "local-sandbox"  # a QBO sandbox started by `sandboxes`, not Intuit's


@dataclass(frozen=True)
class CompanyFacts:
    """What the remote company said of itself when the connection was last checked.

    The mapping check reads them: a QuickBooks company without multicurrency
    takes only its home currency.
    """

    company_name: str | None
    home_currency: str | None
    multicurrency: bool

    def as_dict(self) -> dict[str, Any]:
        """The stored keys (always all three, as a check writes them)."""
        return {
            "company_name": self.company_name,
            "home_currency": self.home_currency,
            "multicurrency": self.multicurrency,
        }

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> CompanyFacts | None:
        """The facts in ``stored``, or None when the connection was never checked."""
        if "home_currency" not in stored and "company_name" not in stored:
            return None
        return cls(
            stored.get("company_name"),
            stored.get("home_currency"),
            bool(stored.get("multicurrency", False)),
        )


@dataclass(frozen=True)
class QboSettings:
    """A QuickBooks Online connection: the app, the company, and where its API answers.

    ``realm_id`` is empty until a company is connected (a sandbox gives it at
    once); ``base_url`` is set for a local sandbox only, Intuit's addresses
    following from ``environment``.
    """

    client_id: str
    redirect_uri: str
    environment: str  # "production", "sandbox" (Intuit's) or LOCAL_SANDBOX_ENVIRONMENT
    realm_id: str = ""
    base_url: str | None = None
    company: CompanyFacts | None = None
    tax_code_per_line: bool = False  # outside the US, every line needs a tax code

    def as_dict(self) -> dict[str, Any]:
        """The stored JSON object, keys never set left out."""
        stored: dict[str, Any] = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "environment": self.environment,
        }
        if self.realm_id:
            stored["realm_id"] = self.realm_id
        if self.base_url is not None:
            stored["base_url"] = self.base_url
        if self.tax_code_per_line:
            stored["tax_code_per_line"] = True
        return _with_company(stored, self.company)

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> QboSettings:
        """Read the stored JSON object (``environment`` defaults to production, as it did)."""
        return cls(
            client_id=stored["client_id"],
            redirect_uri=stored.get("redirect_uri", ""),
            environment=stored.get("environment", "production"),
            realm_id=stored.get("realm_id", ""),
            base_url=stored.get("base_url"),
            company=CompanyFacts.from_dict(stored),
            tax_code_per_line=bool(stored.get("tax_code_per_line", False)),
        )

    @property
    def remote_account_id(self) -> str:
        """The QuickBooks company (realm id) this connection is for; empty until connected."""
        return self.realm_id

    @property
    def is_local_sandbox(self) -> bool:
        """Whether the API is a local stand-in at ``base_url`` rather than Intuit's."""
        return self.environment == LOCAL_SANDBOX_ENVIRONMENT


class NetSuiteAuth(StrEnum):
    """How a NetSuite connection signs its requests."""

    TBA = "tba"  # token-based authentication (OAuth 1.0a): four sealed keys
    OAUTH2 = "oauth2"  # OAuth 2.0 client credentials: a certificate and its sealed private key


@dataclass(frozen=True)
class NetSuiteSettings:
    """A NetSuite connection: the account, how it signs, and where its API answers.

    ``client_id`` and ``certificate_id`` are set for OAuth 2.0 only;
    ``base_url`` for a local sandbox only; ``concurrency`` only when someone
    set the account's cap by hand (the adapter's default applies otherwise).
    """

    account_id: str
    auth: NetSuiteAuth = NetSuiteAuth.TBA
    client_id: str | None = None
    certificate_id: str | None = None
    base_url: str | None = None
    concurrency: int | None = None
    company: CompanyFacts | None = None
    tax_code_per_line: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The stored JSON object, keys never set left out."""
        stored: dict[str, Any] = {"account_id": self.account_id, "auth": self.auth.value}
        optional = {
            "client_id": self.client_id,
            "certificate_id": self.certificate_id,
            "base_url": self.base_url,
            "concurrency": self.concurrency,
        }
        stored.update({key: value for key, value in optional.items() if value is not None})
        if self.tax_code_per_line:
            stored["tax_code_per_line"] = True
        return _with_company(stored, self.company)

    @property
    def remote_account_id(self) -> str:
        """The NetSuite account this connection is for."""
        return self.account_id

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> NetSuiteSettings:
        """Read the stored JSON object (no ``auth`` key meant TBA, as it did)."""
        concurrency = stored.get("concurrency")
        return cls(
            account_id=stored["account_id"],
            auth=NetSuiteAuth(stored.get("auth", NetSuiteAuth.TBA.value)),
            client_id=stored.get("client_id"),
            certificate_id=stored.get("certificate_id"),
            base_url=stored.get("base_url"),
            concurrency=None if concurrency is None else int(concurrency),
            company=CompanyFacts.from_dict(stored),
            tax_code_per_line=bool(stored.get("tax_code_per_line", False)),
        )


ConnectionSettings = QboSettings | NetSuiteSettings


def settings_to_json(settings: ConnectionSettings) -> str:
    """The ``connection.settings`` column's text (keys sorted, as it always was)."""
    return json.dumps(settings.as_dict(), sort_keys=True)


def settings_from_json(family: str, text: str) -> ConnectionSettings:
    """The settings stored as ``text`` for a connection of ``family`` (``qbo`` or ``netsuite``)."""
    stored = json.loads(text)
    if family == "qbo":
        return QboSettings.from_dict(stored)
    return NetSuiteSettings.from_dict(stored)


def with_company(settings: ConnectionSettings, company: CompanyFacts) -> ConnectionSettings:
    """``settings`` with what the remote company said of itself."""
    return dataclasses.replace(settings, company=company)


def _with_company(stored: dict[str, Any], company: CompanyFacts | None) -> dict[str, Any]:
    return stored if company is None else {**stored, **company.as_dict()}
