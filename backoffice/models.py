"""Every module that declares the service's tables, imported in one place.

Alembic and the schema check need the whole metadata; importing this module
guarantees it, whichever command runs.
"""

from backoffice import locks
from backoffice.storage import Base
from billing import assignments, catalog, fees, invoices, pay_plans, realization_state
from mapping import connections
from mapping import models as mapping_models
from sync import pull_requests

MODEL_MODULES = (
    locks, catalog, pay_plans, assignments, fees, realization_state, invoices, connections,
    mapping_models, pull_requests,
)  # fmt: skip
metadata = Base.metadata
