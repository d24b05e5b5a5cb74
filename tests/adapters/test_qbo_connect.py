"""Connecting a QuickBooks company from the command line, against the live sandbox."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.adapters.sandbox_apps import qbo_app
from tests.sandboxes.support import live_server

TIMEOUT = 5.0


@pytest.fixture
def connected(sqlite_runner):
    with live_server(qbo_app()) as base_url:
        assert sqlite_runner("db", "upgrade").exit_code == 0
        added = sqlite_runner("connection", "add", "books", "--system", "qbo-sandbox",
                              "--url", base_url)  # fmt: skip
        assert added.exit_code == 0, added.output
        yield sqlite_runner


def consent(runner) -> str:
    """Start a connect attempt and consent in the 'browser'; the callback address."""
    started = runner("connection", "authorize", "books")
    assert started.exit_code == 0, started.output
    url = started.stdout.strip()
    assert parse_qs(urlsplit(url).query)["scope"] == ["com.intuit.quickbooks.accounting"]
    answer = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["Location"]


def test_consent_then_callback_connects_the_company(connected):
    callback = consent(connected)

    done = connected("connection", "authorize", "books", "--callback-url", callback)

    assert done.exit_code == 0, done.output
    assert "Connected books" in done.stdout
    assert connected("connection", "check", "books").exit_code == 0
    again = connected("connection", "authorize", "books", "--callback-url", callback)
    assert again.exit_code == 1 and "No connect attempt" in again.stderr


def test_a_forged_callback_is_refused(connected):
    callback = consent(connected)
    forged = callback.replace("state=", "state=x")

    refused = connected("connection", "authorize", "books", "--callback-url", forged)

    assert refused.exit_code == 1
    assert "did not match" in refused.stderr
