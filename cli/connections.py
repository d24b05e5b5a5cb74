"""``backoffice connection ...``: register, authorize, check and list accounting connections.

Options, prompts and output only; the work is ``services.connections``'s.
Secrets of a real connection come from the environment or a hidden prompt,
never from a command-line argument (shell histories and process lists keep
those).
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path

import click

from backoffice.secret import Secret
from cli.output import new_table, show, show_empty
from cli.support import current_runtime, print_json, told_where
from services import connections as service
from services.connections import ConnectionSummary, System

SANDBOXES = (System.QBO_SANDBOX, System.NETSUITE_SANDBOX)


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
    service.check_connection_name(name)
    runtime = current_runtime().require_current_schema()
    with _command_wording(name, chosen):
        if chosen in SANDBOXES:
            added = service.add_sandbox_connection(
                runtime, name, chosen, _required(url, "--url"), replace=replace
            )
        elif chosen is System.QBO:
            added = service.add_qbo_connection(
                runtime, name, client_id=_required(client_id, "--client-id"),
                redirect_uri=_required(redirect_uri, "--redirect-uri"),
                client_secret=_qbo_client_secret(), environment=environment, replace=replace,
            )  # fmt: skip
        elif private_key_file is not None:
            added = service.add_netsuite_oauth2_connection(
                runtime, name, account_id=_required(account_id, "--account-id"),
                client_id=_required(client_id, "--client-id"),
                certificate_id=_required(certificate_id, "--certificate-id"),
                private_key=Secret(private_key_file.read_text()), replace=replace,
            )  # fmt: skip
        else:
            added = service.add_netsuite_tba_connection(
                runtime, name, account_id=_required(account_id, "--account-id"),
                keys=_tba_keys(), replace=replace,
            )  # fmt: skip
    default = " (the default connection)" if added.is_default else ""
    what = "Renewed" if added.is_renewed else "Added"
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
    with _command_wording(name):
        if callback_url is None:
            click.echo(service.start_qbo_authorization(runtime, name))
            click.echo("Open it, consent, then run this again with --callback-url.", err=True)
            return
        authorized = service.complete_qbo_authorization(runtime, name, callback_url)
    click.echo(f"Connected {authorized.name} to QuickBooks company {authorized.realm_id}.")


@connection.command("check")
@click.argument("name", required=False)
def connection_check(name: str | None) -> None:
    """Ask the system who it is; keep its home currency and multicurrency for the mappings."""
    runtime = current_runtime().require_current_schema()
    with _command_wording(name or ""):
        checked = service.check_connection(runtime, name)
    click.echo(f"{checked.name} answers: {checked.company_name} ({checked.home_currency}).")


@connection.command("list")
@click.option("--json", "as_json", is_flag=True)
def connection_list(as_json: bool) -> None:
    """The connections, without their secrets."""
    runtime = current_runtime().require_current_schema()
    found = service.list_connections(runtime)
    if as_json:
        print_json([_as_json(summary) for summary in found])
        return
    if not found:
        show_empty("No connections yet: add one with `backoffice connection add`.")
        return
    table = new_table(["Name", "System", "Default", "Authorized", "Company or account",
                       "Home currency"])  # fmt: skip
    for summary in found:
        table.add_row(*_row(summary))
    show(table)


def _as_json(summary: ConnectionSummary) -> dict[str, object]:
    """The contract's shape of a listed connection."""
    return {"name": summary.name, "system": summary.system.value, "default": summary.is_default,
            "settings": summary.settings.as_dict(),
            "authorized": summary.is_authorized}  # fmt: skip


def _row(summary: ConnectionSummary) -> tuple[str, ...]:
    remote = summary.settings.remote_account_id
    company = summary.settings.company
    if company is not None and company.company_name:
        remote = f"{company.company_name} ({remote})" if remote else company.company_name
    currency = company.home_currency if company is not None else None
    return (
        summary.name,
        summary.system.value,
        "yes" if summary.is_default else "",
        "yes" if summary.is_authorized else "not yet",
        remote or "not connected yet",
        currency or "not checked yet",
    )


# Where the command line tells a person to act, for the services' failures it can name a command.
HINTS = {
    "sandbox_unreachable": "Start it (`backoffice sandbox {family} --port P`) and give its URL.",
    "connection_exists": "Choose another name, or pass --replace to renew a connection of the "
    "same system.",
    "connection_down": "Check the credentials (`backoffice connection add --replace`) and the "
    "system's status, then check again.",
    "no_oauth": "Nothing to do; `backoffice connection check` tells whether it answers.",
    "qbo:state": "Start again with `backoffice connection authorize {name}`.",
    "connection_not_found": "Add one with `backoffice connection add NAME --system ...`.",
}


def _command_wording(name: str, system: System | None = None) -> AbstractContextManager[None]:
    """Re-word a service's action with the command that does it, where there is one."""
    family = system.family if system is not None else ""
    return told_where(
        **{code: hint.format(name=name, family=family) for code, hint in HINTS.items()}
    )


def _required(value: str | None, option: str) -> str:
    if not value:
        raise click.UsageError(f"{option} is required for this system.")
    return value


def _qbo_client_secret() -> Secret:
    return Secret(click.prompt("QBO client secret", hide_input=True,
                               default=os.environ.get("BACKOFFICE_QBO_CLIENT_SECRET"),
                               show_default=False))  # fmt: skip


def _tba_keys() -> service.TbaKeys:
    keys = {}
    for key in service.TBA_KEY_NAMES:
        value = click.prompt(f"NetSuite {key.replace('_', ' ')}", hide_input=True,
                             default=os.environ.get(f"BACKOFFICE_NETSUITE_{key.upper()}"),
                             show_default=False)  # fmt: skip
        keys[key] = Secret(value)
    return service.TbaKeys(**keys)
