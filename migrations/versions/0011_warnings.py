"""warnings (预警), their targets as expanded at issue time, acknowledgements (叫应) and escalations

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

"""

from alembic import op
import sqlalchemy as sa

import server.types  # noqa: F401  (custom column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("disaster_type", sa.String(length=20), nullable=False),
        sa.Column("issuer_unit_id", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ack_within_minutes", sa.Integer(), nullable=True),
        sa.Column("ack_due_at", server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("revised_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("target_unit_ids", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ack_within_minutes IS NULL OR ack_within_minutes > 0", name=op.f("ck_warnings_ack_window_positive")
        ),
        sa.ForeignKeyConstraint(["cancelled_by_id"], ["users.id"], name=op.f("fk_warnings_cancelled_by_id_users")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_warnings_issued_by_id_users")),
        sa.ForeignKeyConstraint(
            ["issuer_unit_id"], ["org_units.id"], name=op.f("fk_warnings_issuer_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warnings")),
    )
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warnings_issuer_unit_id"), ["issuer_unit_id"], unique=False)
        batch_op.create_index("ix_warnings_status_expires", ["status", "expires_at"], unique=False)

    op.create_table(
        "warning_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("via_unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_warning_targets_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["township_id"], ["org_units.id"], name=op.f("fk_warning_targets_township_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["via_unit_id"], ["org_units.id"], name=op.f("fk_warning_targets_via_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name=op.f("fk_warning_targets_warning_id_warnings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_targets")),
        sa.UniqueConstraint("warning_id", "org_unit_id", name="uq_warning_targets_village"),
    )
    with op.batch_alter_table("warning_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warning_targets_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "warning_acks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=True),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("households_notified", sa.Integer(), nullable=True),
        sa.Column("persons_notified", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(households_notified IS NULL OR households_notified >= 0) AND (persons_notified IS NULL OR persons_notified >= 0)",
            name=op.f("ck_warning_acks_notified_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"], ["users.id"], name=op.f("fk_warning_acks_acknowledged_by_id_users")
        ),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_warning_acks_org_unit_id_org_units")),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["warning_targets.id"],
            name=op.f("fk_warning_acks_target_id_warning_targets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name=op.f("fk_warning_acks_warning_id_warnings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_acks")),
        sa.UniqueConstraint("client_id", name=op.f("uq_warning_acks_client_id")),
    )
    with op.batch_alter_table("warning_acks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_warning_acks_target_revision", ["target_id", "revision", "acknowledged_at"], unique=False
        )
        batch_op.create_index("ix_warning_acks_warning", ["warning_id", "revision"], unique=False)

    op.create_table(
        "warning_escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("escalated_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("notifier", sa.String(length=16), nullable=False),
        sa.Column("delivery", sa.String(length=10), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["warning_targets.id"],
            name=op.f("fk_warning_escalations_target_id_warning_targets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name=op.f("fk_warning_escalations_warning_id_warnings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_escalations")),
        sa.UniqueConstraint("target_id", "revision", name="uq_warning_escalations_target_revision"),
    )
    with op.batch_alter_table("warning_escalations", schema=None) as batch_op:
        batch_op.create_index("ix_warning_escalations_delivery", ["delivery"], unique=False)
        batch_op.create_index(batch_op.f("ix_warning_escalations_warning_id"), ["warning_id"], unique=False)


def downgrade():
    with op.batch_alter_table("warning_escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_escalations_warning_id"))
        batch_op.drop_index("ix_warning_escalations_delivery")

    op.drop_table("warning_escalations")
    with op.batch_alter_table("warning_acks", schema=None) as batch_op:
        batch_op.drop_index("ix_warning_acks_warning")
        batch_op.drop_index("ix_warning_acks_target_revision")

    op.drop_table("warning_acks")
    with op.batch_alter_table("warning_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_targets_org_unit_id"))

    op.drop_table("warning_targets")
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_warnings_status_expires")
        batch_op.drop_index(batch_op.f("ix_warnings_issuer_unit_id"))

    op.drop_table("warnings")
