"""Files the product ships that tests read: the ATS schema and the example catalog."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
ATS_SCHEMA = PROJECT / "ats" / "schema.sql"
EXAMPLE_CATALOG = PROJECT / "examples" / "catalog.yaml"
