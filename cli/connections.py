"""``backoffice connection ...``: register accounting system connections.

A sandbox connection reads its credentials from the sandbox's control API
(``GET /_sandbox/info``, CONTRACT.md section 5) and stores them sealed like a
real one. Secrets of a real connection come from the environment or a hidden
prompt, never from a command-line argument (shell histories and process lists
keep those).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import click
import requests

from adapters.qbo.oauth import QboOAuth
from backoffice.clock import utc_now
from backoffice.errors import NeedsUserAction
from backoffice.runtime import Runtime
from backoffice.secret import Secret
from cli.support import current_runtime, print_json
from mapping.connections import (
    ConnectionRecord,
    System,
    add_connection,
    check_connection_name,
    list_connections,
    load_connection,
    remember_secrets,
    remember_settings,
)
from sync.connect import adapter_for, qbo_config
from sync.token_store import DatabaseTokenStore

SANDBOX_TIMEOUT = 10.0
SANDBOX_REDIRECT = "http://127.0.0.1/qbo/callback"  # the sandbox redirects anywhere it is told
TBA_KEYS = ("consumer_key", "consumer_secret", "token_id", "token_secret")
SANDBOX_INFO_KEYS = {
    System.QBO_SANDBOX: ("base_url", "realm_id", "client_id", "client_secret",
                         "webhook_verifier", "access_token", "refresh_token"),
    System.NETSUITE_SANDBOX: ("base_url", "account_id", *TBA_KEYS),
}  # fmt: skip
SANDBOX_TOKEN_LIFETIME = dt.timedelta(hours=1)  # as the sandboxes' access tokens, like QBO's


@click.group()
def connection() -> None:
    """Accounting system connections."""


@connection.command("add")
@click.argument("name")
@click.option("--system", type=click.Choice([s.value for s in System]), required=True)
@click.option("--url", help="Sandbox base URL, e.g. http://127.0.0.1:8001 (sandbox systems).")
@click.option("--client-id", help="QBO: the app's client id.")
@click.option("--redirect-uri", help="QBO: the app's OAuth redirect URI.")
@click.option("--environment", type=click.Choice(["sandbox", "production"]), default="production",
              show_default=True, help="QBO: which Intuit environment.")  # fmt: skip
@click.option("--account-id", help="NetSuite: the account id, e.g. 1234567_SB1.")
@click.option(
    "--certificate-id", help="NetSuite OAuth 2.0: the certificate id mapped to --client-id."
)
@click.option("--private-key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="NetSuite OAuth 2.0: the certificate's private key (PEM).")  # fmt: skip
@click.option("--replace", is_flag=True,
              help="Renew an existing connection of the same system.")  # fmt: skip
def connection_add(name: str, system: str, url: str | None, client_id: str | None,
                   redirect_uri: str | None, environment: str, account_id: str | None,
                   certificate_id: str | None, private_key_file: Path | None,
                   replace: bool) -> None:  # fmt: skip
    """Register an accounting system connection (credentials are stored encrypted).

    Real systems read their secrets from the environment
    (BACKOFFICE_QBO_CLIENT_SECRET; BACKOFFICE_NETSUITE_CONSUMER_KEY,
    _CONSUMER_SECRET, _TOKEN_ID, _TOKEN_SECRET) or ask for them. A NetSuite
    connection with --client-id, --certificate-id and --private-key-file uses
    OAuth 2.0 client credentials instead of TBA.
    """
    chosen = System(system)
    check_connection_name(name)
    runtime = current_runtime().require_current_schema()
    now = utc_now()
    if chosen in (System.QBO_SANDBOX, System.NETSUITE_SANDBOX):
        settings, secrets, tokens = _from_sandbox(chosen, _required(url, "--url"), now)
    elif chosen is System.QBO:
        settings, secrets, tokens = _qbo(
            _required(client_id, "--client-id"),
            _required(redirect_uri, "--redirect-uri"),
            environment,
        )
    elif private_key_file is not None:
        settings, secrets, tokens = _netsuite_oauth2(
            _required(account_id, "--account-id"),
            _required(client_id, "--client-id"),
            _required(certificate_id, "--certificate-id"),
            private_key_file,
        )
    else:
        settings, secrets, tokens = _netsuite(_required(account_id, "--account-id"))
    with runtime.transaction() as session:
        added = add_connection(
            session, runtime.vault, name=name, system=chosen, settings=settings,
            secrets=secrets, now=now, replace=replace,
        )  # fmt: skip
        if tokens is not None:
            added.tokens = runtime.vault.seal(tokens)
            added.token_expires_at = now + SANDBOX_TOKEN_LIFETIME
    default = " (the default connection)" if added.is_default else ""
    what = "Renewed" if added.created_at < now else "Added"
    click.echo(f"{what} connection {name} to {chosen.value}{default}.")


@connection.command("authorize")
@click.argument("name")
@click.option("--callback-url", help="The whole address QuickBooks sent the browser back to.")
def connection_authorize(name: str, callback_url: str | None) -> None:
    """Connect a QuickBooks company: first print the consent address, then pass it the callback.

    Run it once to get the address to open in a browser; after consenting,
    QuickBooks sends the browser to the redirect URI: run it again with that
    whole address as --callback-url. The tokens are stored encrypted.
    """
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        record = load_connection(session, runtime.vault, name)
        if record.system.family != "qbo":
            raise NeedsUserAction(
                "no_oauth", f"{name} is a NetSuite connection: its TBA tokens need no consent.",
                "Nothing to do; `backoffice connection check` tells whether it answers.",
            )  # fmt: skip
        if callback_url is None:
            state = QboOAuth.new_state()
            remember_secrets(session, runtime.vault, record.id, {"oauth_state": Secret(state)})
            click.echo(_oauth(runtime, record).authorization_url(state))
            click.echo("Open it, consent, then run this again with --callback-url.", err=True)
            return
    params = dict(parse_qsl(urlsplit(callback_url).query))
    expected = record.secrets.get("oauth_state")
    if expected is None:
        raise NeedsUserAction(
            "qbo:state", "No connect attempt of this connection is waiting for its callback.",
            f"Start one with `backoffice connection authorize {name}`.",
        )  # fmt: skip
    realm = params.get("realmId", "")
    _oauth(runtime, record, realm).complete_authorization(params, expected.reveal())
    with runtime.transaction() as session:
        remember_settings(session, record.id, realm_id=realm)
        remember_secrets(session, runtime.vault, record.id, {"oauth_state": None})
    click.echo(f"Connected {name} to QuickBooks company {realm}.")


def _oauth(runtime: Runtime, record: ConnectionRecord, realm_id: str | None = None) -> QboOAuth:
    store = DatabaseTokenStore(runtime.engine, runtime.vault, record.id)
    return QboOAuth(qbo_config(record, realm_id), store, session=requests.Session(),
                    clock=utc_now)  # fmt: skip


@connection.command("check")
@click.argument("name", required=False)
def connection_check(name: str | None) -> None:
    """Ask the system who it is; keep its home currency and multicurrency for the mappings."""
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        record = load_connection(session, runtime.vault, name)
    health = adapter_for(runtime.engine, runtime.vault, record).check_health()
    if not health.ok:
        raise NeedsUserAction(
            "connection_down",
            f"Connection {record.name} does not answer: {health.message}",
            "Check the credentials (`backoffice connection add --replace`) and the system's "
            "status, then check again.",
        )
    with runtime.transaction() as session:
        remember_settings(session, record.id, company_name=health.company_name,
                          home_currency=health.home_currency,
                          multicurrency=health.multicurrency)  # fmt: skip
    click.echo(f"{record.name} answers: {health.company_name} ({health.home_currency}).")


@connection.command("list")
@click.option("--json", "as_json", is_flag=True)
def connection_list(as_json: bool) -> None:
    """The connections, without their secrets."""
    runtime = current_runtime().require_current_schema()
    with runtime.transaction() as session:
        found = list_connections(session)
    if as_json:
        print_json(found)
        return
    for item in found:
        default = " (default)" if item["default"] else ""
        authorized = "authorized" if item["authorized"] else "not authorized yet"
        click.echo(f"{item['name']}: {item['system']}{default}, {authorized}")


def _required(value: str | None, option: str) -> str:
    if not value:
        raise click.UsageError(f"{option} is required for this system.")
    return value


Credentials = tuple[dict[str, Any], dict[str, Secret], dict[str, Secret] | None]


def _from_sandbox(system: System, url: str, now: dt.datetime) -> Credentials:
    """Settings, secrets and tokens read from a sandbox's control API."""
    try:
        response = requests.get(f"{url.rstrip('/')}/_sandbox/info", timeout=SANDBOX_TIMEOUT)
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError) as error:
        raise NeedsUserAction(
            "sandbox_unreachable",
            f"The sandbox at {url} did not answer its control API ({type(error).__name__}).",
            f"Start it (`backoffice sandbox {system.family} --port P`) and give its URL.",
        ) from error
    _check_sandbox_info(system, url, info)
    if system is System.QBO_SANDBOX:
        settings = {"base_url": info["base_url"], "realm_id": info["realm_id"],
                    "client_id": info["client_id"], "environment": "local-sandbox",
                    "redirect_uri": SANDBOX_REDIRECT}  # fmt: skip
        secrets = {"client_secret": Secret(info["client_secret"]),
                   "webhook_verifier": Secret(info["webhook_verifier"])}  # fmt: skip
        tokens = {"access_token": Secret(info["access_token"]),
                  "refresh_token": Secret(info["refresh_token"])}  # fmt: skip
        return settings, secrets, tokens
    settings = {"base_url": info["base_url"], "account_id": info["account_id"], "auth": "tba"}
    secrets = {key: Secret(info[key]) for key in TBA_KEYS}
    return settings, secrets, None


