"""The sandboxes as the adapter tests start them: short delays, so that faults are quick."""

from __future__ import annotations

from flask import Flask


def qbo_app() -> Flask:
    from sandboxes.qbo import SandboxOptions, create_app

    return create_app(SandboxOptions(timeout_delay=0.5, retry_after=1))


def netsuite_app() -> Flask:
    from sandboxes.netsuite import SandboxOptions, create_app

    return create_app(SandboxOptions(timeout_delay=0.5, retry_after=1))


def netsuite_dup_codes_app() -> Flask:
    """NetSuite answering duplicates with the older DUP_* codes instead of USER_ERROR."""
    from sandboxes.netsuite import SandboxOptions, create_app

    return create_app(SandboxOptions(timeout_delay=0.5, retry_after=1, legacy_duplicates=True))
