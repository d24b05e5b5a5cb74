"""Helpers the tests of several packages share: databases, recorded payloads, connections."""
