"""Logging, configured in one place for the command line, the web app and the worker.

A ``RedactingFilter`` sits on every handler so that a secret which reaches a
log record (a key, a token) is masked whatever the caller did.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from backoffice.secret import MASK, Secret

_registered: set[str] = set()
CREDENTIAL_LOGGERS = ("oauthlib", "requests_oauthlib", "urllib3.connectionpool")


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


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (it is swapped under test runners)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """The stream is always the current stderr; assignments are ignored."""


def configure_logging(level: int = logging.INFO) -> None:
    """One stderr handler with redaction; safe to call more than once."""
    root = logging.getLogger()
    if any(isinstance(h, _StderrHandler) for h in root.handlers):
        return
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    # These write whole Authorization headers, signatures and bodies at DEBUG;
    # signatures are not registered secrets, so the filter cannot mask them.
    for chatty in CREDENTIAL_LOGGERS:
        logging.getLogger(chatty).setLevel(max(level, logging.INFO))
