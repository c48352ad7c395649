"""photo position accuracy (metres), as the uploading phone reports it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("photos") as batch_op:
        batch_op.add_column(sa.Column("accuracy_m", sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table("photos") as batch_op:
        batch_op.drop_column("accuracy_m")
