"""A local stand-in for NetSuite's REST web services (record service, SuiteQL, authentication).

One concept per module: ``app`` (``create_app``, ``serve``, the system's
answers to faults), ``sandbox`` (shared state and options), ``api`` (the
``/services/rest`` routes), ``control`` (``/_sandbox``), ``state`` (an
account's records and clock), ``seed`` (a new account), ``schema`` (record
types and their fields), ``records`` (create, update, upsert, delete and
their validation), ``transactions`` (amounts, applications, open balances),
``render`` (record answers), ``sql`` (the SuiteQL grammar), ``tables``
(SuiteQL's tables), ``suiteql`` (running a query, paging), ``tba`` (OAuth
1.0a signatures), ``oauth2`` (client credentials), ``errors`` (NetSuite's
error bodies) and ``limits`` (concurrency); injected faults, their routes and serving are
``sandboxes.faults`` and ``sandboxes.serving``, shared with the QBO sandbox.
"""

from sandboxes.netsuite.app import create_app, serve
from sandboxes.netsuite.sandbox import SandboxOptions

__all__ = ["SandboxOptions", "create_app", "serve"]
