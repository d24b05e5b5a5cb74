"""The ground every package stands on: settings, storage, errors, secrets, clock, locks, logging.

What it may import, and who may import it, is written once, as import-linter
contracts in ``pyproject.toml`` (``make test`` checks them).
"""
