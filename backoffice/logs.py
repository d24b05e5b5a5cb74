"""Logging, configured in one place for the command line, the web app and the worker.

A ``RedactingFilter`` sits on every handler so that a secret which reaches a
log record (a key, a token) is masked whatever the caller did.
"""

from __future__ import annotations

import logging
import sys

from backoffice.secret import MASK, Secret

_registered: set[str] = set()


def register_secret(secret: Secret) -> None:
    """Mask this secret's value in every log line from now on."""
    value = secret.reveal()
    if len(value) >= 8:
        _registered.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret value replaced by the mask."""
    for value in _registered:
        text = text.replace(value, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message with registered secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record, after masking it."""
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """One stderr handler with redaction; safe to call more than once."""
    root = logging.getLogger()
    if any(getattr(h, "_backoffice", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    handler._backoffice = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
