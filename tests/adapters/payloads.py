"""Recorded payloads for the adapter tests: the shared folder first, then this project's."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def payload_loader(shared: Path, system: str) -> Callable[[str], Any]:
    """Reads ``name`` from ``shared/fixtures/<system>``, else from ``tests/fixtures/<system>``.

    Shared payloads are read in place, never copied; the project's own folder
    holds only what the shared one lacks (each named in its SOURCES.md).
    """

    def load(name: str) -> Any:
        path = shared / "fixtures" / system / name
        if not path.exists():
            path = PROJECT_FIXTURES / system / name
        return json.loads(path.read_bytes())

    return load
