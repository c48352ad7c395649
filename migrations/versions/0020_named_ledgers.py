"""named ledgers: casualties (因灾死亡失踪人口台账) and damaged_houses (因灾倒塌损坏住房户台账)

Revision ID: 0020
Revises: 0010
Create Date: 2026-12-01

"""

from alembic import op
import sqlalchemy as sa

import server.types  # noqa: F401  (custom column types used by autogenerate)


revision = "0020"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "casualties",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("sex", sa.String(length=6), nullable=False),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("found_alive", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("cause", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("review_status", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_casualties_event_id_events")),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_casualties_org_unit_id_org_units")),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], name=op.f("fk_casualties_reviewed_by_id_users")),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"], name=op.f("fk_casualties_submitted_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_casualties")),
        sa.UniqueConstraint("client_id", name=op.f("uq_casualties_client_id")),
    )
    with op.batch_alter_table("casualties", schema=None) as batch_op:
        batch_op.create_index("ix_casualties_event_unit", ["event_id", "org_unit_id"], unique=False)

    op.create_table(
        "damaged_houses",
        sa.Column("head_name", sa.String(length=50), nullable=False),
        sa.Column("structure", sa.String(length=10), nullable=False),
        sa.Column("damage", sa.String(length=10), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("transitional_aid_persons", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("review_status", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_damaged_houses_event_id_events")),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_damaged_houses_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], name=op.f("fk_damaged_houses_reviewed_by_id_users")),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_damaged_houses_submitted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_damaged_houses")),
        sa.UniqueConstraint("client_id", name=op.f("uq_damaged_houses_client_id")),
    )
    with op.batch_alter_table("damaged_houses", schema=None) as batch_op:
        batch_op.create_index("ix_damaged_houses_event_unit", ["event_id", "org_unit_id"], unique=False)


def downgrade():
    with op.batch_alter_table("damaged_houses", schema=None) as batch_op:
        batch_op.drop_index("ix_damaged_houses_event_unit")

    op.drop_table("damaged_houses")
    with op.batch_alter_table("casualties", schema=None) as batch_op:
        batch_op.drop_index("ix_casualties_event_unit")

    op.drop_table("casualties")
