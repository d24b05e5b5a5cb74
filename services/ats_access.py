"""Opening the ATS for a use case that needs every one of its tables."""

from __future__ import annotations

from ats.reader import AtsReader
from backoffice.errors import NeedsUserAction
from backoffice.runtime import Runtime


def complete_ats(runtime: Runtime) -> AtsReader:
    """A reader of the ATS; raises ``NeedsUserAction`` naming the tables it lacks.

    Checked up front so a half-configured ATS URL stops before any work starts,
    with the setting to correct rather than a database error halfway through.
    """
    reader = AtsReader(runtime.ats_engine)
    missing = reader.missing_tables()
    if missing:
        raise NeedsUserAction(
            "ats_incomplete",
            f"The ATS database lacks the tables {', '.join(missing)}.",
            "Point BACKOFFICE_ATS_DATABASE_URL at the ATS database (see ats_schema.sql).",
        )
    return reader
