"""Recorded payloads for the adapter tests, read from the project's ``tests/fixtures``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def payload_loader(fixtures: Path, system: str) -> Callable[[str], Any]:
    """Reads ``name`` from ``fixtures/<system>`` as JSON (each file named in its SOURCES.md)."""

    def load(name: str) -> Any:
        return json.loads((fixtures / system / name).read_bytes())

    return load
