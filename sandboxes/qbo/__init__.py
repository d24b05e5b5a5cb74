"""A local stand-in for the QuickBooks Online Accounting API (v3) and Intuit's OAuth server.

One concept per module: ``app`` (``create_app``, ``serve``, the system's
answers to faults), ``sandbox`` (shared state and options), ``api`` (the
``/v3/company/<realm>`` routes), ``oauth`` (tokens, token endpoint,
consent, discovery), ``control`` (``/_sandbox``), ``state`` (a company's
records and clock), ``seed`` (a new company), ``schema`` (entities and
their properties), ``records`` (references and amounts), ``lists`` and
``documents`` (each entity's rules), ``operations`` (create, read, update,
delete, void), ``query`` (QBO's query language), ``changes`` (batch, CDC),
``errors`` (QBO's fault bodies), ``limits`` (throttling) and ``webhooks``
(signed notifications); injected faults, their routes and serving are
``sandboxes.faults`` and ``sandboxes.serving``, shared with the NetSuite sandbox.
"""

from sandboxes.qbo.app import create_app, serve
from sandboxes.qbo.sandbox import SandboxOptions

__all__ = ["SandboxOptions", "create_app", "serve"]
