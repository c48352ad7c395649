"""drought indicators on damage reports; local events reported from below (pending, merged, rejected)

Revision ID: 0030
Revises: 0020
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

import server.types

revision = "0030"
down_revision = "0020"  # after the named ledgers (merged from branch ledgers)
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("damage_reports") as batch_op:
        # 因旱饮水困难需救助人口 / 大牲畜 (头): 0 for every report filed so far (no drought event had them).
        batch_op.add_column(sa.Column("drought_drinking_people", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("drought_drinking_livestock", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("local", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("client_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("payload_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_at", server.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_events_client_id"), ["client_id"])
        batch_op.create_foreign_key(batch_op.f("fk_events_merged_into_id_events"), "events", ["merged_into_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_events_decided_by_id_users"), "users", ["decided_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_events_decided_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_events_merged_into_id_events"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_events_client_id"), type_="unique")
        for name in (
            "decided_at",
            "decided_by_id",
            "status_reason",
            "merged_into_id",
            "payload_hash",
            "client_id",
            "description",
            "local",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("damage_reports") as batch_op:
        batch_op.drop_column("drought_drinking_livestock")
        batch_op.drop_column("drought_drinking_people")
