"""``backoffice sandbox``: a local stand-in for an accounting system's API."""

from __future__ import annotations

import click


@click.command()
@click.argument("system", type=click.Choice(["qbo", "netsuite"]))
@click.option("--port", type=int, default=8001, show_default=True)
def sandbox(system: str, port: int) -> None:
    """A local stand-in for the accounting system's API, for demos and tests."""
    if system == "qbo":
        from sandboxes.qbo import serve
    else:
        from sandboxes.netsuite import serve  # type: ignore[no-redef]
    click.echo(f"{system} sandbox on http://127.0.0.1:{port} (control API: /_sandbox/info)")
    serve(port)
