"""Every module that declares the service's tables, imported in one place.

Alembic's environment and the tests that compare the migrations with the
models need the whole metadata; importing this module guarantees it. It lives
with the migrations, above every package, so that the ground declares no
domain table.
"""

from backoffice import locks
from backoffice.storage import Base
from billing import assignments, fees, pay_plans
from billing.catalog import models as catalog
from billing.invoicing import models as invoices
from billing.realization import state as realization_state
from mapping import connections
from mapping import models as mapping_models
from sync import pull_requests

MODEL_MODULES = (
    locks, catalog, pay_plans, assignments, fees, realization_state, invoices, connections,
    mapping_models, pull_requests,
)  # fmt: skip
metadata = Base.metadata
