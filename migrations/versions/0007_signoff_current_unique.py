"""at most one current sign-off per township and event

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Before this revision two simultaneous sign-offs could both stay current. A newer sign-off supersedes the
township's earlier ones (the product's rule), so where several are current only the newest stays current; the
upgrade prints the ids it superseded.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT id, event_id, org_unit_id FROM signoffs WHERE current "
            "ORDER BY event_id, org_unit_id, created_at DESC, id DESC"
        )
    ).all()
    seen: set[tuple[int, int]] = set()
    superseded = []
    for signoff_id, event_id, org_unit_id in rows:
        if (event_id, org_unit_id) in seen:
            superseded.append(signoff_id)
        seen.add((event_id, org_unit_id))
    if superseded:
        table = sa.table("signoffs", sa.column("id", sa.Integer), sa.column("current", sa.Boolean))
        conn.execute(table.update().where(table.c.id.in_(superseded)).values(current=False))
        print(f"0007: sign-offs superseded by a newer current one of the same township: {superseded}")
    with op.batch_alter_table("signoffs", schema=None) as batch_op:
        batch_op.create_index(
            "uq_signoffs_current",
            ["event_id", "org_unit_id"],
            unique=True,
            sqlite_where=sa.text("current"),
            postgresql_where=sa.text("current"),
        )


def downgrade():
    with op.batch_alter_table("signoffs", schema=None) as batch_op:
        batch_op.drop_index("uq_signoffs_current", sqlite_where=sa.text("current"), postgresql_where=sa.text("current"))
