"""Cutting a stream into pages, so long runs hold one page in memory at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def pages(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size`` (``itertools.batched`` from Python 3.12)."""
    iterator = iter(items)
    while page := list(islice(iterator, size)):
        yield page
