"""What the sandbox tests of both systems share: a stepping clock, JSON shapes, a live server."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server


class StepClock:
    """A clock that moves only when a test moves it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def shape(value: Any) -> Any:
    """The keys and value types of a JSON value, recursively (what fidelity tests compare)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """The app on a real threaded werkzeug server on a free port; its base URL."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def sandbox_stats(client: Any) -> dict[str, Any]:
    """What ``GET /_sandbox/stats`` answers, through a Flask test client."""
    response = client.get("/_sandbox/stats")
    assert response.status_code == 200
    answer: dict[str, Any] = response.get_json()
    return answer


def inject_fault(client: Any, **spec: Any) -> None:
    """Queue one fault through ``POST /_sandbox/faults``; it must be accepted."""
    assert client.post("/_sandbox/faults", json=spec).status_code == 201
