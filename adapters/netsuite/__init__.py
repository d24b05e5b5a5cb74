"""NetSuite behind ``adapters.base.AccountingAdapter``, over its REST web services.

One concept per module: ``config`` (a connection's settings), ``hosts``
(account id → host, realm, token endpoint), ``auth`` (the TBA signature and
the OAuth 2.0 client credentials token, strategies of ``adapters.auth``),
``errors`` (resolution tables and fault reading), ``records`` (the record
service: upsert by external id, update, read), ``suiteql`` (statements,
quoting, ``SuiteqlPaginator``), ``options`` (picker lists), ``documents``
(our documents as NetSuite bodies), ``changes`` (payments, voids and deletes
since a cursor) and ``adapter`` (``NetSuiteAdapter``).
"""

from adapters.netsuite.adapter import NetSuiteAdapter
from adapters.netsuite.config import ClientCredentials, NetSuiteConfig, TbaCredentials

__all__ = ["ClientCredentials", "NetSuiteAdapter", "NetSuiteConfig", "TbaCredentials"]
