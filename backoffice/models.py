"""Every module that declares the service's tables, imported in one place.

Alembic and the schema check need the whole metadata; importing this module
guarantees it, whichever command runs.
"""

from backoffice.storage import Base
from billing import assignments, catalog, pay_plans

MODEL_MODULES = (catalog, pay_plans, assignments)
metadata = Base.metadata
