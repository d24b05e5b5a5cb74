"""How local records map onto an accounting system's: customers, items, accounts, terms.

May import ``billing``; never ``adapters``, ``sync`` or ``admin``.
"""
