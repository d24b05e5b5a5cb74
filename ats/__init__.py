"""The ATS boundary: the tables of ``ats/schema.sql`` and a read-only reader.

The service never writes an ``ats_*`` table; the one exception is the demo
book, which fills an ATS database for demos and benchmarks. Imports nothing
from the domain packages.
"""