def _check_sandbox_info(system: System, url: str, info: Any) -> None:
    """Refuse control API answers that are not ``system``'s (a QBO sandbox given as NetSuite)."""
    if _has_keys(info, SANDBOX_INFO_KEYS[system]):
        return
    other = System.QBO_SANDBOX if system is System.NETSUITE_SANDBOX else System.NETSUITE_SANDBOX
    if _has_keys(info, SANDBOX_INFO_KEYS[other]):
        found, action = f"it is a {other.value}", f"Give --system {other.value} for it, or the"
    else:
        found, action = "its control API does not say what it is", "Give the"
    raise NeedsUserAction(
        "wrong_sandbox",
        f"The sandbox at {url} is not a {system.value}: {found}.",
        f"{action} URL of a `backoffice sandbox {system.family}`.",
    )


def _has_keys(info: Any, keys: tuple[str, ...]) -> bool:
    return isinstance(info, dict) and all(isinstance(info.get(key), str) for key in keys)


def _qbo(client_id: str, redirect_uri: str, environment: str) -> Credentials:
    secret = click.prompt("QBO client secret", hide_input=True,
                          default=os.environ.get("BACKOFFICE_QBO_CLIENT_SECRET"),
                          show_default=False)  # fmt: skip
    settings = {"client_id": client_id, "redirect_uri": redirect_uri, "environment": environment}
    return settings, {"client_secret": Secret(secret)}, None


def _netsuite(account_id: str) -> Credentials:
    secrets = {}
    for key in TBA_KEYS:
        env = f"BACKOFFICE_NETSUITE_{key.upper()}"
        value = click.prompt(f"NetSuite {key.replace('_', ' ')}", hide_input=True,
                             default=os.environ.get(env), show_default=False)  # fmt: skip
        secrets[key] = Secret(value)
    return {"account_id": account_id, "auth": "tba"}, secrets, None


def _netsuite_oauth2(
    account_id: str, client_id: str, certificate_id: str, private_key_file: Path
) -> Credentials:
    """OAuth 2.0 client credentials: the certificate's private key is kept sealed."""
    settings = {"account_id": account_id, "auth": "oauth2", "client_id": client_id,
                "certificate_id": certificate_id}  # fmt: skip
    return settings, {"private_key": Secret(private_key_file.read_text())}, None
