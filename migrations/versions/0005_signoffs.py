"""township sign-offs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

import server.types  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("evacuation", sa.JSON(), nullable=False),
        sa.Column("reporting", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_signoffs_created_by_id_users")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_signoffs_event_id_events")),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_signoffs_org_unit_id_org_units")),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], name=op.f("fk_signoffs_reviewed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signoffs")),
    )
    with op.batch_alter_table("signoffs", schema=None) as batch_op:
        batch_op.create_index("ix_signoffs_event_unit", ["event_id", "org_unit_id", "current"], unique=False)


def downgrade():
    with op.batch_alter_table("signoffs", schema=None) as batch_op:
        batch_op.drop_index("ix_signoffs_event_unit")
    op.drop_table("signoffs")
