"""The ATS tables of ``ats/schema.sql``, as SQLAlchemy Core tables.

Kept column for column with the shared schema (a test compares them), so the
reader can select typed columns on SQLite, PostgreSQL and MariaDB alike and
the demo book can create the tables in an empty ATS database.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    text,
)

from backoffice.storage import ExactDecimal

ats_metadata = MetaData()

company = Table(
    "ats_company",
    ats_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

billto = Table(
    "ats_billto",
    ats_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("company_id", Integer, ForeignKey("ats_company.id"), nullable=False),
    Column("parent_id", Integer, ForeignKey("ats_billto.id"), nullable=True),
    Column("name", String(200), nullable=False),
    Column("level", String(40), nullable=False),
    Column("email", String(200)),
    Column("address_line1", String(200)),
    Column("city", String(100)),
    Column("region", String(100)),
    Column("postal_code", String(20)),
    Column("country", String(2)),
    Column("currency", String(3), nullable=False, server_default=text("'USD'")),
    Column("active", SmallInteger, nullable=False, server_default=text("1")),
    Column("updated_at", DateTime, nullable=False),
)

placement = Table(
    "ats_placement",
    ats_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("billto_id", Integer, ForeignKey("ats_billto.id"), nullable=False),
    Column("candidate_name", String(200), nullable=False),
    Column("job_title", String(200), nullable=False),
    Column("placement_type", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("fell_off_date", Date),
    Column("currency", String(3), nullable=False),
    Column("base_salary", ExactDecimal(18, 2)),
    Column("ote", ExactDecimal(18, 2)),
    Column("product_code", String(60)),
    Column("pay_plan_code", String(60)),
    Column("bill_rate", ExactDecimal(18, 4)),
    Column("overtime_bill_rate", ExactDecimal(18, 4)),
    Column("doubletime_bill_rate", ExactDecimal(18, 4)),
    Column("po_number", String(40)),
    Column("updated_at", DateTime, nullable=False),
)

timecard = Table(
    "ats_timecard",
    ats_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("placement_id", Integer, ForeignKey("ats_placement.id"), nullable=False),
    Column("week_ending", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("approved_at", DateTime),
    Column("regular_hours", ExactDecimal(9, 2), nullable=False, server_default=text("0")),
    Column("overtime_hours", ExactDecimal(9, 2), nullable=False, server_default=text("0")),
    Column("doubletime_hours", ExactDecimal(9, 2), nullable=False, server_default=text("0")),
    Column("updated_at", DateTime, nullable=False),
)

service_fee = Table(
    "ats_service_fee",
    ats_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("billto_id", Integer, ForeignKey("ats_billto.id"), nullable=False),
    Column("product_code", String(60), nullable=False),
    Column("description", String(200)),
    Column("quantity", ExactDecimal(12, 4), nullable=False, server_default=text("1")),
    Column("unit_price", ExactDecimal(18, 2)),
    Column("currency", String(3), nullable=False),
    Column("created_date", Date, nullable=False),
    Column("schedule", String(20), nullable=False, server_default=text("'one_time'")),
    Column("schedule_end_date", Date),
    Column("cancelled_on", Date),
    Column("updated_at", DateTime, nullable=False),
)

Index("ix_ats_billto_updated", billto.c.updated_at)
Index("ix_ats_placement_updated", placement.c.updated_at)
Index("ix_ats_timecard_updated", timecard.c.updated_at)
Index("ix_ats_timecard_placement", timecard.c.placement_id)
Index("ix_ats_service_fee_updated", service_fee.c.updated_at)

ALL_TABLES = (company, billto, placement, timecard, service_fee)
