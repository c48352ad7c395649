"""hazards and photos

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

import server.types  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hazards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("threatened_households", sa.Integer(), nullable=False),
        sa.Column("threatened_persons", sa.Integer(), nullable=False),
        sa.Column("risk_level", sa.String(length=8), nullable=False),
        sa.Column("found_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("supervised", sa.Boolean(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("responsible_person", sa.String(length=64), nullable=False),
        sa.Column("monitor_person", sa.String(length=64), nullable=False),
        sa.Column("deadline", server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rectified_at", server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "threatened_households >= 0 AND threatened_persons >= 0", name=op.f("ck_hazards_threatened_not_negative")
        ),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_hazards_org_unit_id_org_units")),
        sa.ForeignKeyConstraint(["reported_by_id"], ["users.id"], name=op.f("fk_hazards_reported_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazards")),
        sa.UniqueConstraint("client_id", name=op.f("uq_hazards_client_id")),
    )
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.create_index("ix_hazards_found_at", ["found_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_hazards_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index("ix_hazards_status_deadline", ["status", "deadline"], unique=False)

    op.create_table(
        "hazard_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_hazard_steps_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazards.id"], name=op.f("fk_hazard_steps_hazard_id_hazards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_steps")),
    )
    with op.batch_alter_table("hazard_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hazard_steps_hazard_id"), ["hazard_id"], unique=False)

    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("damage_report_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=100), nullable=False),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("thumbnail_bytes", sa.Integer(), nullable=False),
        sa.Column("taken_at", server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", server.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IS NULL OR kind IN ('before', 'after')", name=op.f("ck_photos_kind")),
        sa.CheckConstraint("(hazard_id IS NULL) <> (damage_report_id IS NULL)", name=op.f("ck_photos_one_parent")),
        sa.ForeignKeyConstraint(
            ["damage_report_id"],
            ["damage_reports.id"],
            name=op.f("fk_photos_damage_report_id_damage_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazards.id"], name=op.f("fk_photos_hazard_id_hazards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_photos_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
        sa.UniqueConstraint("damage_report_id", "sha256", name="uq_photos_damage_report_sha256"),
        sa.UniqueConstraint("hazard_id", "sha256", name="uq_photos_hazard_sha256"),
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index("ix_photos_damage_report_source", ["damage_report_id", "source_sha256"], unique=False)
        batch_op.create_index("ix_photos_hazard_source", ["hazard_id", "source_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_photos_storage_key"), ["storage_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_photos_thumbnail_key"), ["thumbnail_key"], unique=False)


def downgrade():
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photos_thumbnail_key"))
        batch_op.drop_index(batch_op.f("ix_photos_storage_key"))
        batch_op.drop_index("ix_photos_hazard_source")
        batch_op.drop_index("ix_photos_damage_report_source")

    op.drop_table("photos")
    with op.batch_alter_table("hazard_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_steps_hazard_id"))

    op.drop_table("hazard_steps")
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_index("ix_hazards_status_deadline")
        batch_op.drop_index(batch_op.f("ix_hazards_org_unit_id"))
        batch_op.drop_index("ix_hazards_found_at")

    op.drop_table("hazards")
