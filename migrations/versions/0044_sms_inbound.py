"""SMS fallback (短信报灾): inbound messages, parts waiting for their siblings, and each damage report's channel

Revision ID: 0044
Revises: 0031
Create Date: 2026-12-06

"""

from alembic import op
import sqlalchemy as sa

import server.types  # noqa: F401  (custom column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = "0044"
down_revision = "0040"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("reply_status", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sms_messages_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
    )
    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sms_messages_received_at"), ["received_at"], unique=False)

    op.create_table(
        "sms_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("mac", sa.String(length=8), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("chunk", sa.String(length=160), nullable=False),
        sa.Column("received_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_parts")),
        sa.UniqueConstraint("sender", "mac", "total", "index", name="uq_sms_parts_part"),
    )
    with op.batch_alter_table("sms_parts", schema=None) as batch_op:
        batch_op.create_index("ix_sms_parts_received_at", ["received_at"], unique=False)

    with op.batch_alter_table("damage_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=8), server_default="http", nullable=False))


def downgrade():
    with op.batch_alter_table("damage_reports", schema=None) as batch_op:
        batch_op.drop_column("channel")
    with op.batch_alter_table("sms_parts", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_parts_received_at")
    op.drop_table("sms_parts")
    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_messages_received_at"))
    op.drop_table("sms_messages")
