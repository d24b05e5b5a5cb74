"""Accounting system adapters: one per system behind ``adapters.base.AccountingAdapter``.

Adapters speak their system's real API and nothing else: they take and return
the neutral dataclasses of ``adapters.base`` and never import ``billing``,
``mapping``, ``sync`` or ``admin``. The sandboxes (``adapters.sandbox``) stand in
for the real APIs in demos and tests; real adapters never import them.
"""
