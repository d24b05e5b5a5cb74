"""Accounting system adapters: one per system behind ``adapters.base.AccountingAdapter``.

Adapters speak their system's real API and nothing else: they take and return
the neutral dataclasses of ``adapters.base``. The sandboxes (``sandboxes``)
stand in for the real APIs in demos and tests and share no code with the
adapters; import-linter contracts in ``pyproject.toml`` keep both apart.
"""
