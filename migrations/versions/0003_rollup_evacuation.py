"""evacuation, shelters and township sign-offs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

import server.types  # noqa: F401

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
