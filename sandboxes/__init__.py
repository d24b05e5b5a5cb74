"""Local stand-ins for the accounting systems' real APIs (CONTRACT.md section 5).

Each sandbox is a small Flask app speaking its system's real paths, bodies,
status codes and error bodies, plus a ``/_sandbox`` control API for tests
(credentials, injected faults, reset). They are servers of their own: they
share no code with the adapters they test, so an encoding bug cannot hide on
both sides at once.
"""
