"""The service's schema history (Alembic), and the registry of every table it covers."""
