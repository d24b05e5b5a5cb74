"""credit memos, voiding, installment claims, fee rechecks, immutability triggers

Invoices and credit memos share the invoice table (``kind``). The unique
``installment_id`` of a line becomes an ``installment_claim`` row per
(installment, role) so that an installment can be billed once and credited
once, and a voided document can give its installments back while its lines
stay untouched.

Approved documents are made immutable in the database itself, for every
client: triggers refuse changes to a non-draft invoice other than its status,
balance and void fields, a status going back to draft or out of voided, and
any insert, update or delete of its lines. SQLite's batch mode recreates a
table it alters and drops its triggers with it: a later migration that alters
``invoice`` or ``invoice_line`` on SQLite must create these triggers again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 22:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Columns of an invoice that are fixed once it leaves draft.
FIXED_COLUMNS = (
    "batch_id", "kind", "credits_invoice_id", "number", "billto_id", "currency",
    "invoice_date", "due_date", "terms_code", "po_number", "total", "memo",
)  # fmt: skip
LOCKED = "invoice is approved and cannot be changed: issue a credit memo instead"
BAD_STATUS = "an approved invoice cannot go back to draft, nor a voided one come back"


def upgrade() -> None:
    with op.batch_alter_table("invoice") as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(20), nullable=False, server_default="invoice")
        )
        batch_op.add_column(sa.Column("credits_invoice_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("memo", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("voided_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_invoice_credits_invoice_id_invoice"), "invoice",
            ["credits_invoice_id"], ["id"],
        )  # fmt: skip
        batch_op.create_index(op.f("ix_invoice_credits_invoice_id"), ["credits_invoice_id"])
    with op.batch_alter_table("invoice_line") as batch_op:
        # The new index first: MariaDB's foreign key on installment_id needs an index.
        batch_op.create_index(op.f("ix_invoice_line_installment_id"), ["installment_id"])
        batch_op.drop_constraint(op.f("uq_invoice_line_installment_id"), type_="unique")
        for column in ("installment_id", "fee_id", "seq", "source_id"):
            batch_op.alter_column(column, existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("source_type", existing_type=sa.String(20), nullable=True)
    op.create_table(
        "installment_claim",
        sa.Column("installment_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["installment_id"], ["fee_installment.id"],
            name=op.f("fk_installment_claim_installment_id_fee_installment"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_installment_claim_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("installment_id", "role", name=op.f("pk_installment_claim")),
    )  # fmt: skip
    op.create_index(op.f("ix_installment_claim_invoice_id"), "installment_claim", ["invoice_id"])
    op.execute(
        "INSERT INTO installment_claim (installment_id, role, invoice_id) "
        "SELECT installment_id, 'bill', invoice_id FROM invoice_line"
    )
    op.create_table(
        "fee_recheck",
        sa.Column("fee_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fee_id"], ["realized_fee.id"], name=op.f("fk_fee_recheck_fee_id_realized_fee")
        ),
        sa.PrimaryKeyConstraint("fee_id", name=op.f("pk_fee_recheck")),
    )
    dialect = op.get_bind().dialect.name
    for statement in TRIGGERS[dialect]:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table("fee_recheck")
    op.drop_table("installment_claim")  # with its index (MariaDB will not drop an FK's index)
    # MariaDB keeps an index as long as a foreign key needs it: replace, then drop.
    with op.batch_alter_table("invoice_line") as batch_op:
        batch_op.create_unique_constraint(
            op.f("uq_invoice_line_installment_id"), ["installment_id"]
        )
        batch_op.drop_index(op.f("ix_invoice_line_installment_id"))
    with op.batch_alter_table("invoice") as batch_op:
        batch_op.drop_constraint(op.f("fk_invoice_credits_invoice_id_invoice"), type_="foreignkey")
        batch_op.drop_index(op.f("ix_invoice_credits_invoice_id"))
        for column in ("voided_at", "void_reason", "memo", "credits_invoice_id", "kind"):
            batch_op.drop_column(column)


def _changed(old: str, new: str, *, null_safe_equal: str) -> str:
    """SQL true when any fixed column differs between the two row versions."""
    return " OR ".join(
        f"NOT ({old}.{c} {null_safe_equal} {new}.{c})" for c in FIXED_COLUMNS
    )


_STATUS_BREAK = (
    "(NEW.status = 'draft' OR (OLD.status = 'voided' AND NEW.status <> 'voided'))"
)

TRIGGERS = {
    "sqlite": [
        f"""CREATE TRIGGER invoice_fixed_after_approval BEFORE UPDATE ON invoice
            WHEN OLD.status <> 'draft' AND ({_changed("OLD", "NEW", null_safe_equal="IS")})
            BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END""",
        f"""CREATE TRIGGER invoice_status_forward BEFORE UPDATE OF status ON invoice
            WHEN OLD.status <> 'draft' AND {_STATUS_BREAK}
            BEGIN SELECT RAISE(ABORT, '{BAD_STATUS}'); END""",
        f"""CREATE TRIGGER invoice_kept_after_approval BEFORE DELETE ON invoice
            WHEN OLD.status <> 'draft'
            BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END""",
        *(
            f"""CREATE TRIGGER invoice_line_fixed_on_{event.lower()} BEFORE {event}
                ON invoice_line
                WHEN (SELECT status FROM invoice WHERE id = {row}.invoice_id) <> 'draft'
                BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END"""
            for event, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD"))
        ),
    ],
    "postgresql": [
        f"""CREATE FUNCTION invoice_fixed_after_approval() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                IF OLD.status <> 'draft' THEN RAISE EXCEPTION '{LOCKED}'; END IF;
                RETURN OLD;
              END IF;
              IF OLD.status <> 'draft' THEN
                IF {_changed("OLD", "NEW", null_safe_equal="IS NOT DISTINCT FROM")} THEN
                  RAISE EXCEPTION '{LOCKED}';
                END IF;
                IF {_STATUS_BREAK} THEN RAISE EXCEPTION '{BAD_STATUS}'; END IF;
              END IF;
              RETURN NEW;
            END $$""",
        """CREATE TRIGGER invoice_fixed_after_approval BEFORE UPDATE OR DELETE ON invoice
            FOR EACH ROW EXECUTE FUNCTION invoice_fixed_after_approval()""",
        f"""CREATE FUNCTION invoice_line_fixed_after_approval() RETURNS trigger
            LANGUAGE plpgsql AS $$
            DECLARE parent_status text;
            BEGIN
              SELECT status INTO parent_status FROM invoice WHERE id =
                CASE WHEN TG_OP = 'INSERT' THEN NEW.invoice_id ELSE OLD.invoice_id END;
              IF parent_status <> 'draft' THEN RAISE EXCEPTION '{LOCKED}'; END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$""",
        """CREATE TRIGGER invoice_line_fixed_after_approval
            BEFORE INSERT OR UPDATE OR DELETE ON invoice_line
            FOR EACH ROW EXECUTE FUNCTION invoice_line_fixed_after_approval()""",
    ],
    "mysql": [
        f"""CREATE TRIGGER invoice_fixed_on_update BEFORE UPDATE ON invoice FOR EACH ROW
            BEGIN
              IF OLD.status <> 'draft' AND ({_changed("OLD", "NEW", null_safe_equal="<=>")}) THEN
                SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{LOCKED}';
              END IF;
              IF OLD.status <> 'draft' AND {_STATUS_BREAK} THEN
                SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{BAD_STATUS}';
              END IF;
            END""",
        f"""CREATE TRIGGER invoice_kept_after_approval BEFORE DELETE ON invoice FOR EACH ROW
            BEGIN
              IF OLD.status <> 'draft' THEN
                SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{LOCKED}';
              END IF;
            END""",
        *(
            f"""CREATE TRIGGER invoice_line_fixed_on_{event.lower()} BEFORE {event}
                ON invoice_line FOR EACH ROW
                BEGIN
                  IF (SELECT status FROM invoice WHERE id = {row}.invoice_id) <> 'draft' THEN
                    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{LOCKED}';
                  END IF;
                END"""
            for event, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD"))
        ),
    ],
}

DROP_TRIGGERS = {
    "sqlite": [
        f"DROP TRIGGER {name}"
        for name in (
            "invoice_fixed_after_approval", "invoice_status_forward",
            "invoice_kept_after_approval", "invoice_line_fixed_on_insert",
            "invoice_line_fixed_on_update", "invoice_line_fixed_on_delete",
        )
    ],  # fmt: skip
    "postgresql": [
        "DROP TRIGGER invoice_fixed_after_approval ON invoice",
        "DROP FUNCTION invoice_fixed_after_approval()",
        "DROP TRIGGER invoice_line_fixed_after_approval ON invoice_line",
        "DROP FUNCTION invoice_line_fixed_after_approval()",
    ],
    "mysql": [
        f"DROP TRIGGER {name}"
        for name in (
            "invoice_fixed_on_update", "invoice_kept_after_approval",
            "invoice_line_fixed_on_insert", "invoice_line_fixed_on_update",
            "invoice_line_fixed_on_delete",
        )
    ],  # fmt: skip
}
