"""damage reports: drop ix_damage_reports_event_current, which uq_damage_reports_current already covers

Every query for an event's current reports (roll-ups, exports, completeness) is served by the partial unique index
on (event_id, org_unit_id) WHERE current. The (event_id, current) index held two keys per event for all its rows:
every submit added two entries to the same hot leaf page (the new row's and the superseded row's new version), and
under 32 concurrent reporters its upkeep grew with the event's history.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02

"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_damage_reports_event_current", table_name="damage_reports")


def downgrade():
    op.create_index("ix_damage_reports_event_current", "damage_reports", ["event_id", "current"])
