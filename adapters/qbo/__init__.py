"""QuickBooks Online behind ``adapters.base.AccountingAdapter``.

One concept per module: ``config`` (a connection's settings and URLs),
``oauth`` (connect and refresh, token calls through ``adapters.http``),
``client`` (python-quickbooks with ``adapters.http``'s loop as its
transport), ``errors`` (the resolution tables and fault reading),
``payloads`` (our documents as QBO JSON; exact amounts by
``adapters.jsonbody``), ``records`` (QBO JSON read back), ``query``
(statements and ``QueryPaginator``), ``changes`` (CDC and its fallback),
``webhooks`` (signature and notifications) and ``adapter`` (``QboAdapter``).
"""

from adapters.qbo.adapter import QboAdapter
from adapters.qbo.config import QboConfig

__all__ = ["QboAdapter", "QboConfig"]
