"""The domain: catalog, pay plans, terms, customer assignments, realization, invoicing.

Pure Python and SQLAlchemy models. Never imports adapters, sync or admin, and
never reads the wall clock: callers pass ``as_of``.
"""
