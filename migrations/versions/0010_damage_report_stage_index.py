"""damage reports: an index on (event, village, stage) for the submit's stage check

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_damage_reports_stage", "damage_reports", ["event_id", "org_unit_id", "stage"])


def downgrade():
    op.drop_index("ix_damage_reports_stage", table_name="damage_reports")
