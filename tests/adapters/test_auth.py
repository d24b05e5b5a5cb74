"""The loop's auth strategies: applied on every attempt, refreshed once after a refusal."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
import responses
from requests.auth import HTTPBasicAuth

from adapters.auth import Authenticator, BearerAuth, FixedAuth
from adapters.http import HttpClient
from adapters.resolution import Failure
from backoffice.errors import AuthExpired
from backoffice.secret import Secret

BASE = "http://127.0.0.1:8799"


class Tokens:
    """A token source handing out a new token on every call, recording the refusals."""

    def __init__(self) -> None:
        self.issued = 0
        self.refused: list[Secret | None] = []

    def access_token(self) -> Secret:
        self.issued += 1
        return Secret(f"token-{self.issued}")

    def refresh(self, *, refused: Secret | None) -> object:
        self.refused.append(refused)
        return None


def signed(auth: Authenticator) -> str:
    prepared = requests.Request("GET", f"{BASE}/x", auth=auth).prepare()
    return str(prepared.headers["Authorization"])


def loop(auth: Authenticator) -> HttpClient:
    return HttpClient(
        "test", "Test", requests.Session(), BASE, {}, read_fault, None, sleep=lambda _s: None,
        auth=auth,
    )  # fmt: skip


def read_fault(response: requests.Response) -> Failure:
    return Failure("test", response.status_code, None, "refused")


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_a_retried_call_is_signed_again_with_the_token_current_at_each_attempt(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{BASE}/x", status=503, body=b"")
    rsps.get(f"{BASE}/x", status=200, body=b"")
    loop(BearerAuth(Tokens())).request("GET", "x")
    sent = [c.request.headers["Authorization"] for c in rsps.calls]
    assert sent == ["Bearer token-1", "Bearer token-2"]


def test_a_refresh_reports_the_token_this_thread_sent_not_another_threads() -> None:
    tokens = Tokens()
    auth = BearerAuth(tokens)
    signed_first = threading.Event()
    other_signed = threading.Event()

    def other_thread() -> None:
        signed_first.wait()
        signed(auth)  # token-2, sent by another thread meanwhile
        other_signed.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    assert signed(auth) == "Bearer token-1"
    signed_first.set()
    other_signed.wait()
    thread.join()
    assert auth.refresh() is True
    assert tokens.refused == [Secret("token-1")]


def test_fixed_credentials_are_never_refreshed_so_a_refusal_is_raised_at_once(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{BASE}/x", status=401, body=b"")
    auth = FixedAuth(HTTPBasicAuth("client-id", "client-secret"))
    with pytest.raises(AuthExpired):
        loop(auth).request("GET", "x")
    assert len(rsps.calls) == 1
    assert str(rsps.calls[0].request.headers["Authorization"]).startswith("Basic ")
