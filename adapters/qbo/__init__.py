"""QuickBooks Online behind ``adapters.base.AccountingAdapter``.

One concept per module: ``config`` (a connection's settings and URLs),
``oauth`` (connect and refresh), ``client`` (python-quickbooks wrapped with
retries, limits, refresh and logging), ``errors`` (the resolution table and
fault reading), ``payloads`` (our documents as QBO JSON; exact amounts by
``adapters.jsonbody``), ``records`` (QBO JSON read back), ``query``
(statements and paging), ``changes`` (CDC and its fallback), ``webhooks``
(signature and notifications) and ``adapter`` (``QboAdapter``). Never
imports ``billing``, ``mapping``, ``sync`` or the sandboxes.
"""

from adapters.qbo.adapter import QboAdapter
from adapters.qbo.config import QboConfig

__all__ = ["QboAdapter", "QboConfig"]
