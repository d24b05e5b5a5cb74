"""The domain: catalog, pay plans, terms, customer assignments, realization, invoicing.

Pure Python and SQLAlchemy models, and no reads of the wall clock: callers
pass ``as_of``. Its place among the layers is an import-linter contract in
``pyproject.toml``.
"""
