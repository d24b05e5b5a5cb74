"""The ``backoffice`` command line: a thin interface over the application services."""
